"""The bookmark pages against an api stand-in: what is shown (escaped), what is sent."""

import re
from html import unescape
from html.parser import HTMLParser

from browsing import csrf_token, log_in, submit, text

HOSTILE = '<script>alert("x")</script>'


class Links(HTMLParser):
    def __init__(self, html: str):
        super().__init__()
        self.hrefs: list[str] = []
        self.images: list[str] = []
        self.scripts = 0  # scripts that are not the ui's own files (/static/...)
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a":
            self.hrefs.append(attrs.get("href", ""))
        elif tag == "img":
            self.images.append(attrs.get("src", ""))
        elif tag == "script" and not (attrs.get("src") or "").startswith("/static/"):
            self.scripts += 1


def test_the_list_shows_hostile_bookmarks_as_text(browser, shelf):
    shelf.api.add(
        1,
        "https://example.org/a",
        title=HOSTILE,
        description=HOSTILE + " desc",
        tag_names=['x"><img src=x onerror=alert(1)>'],
        favicon_url="https://example.org/favicon.ico",
        is_broken=True,
    )
    shelf.api.add(1, "javascript:alert(document.cookie)", title="sneaky")
    log_in(browser)
    html = browser.get("/bookmarks").get_data(as_text=True)
    assert HOSTILE not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "<img src=x onerror" not in html
    parsed = Links(html)
    assert parsed.scripts == 0
    assert "https://example.org/a" in parsed.hrefs
    assert not any(href.startswith("javascript:") for href in parsed.hrefs)  # shown, not linked
    assert "https://example.org/favicon.ico" in parsed.images
    assert "broken link" in html
    assert 'datetime="2026-11-24T09:46:23.006313Z"' in html and "2026-11-24" in html


def test_the_list_asks_api_for_the_view_search_sort_and_page(browser, shelf):
    for number in range(75):
        shelf.api.add(1, f"https://example.org/{number}", title=f"page {number}")
    log_in(browser)
    response = browser.get("/bookmarks?q=page+%23news&sort=title_asc&page=2")
    assert response.status_code == 200
    call = shelf.api.called("GET", "/api/bookmarks/")[-1]
    assert call.args == {
        "q": "page #news",
        "sort": "title_asc",
        "limit": "30",
        "offset": "30",
    }  # 30 a page unless the person chose otherwise
    browser.get("/bookmarks?view=archived")
    assert shelf.api.called("GET", "/api/bookmarks/archived/")
    browser.get("/bookmarks?view=unread")
    assert shelf.api.called("GET", "/api/bookmarks/")[-1].args["unread"] == "yes"
    browser.get("/bookmarks?view=shared")
    assert shelf.api.called("GET", "/api/bookmarks/")[-1].args["shared"] == "yes"
    html = browser.get("/bookmarks").get_data(as_text=True)
    assert len(Links(html).hrefs) and html.count('class="bookmark-select"') == 30
    pager = html.split('<nav class="pagination" aria-label="Pages">', 1)[1].split("</nav>")[0]
    # page numbers: 1 (this one), 2, 3, and the next
    assert re.findall(r'aria-label="(Page [^"]+)"', pager) == ["Page 1 of 3", "Page 2", "Page 3"]
    assert 'href="/bookmarks?view=all&amp;sort=added_desc&amp;page=3"' in pager
    assert 'rel="next" href="/bookmarks?view=all&amp;sort=added_desc&amp;page=2"' in pager


def test_tags_link_to_a_search_for_them(browser, shelf):
    shelf.api.add(1, "https://example.org/", title="t", tag_names=["news"])
    log_in(browser)
    html = browser.get("/bookmarks?q=word").get_data(as_text=True)
    assert 'href="/bookmarks?view=all&amp;q=word+%23news"' in html


def test_a_search_api_cannot_read_is_explained(browser, shelf):
    log_in(browser)
    response = browser.get("/bookmarks?q=%22open")
    assert response.status_code == 400
    assert "Unterminated quote at position 1." in response.get_data(as_text=True)


def test_adding_sends_the_bookmark_to_api(browser, shelf):
    log_in(browser)
    response = submit(
        browser,
        "/bookmarks/new",
        data={
            "url": "https://example.org/read",
            "title": "Read me",
            "description": "",
            "tags": "news  reading news",
            "notes": "*why*",
            "unread": "y",
        },
    )
    assert response.status_code == 302
    created = shelf.api.called("POST", "/api/bookmarks/")[0]
    assert created.json == {
        "url": "https://example.org/read",
        "title": "Read me",
        "description": "",
        "notes": "*why*",
        "tag_names": ["news", "reading"],
        "unread": True,
        "shared": False,
    }
    assert shelf.auth.identify(created.authorization) is not None  # the user's access token


def form_values(html: str) -> dict:
    """The add/edit form as the browser would send it (text fields, ticked boxes, textareas)
    and where it is sent."""
    form = next(part for part in re.split(r"<form\b", html)[1:] if 'name="url"' in part)
    form = form.split("</form>", 1)[0]
    action = unescape(re.search(r'action="([^"]+)"', form).group(1))
    values = {}
    for tag in re.findall(r"<input[^>]*>", form):
        attrs = dict(re.findall(r'(\w+)="([^"]*)"', tag))
        if attrs.get("name") in (None, "csrf_token"):
            continue
        if attrs.get("type") == "checkbox":
            if " checked" in tag:
                values[attrs["name"]] = attrs.get("value", "on")
        else:
            values[attrs["name"]] = unescape(attrs.get("value", ""))
    values.update(
        {
            name: unescape(value)
            for name, value in re.findall(
                r'<textarea[^>]*name="(\w+)"[^>]*>\r?\n?([^<]*)</textarea>', form
            )
        }
    )
    return {"action": action, **values}


def test_the_add_form_sent_for_a_saved_url_holds_that_bookmark_and_loses_nothing(browser, shelf):
    """The data-loss bug: the add form sent for a URL saved already must not replace the
    bookmark's tags and notes with the form's empty fields."""
    saved = shelf.api.add(
        1,
        "https://example.org/old",
        title="The old one",
        tag_names=["keep", "me"],
        notes="My *precious* notes",
        description="Saved description",
        unread=True,
    )
    log_in(browser)
    response = submit(
        browser,
        "/bookmarks/new",
        data={"url": "https://example.org/old", "title": "", "tags": "extra"},
    )
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "You saved this URL already" in html and "The old one" in html
    assert shelf.api.called("POST", "/api/bookmarks/") == []  # nothing was saved
    shown = form_values(html)
    assert shown == {
        "action": "/bookmarks/1/edit",
        "url": "https://example.org/old",
        "title": "The old one",
        "tags": "keep me extra",
        "description": "Saved description",
        "notes": "My *precious* notes",
        "unread": "y",
    }
    # Sending the form as shown (to the bookmark's edit page) keeps everything.
    again = browser.post(shown.pop("action"), data={**shown, "csrf_token": csrf_token(html)})
    assert again.status_code == 302
    assert saved["tag_names"] == ["keep", "me", "extra"]
    assert saved["notes"] == "My *precious* notes" and saved["unread"] is True
    assert len(shelf.api.bookmarks) == 1


def test_the_bookmarklet_for_a_saved_url_opens_that_bookmark_to_edit(browser, shelf):
    saved = shelf.api.add(
        1, "https://example.org/seen", title="Mine", tag_names=["kept"], notes="noted", shared=True
    )
    log_in(browser)
    html = browser.get(
        "/bookmarks/new?url=https%3A%2F%2Fexample.org%2Fseen&title=Seen+%3Cb%3E"
        "&description=From+the+page"
    ).get_data(as_text=True)
    assert "You saved this URL already" in html
    assert '<h1 id="form-heading">Edit bookmark</h1>' in html
    shown = form_values(html)
    # The bookmark's own values, not the page's title and empty tags and notes.
    assert shown == {
        "action": "/bookmarks/1/edit",
        "url": "https://example.org/seen",
        "title": "Mine",
        "tags": "kept",
        "description": "",
        "notes": "noted",
        "shared": "y",
    }
    assert (
        browser.post(
            shown.pop("action"), data={**shown, "csrf_token": csrf_token(html)}
        ).status_code
        == 302
    )
    assert (saved["tag_names"], saved["notes"], saved["shared"]) == (["kept"], "noted", True)


def test_a_new_url_from_the_bookmarklet_is_prefilled_from_the_page(browser, shelf):
    shelf.api.pages["https://example.org/fresh"] = {
        "title": "Fresh page",
        "description": "What it says",
    }
    log_in(browser)
    html = browser.get(
        "/bookmarks/new?url=https%3A%2F%2Fexample.org%2Ffresh&title=Seen+%3Cb%3E"
    ).get_data(as_text=True)
    assert 'value="Seen &lt;b&gt;"' in html  # what the bookmarklet sent, escaped
    assert "What it says</textarea>" in html  # the rest from api's check
    assert "You saved this URL already" not in html
    assert form_values(html)["action"] == "/bookmarks/new"
    page = browser.get("/bookmarklet").get_data(as_text=True)
    assert "javascript:(function(){window.open(&#39;http://localhost/bookmarks/new?" in page


def test_a_url_alone_prefills_the_form_from_the_page_and_names_the_auto_tags(browser, shelf):
    shelf.api.pages["https://example.org/post"] = {
        "title": "A <i>post</i>",
        "description": "What the page says.",
    }
    shelf.api.auto_tags["https://example.org/post"] = ["blog", "reading"]  # api's rules say
    log_in(browser)
    html = browser.get("/bookmarks/new?url=https%3A%2F%2Fexample.org%2Fpost").get_data(as_text=True)
    assert 'value="A &lt;i&gt;post&lt;/i&gt;"' in html
    assert "What the page says.</textarea>" in html
    hint = html.split('class="hint auto-tags"', 1)[1].split("</p>", 1)[0]
    assert "#blog" in hint and "#reading" in hint
    assert "You saved this URL already" not in html
    given = browser.get("/bookmarks/new?url=https%3A%2F%2Fexample.org%2Fpost&title=Mine").get_data(
        as_text=True
    )
    assert 'value="Mine"' in given  # what the bookmarklet sent wins over the page


def test_the_broken_links_view_asks_api_for_broken_ones(browser, shelf):
    shelf.api.add(1, "https://example.org/fine", title="Fine")
    shelf.api.add(1, "https://example.org/gone", title="Gone", is_broken=True)
    log_in(browser)
    html = browser.get("/bookmarks?view=broken").get_data(as_text=True)
    assert "Gone" in html and ">Fine<" not in html and "broken link" in html
    assert shelf.api.called("GET", "/api/bookmarks/")[-1].args["broken"] == "yes"


def test_the_add_form_keeps_what_was_typed_when_api_is_down(browser, shelf):
    log_in(browser)
    html = browser.get("/bookmarks/new").get_data(as_text=True)
    shelf.api.stop()
    response = browser.post(
        "/bookmarks/new",
        data={
            "url": "https://example.org/keep",
            "title": "Keep <this>",
            "tags": "a b",
            "notes": "my *notes*",
            "csrf_token": csrf_token(html),
        },
        headers={"Accept": "text/html"},
    )
    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert "The <strong>api</strong> service is down" in html
    assert 'value="https://example.org/keep"' in html
    assert 'value="Keep &lt;this&gt;"' in html
    assert 'value="a b"' in html
    assert "my *notes*</textarea>" in html


def test_a_page_needing_api_says_api_is_down(browser, shelf):
    log_in(browser)
    shelf.api.stop()
    response = browser.get("/bookmarks", headers={"Accept": "text/html"})
    assert response.status_code == 503
    assert "The <strong>api</strong> service is down" in response.get_data(as_text=True)


def test_api_field_errors_are_shown_on_the_form(browser, shelf):
    log_in(browser)
    response = submit(browser, "/bookmarks/new", data={"url": "ftp://example.org/"})
    assert response.status_code == 400  # refused by the form itself
    assert "Enter a web address" in response.get_data(as_text=True)
    assert shelf.api.called("POST", "/api/bookmarks/") == []


def test_editing_patches_the_bookmark(browser, shelf):
    shelf.api.add(1, "https://example.org/e", title="Before", tag_names=["x"])
    log_in(browser)
    html = browser.get("/bookmarks/1/edit").get_data(as_text=True)
    assert 'value="Before"' in html and 'value="x"' in html
    response = browser.post(
        "/bookmarks/1/edit",
        data={
            "url": "https://example.org/e",
            "title": "After",
            "tags": "x y",
            "csrf_token": csrf_token(html),
        },
    )
    assert response.status_code == 302
    patch = shelf.api.called("PATCH", "/api/bookmarks/1/")[0]
    assert patch.json["title"] == "After" and patch.json["tag_names"] == ["x", "y"]


def test_another_users_bookmark_is_not_found(browser, shelf):
    shelf.api.add(2, "https://example.org/roots")
    log_in(browser)
    assert browser.get("/bookmarks/1/edit", headers={"Accept": "text/html"}).status_code == 404


def test_deleting_asks_first(browser, shelf):
    shelf.api.add(1, "https://example.org/d", title="Doomed")
    log_in(browser)
    page = browser.get("/bookmarks/1/delete")
    assert "Delete this bookmark?" in page.get_data(as_text=True)
    assert shelf.api.called("DELETE", "/api/bookmarks/1/") == []
    response = browser.post(
        "/bookmarks/1/delete", data={"csrf_token": csrf_token(page.get_data(as_text=True))}
    )
    assert response.status_code == 302
    assert len(shelf.api.called("DELETE", "/api/bookmarks/1/")) == 1
    assert 1 not in shelf.api.bookmarks


def test_notes_are_rendered_as_markdown_without_anything_active(browser, shelf):
    shelf.api.add(
        1,
        "https://example.org/n",
        title="n",
        notes=(
            "**bold** [ok](https://example.org/x) [bad](javascript:alert(1))\n\n"
            "<script>alert(1)</script><img src=x onerror=alert(1)><a href=# onclick=alert(1)>c</a>"
        ),
    )
    log_in(browser)
    html = browser.get("/bookmarks/1").get_data(as_text=True)
    notes = html.split('<div class="markdown">', 1)[1].split("</div>", 1)[0]
    assert "<strong>bold</strong>" in notes
    assert '<a href="https://example.org/x" rel="noopener noreferrer nofollow">ok</a>' in notes
    assert "javascript:" not in notes
    assert "<script" not in notes and "onerror" not in notes and "onclick" not in notes
    assert "<img" not in notes


def bulk(browser, action: str, ids: list[int], tags: str = "", **extra):
    html = browser.get("/bookmarks").get_data(as_text=True)
    return browser.post(
        "/bookmarks/bulk",
        data={
            "action": action,
            "ids": [str(i) for i in ids],
            "tags": tags,
            "next": "/bookmarks?view=all",
            "csrf_token": csrf_token(html),
            **extra,
        },
    )


def bulk_calls(shelf) -> list:
    return [call.json for call in shelf.api.called("POST", "/v1/bookmarks/bulk")]


def test_bulk_edits_are_one_call_each_with_the_ticked_ids(browser, shelf):
    shelf.api.add(1, "https://example.org/1", tag_names=["keep"], unread=True)
    shelf.api.add(1, "https://example.org/2", tag_names=["Old", "keep"], unread=True)
    shelf.api.add(1, "https://example.org/3")
    log_in(browser)

    response = bulk(browser, "tag", [1, 2], tags="new keep")
    assert response.status_code == 302 and response.headers["Location"] == "/bookmarks?view=all"
    assert bulk_calls(shelf) == [{"action": "tag", "ids": [1, 2], "tag_names": ["new", "keep"]}]
    assert shelf.api.bookmarks[2]["tag_names"] == ["Old", "keep", "new"]

    shelf.api.received.clear()
    bulk(browser, "mark_read", [1, 2])
    assert bulk_calls(shelf) == [{"action": "mark_read", "ids": [1, 2]}]
    assert not shelf.api.bookmarks[1]["unread"]

    shelf.api.received.clear()
    response = bulk(browser, "archive", [1, 3, 99])
    assert bulk_calls(shelf) == [{"action": "archive", "ids": [1, 3, 99]}]
    assert [
        c for c in shelf.api.received if c.path.startswith("/api/bookmarks/") and c.method != "GET"
    ] == []
    assert shelf.api.bookmarks[1]["is_archived"] and shelf.api.bookmarks[3]["is_archived"]
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "Archived 2 bookmarks. 1 no longer existed." in text(page)


def test_bulk_delete_asks_first_then_deletes_them_in_one_call(browser, shelf):
    for number in (1, 2):
        shelf.api.add(1, f"https://example.org/{number}")
    log_in(browser)
    confirm = bulk(browser, "delete", [1, 2])
    assert confirm.status_code == 200
    html = confirm.get_data(as_text=True)
    assert "Delete 2 bookmarks?" in html
    assert bulk_calls(shelf) == []
    response = browser.post(
        "/bookmarks/bulk",
        data={
            "action": "delete",
            "confirmed": "yes",
            "ids": ["1", "2"],
            "csrf_token": csrf_token(html),
        },
    )
    assert response.status_code == 302
    assert bulk_calls(shelf) == [{"action": "delete", "ids": [1, 2]}]
    assert shelf.api.bookmarks == {}


def many(shelf, count: int, **fields) -> None:
    for number in range(count):
        shelf.api.add(1, f"https://example.org/many/{number}", **fields)


def test_select_all_on_a_page_offers_every_bookmark_the_list_matches(browser, shelf):
    many(shelf, 35, tag_names=["news"])
    shelf.api.add(1, "https://example.org/other")
    log_in(browser)
    html = browser.get("/bookmarks?q=%23news").get_data(as_text=True)
    assert "Select all on this page" in html
    assert re.search(r'<a class="select-matching" href="[^"]*select=matching"[^>]* hidden', html), (
        "offered before the page is ticked (shown by the script)"
    )
    html = browser.get("/bookmarks?q=%23news&select=all").get_data(as_text=True)
    assert "Select all 35 matching" in text(html)
    assert " hidden>Select all" not in html
    html = browser.get("/bookmarks?q=%23news&select=matching").get_data(as_text=True)
    assert "All 35 matching are selected." in text(html)
    response = browser.post(
        "/bookmarks/bulk",
        data={
            "action": "archive",
            "scope": "matching",
            "view": "all",
            "q": "#news",
            "expected_count": "35",
            "next": "/bookmarks?q=%23news",
            "csrf_token": csrf_token(html),
        },
    )
    assert response.status_code == 302
    assert bulk_calls(shelf) == [
        {
            "action": "archive",
            "expected_count": 35,
            "query": {"view": "all", "q": "#news", "bundle": None},
        }
    ]
    assert sum(b["is_archived"] for b in shelf.api.bookmarks.values()) == 35
    assert "Archived 35 bookmarks." in text(
        browser.get(response.headers["Location"]).get_data(as_text=True)
    )


def test_a_page_that_is_all_there_is_offers_no_more(browser, shelf):
    many(shelf, 3)
    log_in(browser)
    html = browser.get("/bookmarks?select=all").get_data(as_text=True)
    assert "select-matching" not in html
    assert "All 3 matching" not in browser.get("/bookmarks?select=matching").get_data(as_text=True)


def test_when_the_number_matching_changed_the_page_asks_again(browser, shelf):
    many(shelf, 33, unread=True)
    log_in(browser)
    html = browser.get("/bookmarks?view=unread&select=matching").get_data(as_text=True)
    assert "All 33 matching are selected." in text(html)
    shelf.api.add(1, "https://example.org/late", unread=True)
    asked = browser.post(
        "/bookmarks/bulk",
        data={
            "action": "delete",
            "scope": "matching",
            "view": "unread",
            "q": "",
            "expected_count": "33",
            "confirmed": "yes",
            "csrf_token": csrf_token(html),
        },
    )
    assert asked.status_code == 409
    page = text(asked.get_data(as_text=True))
    assert "it matches 34 bookmarks now" in page and "Nothing was changed." in page
    assert len(shelf.api.bookmarks) == 34
    again = browser.post(
        "/bookmarks/bulk",
        data={
            "action": "delete",
            "scope": "matching",
            "view": "unread",
            "q": "",
            "expected_count": "34",
            "confirmed": "yes",
            "csrf_token": csrf_token(asked.get_data(as_text=True)),
        },
    )
    assert again.status_code == 302 and shelf.api.bookmarks == {}
    assert 'name="expected_count" value="34"' in asked.get_data(as_text=True)


def test_deleting_all_matching_asks_first_with_the_number(browser, shelf):
    many(shelf, 31)
    log_in(browser)
    html = browser.get("/bookmarks?select=matching").get_data(as_text=True)
    confirm = browser.post(
        "/bookmarks/bulk",
        data={
            "action": "delete",
            "scope": "matching",
            "view": "all",
            "q": "",
            "expected_count": "31",
            "csrf_token": csrf_token(html),
        },
    )
    assert confirm.status_code == 200 and "Delete 31 bookmarks?" in text(
        confirm.get_data(as_text=True)
    )
    assert bulk_calls(shelf) == [] and len(shelf.api.bookmarks) == 31


def test_bulk_without_a_selection_changes_nothing(browser, shelf):
    shelf.api.add(1, "https://example.org/1")
    log_in(browser)
    response = bulk(browser, "archive", [])
    assert response.status_code == 302
    assert [c for c in shelf.api.received if c.method == "POST"] == []


def test_the_shared_page_is_public_and_asks_api_anonymously(browser, shelf):
    shelf.api.profiles[1] = {"enable_sharing": True, "enable_public_sharing": True}
    shelf.api.add(1, "https://example.org/public", title="Public " + HOSTILE, shared=True)
    shelf.api.add(1, "https://example.org/private", title="Mine only")
    response = browser.get("/shared")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Public &lt;script&gt;" in html and "Mine only" not in html
    assert shelf.api.called("GET", "/api/bookmarks/shared/")[0].authorization is None
    assert "/bookmarks/1/edit" not in html

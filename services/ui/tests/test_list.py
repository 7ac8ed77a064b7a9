"""The bookmark list's controls against the api stand-in: per-row archive and mark-read,
"select all" without JavaScript, the notes marker, the broken-links view counting archived
links as the admin's count does, and the Shared pages saying why they are empty."""

import re

from browsing import csrf_token, log_in, text, visible


def row(html: str, bookmark_id: int) -> str:
    return html.split(f'id="bookmark-{bookmark_id}"', 1)[1].split("</li>", 1)[0]


def test_each_row_archives_and_marks_read_with_one_button(browser, shelf):
    unread = shelf.api.add(1, "https://example.org/u", title="Unread one", unread=True)
    read = shelf.api.add(1, "https://example.org/r", title="Read one")
    log_in(browser)
    html = browser.get("/bookmarks?q=one").get_data(as_text=True)
    # The buttons belong to the list's one form (no form per row): they send its CSRF token.
    assert re.search(
        r'formaction="/bookmarks/1/read" name="unread" value="no"', row(html, unread["id"])
    )
    assert "Mark read" not in row(html, read["id"])  # read already
    token = csrf_token(html)
    answer = browser.post(
        "/bookmarks/1/read", data={"csrf_token": token, "unread": "no", "next": "/bookmarks?q=one"}
    )
    assert answer.status_code == 302 and answer.headers["Location"] == "/bookmarks?q=one"
    assert unread["unread"] is False
    assert "Marked as read." in text(browser.get("/bookmarks?q=one").get_data(as_text=True))

    assert 'formaction="/bookmarks/2/archive" name="archived" value="yes"' in row(html, 2)
    assert (
        browser.post(
            "/bookmarks/2/archive",
            data={"csrf_token": token, "archived": "yes", "next": "/bookmarks"},
        ).status_code
        == 302
    )
    assert read["is_archived"] is True
    archived = browser.get("/bookmarks?view=archived").get_data(as_text=True)
    assert 'name="archived" value="no"' in row(archived, 2) and "Unarchive" in row(archived, 2)


def test_select_all_ticks_every_row_without_javascript(browser, shelf):
    for number in range(3):
        shelf.api.add(1, f"https://example.org/{number}", title=f"page {number}")
    log_in(browser)
    html = browser.get("/bookmarks?q=page").get_data(as_text=True)
    link = re.search(
        r'<a class="select-all" href="([^"]+)" data-select-all>Select all on this '
        r"page</a>",
        html,
    )
    assert link and html.count(" checked>") == 0
    ticked = browser.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert len(re.findall(r'class="bookmark-select"[^>]* checked>', ticked)) == 3
    assert "Select none" in ticked


def test_a_bookmark_with_notes_is_marked_in_the_list(browser, shelf):
    shelf.api.add(1, "https://example.org/n", title="With notes", notes="something")
    shelf.api.add(1, "https://example.org/p", title="Plain")
    log_in(browser)
    html = browser.get("/bookmarks").get_data(as_text=True)
    assert 'class="notes-mark" href="/bookmarks/1#notes"' in row(html, 1)
    assert "notes-mark" not in row(html, 2)


def test_the_broken_links_view_counts_the_archived_ones_too(browser, shelf):
    """The admin dashboard counts every broken link (api's /v1/admin/stats); this view did
    not show the archived ones, so the two numbers differed."""
    for number in range(35):
        shelf.api.add(
            1,
            f"https://example.org/b{number}",
            title=f"broken {number}",
            is_broken=True,
            is_archived=number < 7,
        )
    shelf.api.add(1, "https://example.org/fine", title="fine")
    log_in(browser)
    first = browser.get("/bookmarks?view=broken").get_data(as_text=True)
    assert '<span class="count muted">35</span>' in first
    ids = [int(i) for i in re.findall(r'id="bookmark-(\d+)"', first)]
    assert len(ids) == 30 and set(ids) == set(range(8, 36)) | {6, 7}  # the others first
    assert "archived</span>" in row(first, 7) and "archived</span>" not in row(first, 8)
    second = browser.get("/bookmarks?view=broken&page=2").get_data(as_text=True)
    assert sorted(int(i) for i in re.findall(r'id="bookmark-(\d+)"', second)) == [1, 2, 3, 4, 5]


def test_the_shared_page_says_sharing_is_off_and_links_to_settings(browser, shelf):
    shelf.api.add(1, "https://example.org/s", title="Meant for others", shared=True)
    log_in(browser)
    html = visible(browser.get("/shared").get_data(as_text=True))
    assert (
        'You marked 1 bookmark "Share", but sharing is off in your settings, so nobody '
        "else sees it. Turn sharing on in Settings"
    ) in html
    assert 'href="/settings#sharing"' in browser.get("/shared").get_data(as_text=True)
    mine = visible(browser.get("/bookmarks?view=shared").get_data(as_text=True))
    assert "Sharing is off in your settings, so nobody else sees these." in mine

    shelf.api.profiles[1]["enable_sharing"] = True
    html = visible(browser.get("/shared").get_data(as_text=True))
    assert "Meant for others" in html and "sharing is off" not in html.lower()


def test_the_shared_page_says_how_to_share_when_nothing_is_marked(browser, shelf):
    shelf.api.profiles[1] = {"enable_sharing": True, "enable_public_sharing": False}
    log_in(browser)
    html = visible(browser.get("/shared").get_data(as_text=True))
    assert "Nothing is shared yet." in html
    assert 'None of yours is shared: tick "Share" when you edit one' in html

"""The ui's bookmark pages in-process against the real auth, api and tasks: the add form (filled
from the page by api's check, the warning for a URL saved already, the title arriving later
from tasks' fetch job), editing tags and Markdown notes, hostile titles shown as text, searching
with linkding's language, bulk edits, the list's views (unread, archive, shared, broken), and
the add form when api is down."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from ui_pages import (
    FETCH_WAIT,
    logged_in,
    make_user,
    report_link_check,
    unique,
    wait_for,
)

pytest_plugins = ["ui_fixtures"]
HOSTILE_TITLE = '<script>alert("owned")</script>Hostile page'


@pytest.fixture(scope="module")
def keeper(shelf_system, admin):
    return make_user(shelf_system, admin, "keeper")


@pytest.fixture(scope="module")
def browser(ui_app, keeper):
    """The keeper's browser, logged in for the whole module."""
    return logged_in(ui_app, keeper)


@pytest.fixture
def word() -> str:
    """A word no other bookmark has: a search for it finds only the test's own."""
    return unique("zq")


def bookmark_form(url: str, **fields) -> dict[str, str]:
    """The add and edit form as a person fills it in (unticked boxes are not sent)."""
    data = {"url": url, "title": "", "description": "", "tags": "", "notes": ""}
    data.update({key: value for key, value in fields.items() if value is not None})
    return data


def new_form(url: str) -> str:
    return "/bookmarks/new?" + urlencode({"url": url})


# -- adding -------------------------------------------------------------------------------------


def test_the_add_form_opened_with_a_url_is_filled_from_the_page(browser, keeper, site, word):
    url = site.page(f"/{word}/walrus", f"Walruses of {word}", "Tusks, whiskers and ice floes.")
    page = browser.get(new_form(url))
    assert page.status == 200
    assert page.value("url") == url
    assert page.value("title") == f"Walruses of {word}"  # api's check read the page
    assert page.textarea("description") == "Tusks, whiskers and ice floes."
    assert not page.shows("You saved this URL already")
    assert keeper.api.by_url(url) is None  # nothing is saved until the form is sent

    saved = browser.submit(
        new_form(url),
        bookmark_form(url, title=page.value("title"), description=page.textarea("description")),
    )
    assert saved.status == 302 and saved.location == "/bookmarks"
    assert browser.follow(saved).shows("Saved.")
    stored = keeper.api.by_url(url)
    assert stored["title"] == f"Walruses of {word}"
    assert stored["description"] == "Tusks, whiskers and ice floes."


def test_a_url_saved_already_opens_that_bookmark_and_saving_keeps_its_tags_and_notes(
    browser, keeper, word
):
    """The data-loss bug: re-adding a saved URL offered a "Save anyway" whose empty tags and
    notes replaced the bookmark's. Now the form holds the bookmark's own values."""
    url = f"https://example.org/{word}/again"
    first = keeper.api.add(
        url,
        title="The first save",
        tag_names=[word, "kept"],
        notes="Notes worth keeping",
        description="Saved words",
    )

    opened = browser.get(new_form(url))  # the bookmarklet, or ?url= from anywhere
    assert opened.shows("You saved this URL already, as The first save")
    assert opened.value("tags") == f"kept {word}" and opened.value("title") == "The first save"
    assert opened.textarea("notes") == "Notes worth keeping"
    saved = browser.submit(
        new_form(url),
        {
            "url": url,
            "title": opened.value("title"),
            "tags": opened.value("tags"),
            "description": opened.textarea("description"),
            "notes": opened.textarea("notes"),
        },
        action=f"/bookmarks/{first['id']}/edit",
    )
    assert saved.status == 302

    # The add form sent from scratch (no JavaScript, the URL typed, a tag added).
    typed = bookmark_form(url, title="", tags="extra")
    warned = browser.submit("/bookmarks/new", typed)
    assert warned.status == 409
    assert warned.shows("You saved this URL already, as The first save")
    assert warned.value("tags") == f"kept {word} extra"  # saved, and what was typed
    assert warned.textarea("notes") == "Notes worth keeping"
    assert keeper.api.bookmark(first["id"])["tag_names"] == sorted([word, "kept"])  # not yet
    again = browser.post(
        f"/bookmarks/{first['id']}/edit",
        {
            "url": url,
            "title": warned.value("title"),
            "tags": warned.value("tags"),
            "description": warned.textarea("description"),
            "notes": warned.textarea("notes"),
            "csrf_token": warned.value("csrf_token"),
        },
    )
    assert again.status == 302
    stored = keeper.api.bookmarks(q=word)
    assert [b["id"] for b in stored] == [first["id"]]  # updated, not saved twice
    assert stored[0]["tag_names"] == sorted(["extra", "kept", word])
    assert stored[0]["notes"] == "Notes worth keeping"
    assert stored[0]["description"] == "Saved words"


def test_the_title_arrives_later_from_the_fetch_job(browser, keeper, site, word):
    url = site.page(f"/{word}/later", f"Penguins of {word}", "Tuxedos on the ice.")
    saved = browser.submit("/bookmarks/new", bookmark_form(url))  # the URL alone
    assert saved.status == 302
    assert browser.follow(saved).shows(
        "Saved. Shelf fetches the page's title and description in the background."
    )
    bookmark_id = keeper.api.by_url(url)["id"]

    def listed_with_title():
        page = browser.get("/bookmarks?" + urlencode({"q": word}))
        return page if page.ids() == [bookmark_id] and page.shows(f"Penguins of {word}") else None

    page = wait_for(listed_with_title, FETCH_WAIT, "the fetched title never showed on the list")
    assert page.shows("Tuxedos on the ice.")
    stored = keeper.api.bookmark(bookmark_id)
    assert stored["title"] == f"Penguins of {word}"
    assert stored["description"] == "Tuxedos on the ice."
    assert f"/{word}/later" in site.requests  # tasks really read the page


def test_a_page_slower_than_api_s_check_is_saved_at_once_and_read_later(
    browser, keeper, site, word
):
    """Saving never waits on the page: a page that answers only after api's check deadline
    (5 s) is saved as typed, and tasks reads it once it answers."""
    url = site.page(f"/{word}/slow", f"Sloths of {word}", "Slow and steady.")
    site.hold()  # the page answers nobody until released
    try:
        saved = browser.submit("/bookmarks/new", bookmark_form(url, tags=word))
        assert saved.status == 302  # not "api is down"
        assert keeper.api.by_url(url)["tag_names"] == [word]
    finally:
        site.release()
    bookmark_id = keeper.api.by_url(url)["id"]
    wait_for(
        lambda: keeper.api.bookmark(bookmark_id)["title"] == f"Sloths of {word}",
        FETCH_WAIT,
        "the fetch job never read the page once it answered",
    )


def test_the_add_form_for_a_page_that_does_not_answer_opens_empty_not_api_is_down(
    browser, site, word
):
    """api's check gives up on the page at its deadline (5 s); the ui waits longer for api."""
    url = site.page(f"/{word}/silent", f"Never seen {word}")
    site.hold()
    try:
        page = browser.get(new_form(url))
    finally:
        site.release()
    assert page.status == 200
    assert page.value("url") == url
    assert page.value("title") == ""


def test_a_hostile_page_title_is_shown_as_text(browser, keeper, site, word):
    url = site.page(f"/{word}/hostile", HOSTILE_TITLE)
    prefilled = browser.get(new_form(url))
    assert prefilled.value("title") == HOSTILE_TITLE  # the page's title, as text...
    assert "<script>alert" not in prefilled.html  # ...never as markup
    assert (
        'value="&lt;script&gt;alert(&#34;owned&#34;)&lt;/script&gt;Hostile page"' in prefilled.html
    )

    assert browser.submit("/bookmarks/new", bookmark_form(url)).status == 302
    bookmark_id = keeper.api.by_url(url)["id"]
    wait_for(
        lambda: keeper.api.bookmark(bookmark_id)["title"] == HOSTILE_TITLE,
        FETCH_WAIT,
        "the fetch job never stored the hostile title",
    )
    for path in ("/bookmarks?" + urlencode({"q": word}), f"/bookmarks/{bookmark_id}"):
        page = browser.get(path)
        assert page.shows(HOSTILE_TITLE), path  # shown, as the text it is
        assert "<script>alert" not in page.html, path
        assert "&lt;script&gt;alert(&#34;owned&#34;)&lt;/script&gt;" in page.html, path


def test_what_api_refuses_is_said_on_the_form_and_nothing_is_saved(browser, keeper, word):
    url = f"https://example.org/{word}/refused"
    too_long = "t" * 65  # api takes tags of 64 characters at most; the form cannot know
    answer = browser.submit(
        "/bookmarks/new", bookmark_form(url, title="Kept as typed", tags=f"fine {too_long}")
    )
    assert answer.status == 400
    errors = answer.html.split('id="tags-errors"', 1)[1].split("</ul>", 1)[0]
    assert "Ensure this field has no more than 64 characters." in errors  # api's own words
    assert answer.value("title") == "Kept as typed"
    assert answer.value("tags") == f"fine {too_long}"
    assert keeper.api.by_url(url) is None


# -- editing ------------------------------------------------------------------------------------


def test_editing_changes_tags_and_notes_and_notes_are_rendered_safely(browser, keeper, word):
    original = keeper.api.add(f"https://example.org/{word}/edit", title="Before", tag_names=["old"])
    form = browser.get(f"/bookmarks/{original['id']}/edit")
    assert form.status == 200
    assert form.value("title") == "Before" and form.value("tags") == "old"

    notes = (
        "**Read** the [source](https://example.org/src) first.\n\n"
        "<script>alert('notes')</script> [click](javascript:alert(1)) "
        "<img src=x onerror=alert(2)>"
    )
    saved = browser.submit(
        f"/bookmarks/{original['id']}/edit",
        bookmark_form(
            original["url"], title="After", tags=f"{word} Fresh fresh", notes=notes, unread="y"
        ),
    )
    assert saved.status == 302
    stored = keeper.api.bookmark(original["id"])
    assert stored["title"] == "After"
    assert stored["tag_names"] == sorted(["Fresh", word], key=str.lower)  # "old" is gone
    assert stored["notes"] == notes and stored["unread"] is True

    detail = browser.get(f"/bookmarks/{original['id']}")
    rendered = detail.html.split('<div class="markdown">', 1)[1].split("</div>", 1)[0]
    assert "<strong>Read</strong>" in rendered
    assert (
        '<a href="https://example.org/src" rel="noopener noreferrer nofollow">source</a>'
        in rendered
    )
    assert "<script" not in rendered and "javascript:" not in rendered
    assert "onerror" not in rendered and "<img" not in rendered
    assert detail.shows(f"#{word}") and detail.shows("unread")


# -- searching ----------------------------------------------------------------------------------


def test_searching_with_the_query_language_finds_the_right_bookmarks(browser, keeper, word):
    made = {
        "arctic": keeper.api.add(
            f"https://example.org/{word}/1",
            title=f"{word} arctic walrus notes",
            tag_names=["sea", "mammal"],
        ),
        "diary": keeper.api.add(
            f"https://example.org/{word}/2", title=f"{word} walrus diary", tag_names=["sea"]
        ),
        "penguin": keeper.api.add(
            f"https://example.org/{word}/3", title=f"{word} penguin notes", tag_names=["bird"]
        ),
        "untagged": keeper.api.add(f"https://example.org/{word}/4", title=f"{word} penguin walrus"),
    }

    def found(query: str) -> set[str]:
        page = browser.get("/bookmarks?" + urlencode({"q": f"{word} {query}"}))
        assert page.status == 200, (query, page.text[:300])
        names = {item["id"]: name for name, item in made.items()}
        return {names[bookmark_id] for bookmark_id in page.ids()}

    assert found("#sea") == {"arctic", "diary"}
    assert found('"walrus notes"') == {"arctic"}
    assert found("walrus not #mammal") == {"diary", "untagged"}
    assert found("(#bird or #mammal)") == {"arctic", "penguin"}
    assert found("penguin or diary") == {"diary", "penguin", "untagged"}
    assert found("!untagged") == {"untagged"}
    assert found("#nosuchtag") == set()

    broken = browser.get("/bookmarks?" + urlencode({"q": f'{word} "unclosed'}))
    assert broken.status == 400  # api could not read it: said under the box
    assert broken.reader.values.get("q") == f'{word} "unclosed'
    assert broken.shows(f'Unterminated quote " at position {len(word) + 1}.')
    assert broken.ids() == []


# -- bulk edits ---------------------------------------------------------------------------------


def bulk(browser, word: str, action: str, ids: list[int], tags: str = "", **extra):
    """Tick bookmarks on the list (searched for `word`) and apply an action to them."""
    listing = f"/bookmarks?{urlencode({'q': word})}"
    return browser.submit(
        listing,
        {"action": action, "ids": [str(i) for i in ids], "tags": tags, "next": listing, **extra},
        action="/bookmarks/bulk",
    )


def test_bulk_tag_untag_mark_read_archive_and_delete_with_confirmation(browser, keeper, word):
    one, two, three = (
        keeper.api.add(
            f"https://example.org/{word}/bulk{n}",
            title=f"{word} {n}",
            unread=True,
            tag_names=["keep"],
        )["id"]
        for n in (1, 2, 3)
    )
    assert set(browser.get(f"/bookmarks?q={word}").ids()) == {one, two, three}

    tagged = bulk(browser, word, "tag", [one, two], tags="later reading")
    assert tagged.status == 302 and tagged.location == f"/bookmarks?q={word}"
    assert browser.follow(tagged).shows("Tagged 2 bookmarks.")
    assert [keeper.api.bookmark(i)["tag_names"] for i in (one, two, three)] == [
        ["keep", "later", "reading"],
        ["keep", "later", "reading"],
        ["keep"],
    ]

    assert browser.follow(bulk(browser, word, "untag", [one], tags="reading keep")).shows(
        "Untagged 1 bookmark."
    )
    assert keeper.api.bookmark(one)["tag_names"] == ["later"]

    assert browser.follow(bulk(browser, word, "mark_read", [one, two, three])).shows(
        "Marked as read 3 bookmarks."
    )
    assert [keeper.api.bookmark(i)["unread"] for i in (one, two, three)] == [False] * 3

    assert browser.follow(bulk(browser, word, "archive", [one])).shows("Archived 1 bookmark.")
    assert keeper.api.bookmark(one)["is_archived"] is True
    assert set(browser.get(f"/bookmarks?q={word}").ids()) == {two, three}
    assert browser.get(f"/bookmarks?view=archived&q={word}").ids() == [one]

    confirm = bulk(browser, word, "delete", [two, three])
    assert confirm.status == 200
    assert confirm.shows("Delete 2 bookmarks? This cannot be undone.")
    assert keeper.api.bookmark(two) is not None and keeper.api.bookmark(three) is not None
    deleted = browser.post(
        "/bookmarks/bulk",
        {
            "action": "delete",
            "confirmed": "yes",
            "ids": [str(two), str(three)],
            "next": f"/bookmarks?q={word}",
            "csrf_token": confirm.value("csrf_token"),
        },
    )
    assert deleted.status == 302
    assert browser.follow(deleted).shows("Deleted 2 bookmarks.")
    assert keeper.api.bookmark(two) is None and keeper.api.bookmark(three) is None
    assert keeper.api.bookmark(one) is not None  # the archived one was not ticked


# -- views --------------------------------------------------------------------------------------


def test_the_views_show_unread_archived_shared_and_broken_links(
    browser, keeper, shelf_system, word
):
    def add(name: str, **fields) -> int:
        return keeper.api.add(
            f"https://example.org/{word}/{name}", title=f"{word} {name}", **fields
        )["id"]

    plain, unread, shared, broken = (
        add("plain"),
        add("unread", unread=True),
        add("shared", shared=True),
        add("broken"),
    )
    archived = add("archived")
    archive = browser.submit(
        f"/bookmarks/{archived}", {"archived": "yes"}, action=f"/bookmarks/{archived}/archive"
    )
    assert archive.status == 302 and browser.follow(archive).shows("Archived.")

    # tasks' link check reports to api: two failures in a row make a link broken.
    assert report_link_check(shelf_system, broken, ok=False) == {"is_broken": False}
    assert browser.get(f"/bookmarks?view=broken&q={word}").ids() == []
    assert report_link_check(shelf_system, broken, ok=False) == {"is_broken": True}

    def view(name: str):
        page = browser.get("/bookmarks?" + urlencode({"view": name, "q": word}))
        assert page.status == 200, name
        return page

    assert set(view("all").ids()) == {plain, unread, shared, broken}
    assert view("unread").ids() == [unread]
    assert view("archived").ids() == [archived]
    assert view("shared").ids() == [shared]
    broken_view = view("broken")
    assert broken_view.ids() == [broken]
    assert broken_view.shows("Broken links") and broken_view.shows("broken link")
    assert "broken link" not in view("unread").text

    # An archived broken link is counted on the admin's dashboard (api's /v1/admin/stats):
    # the view shows it too, after the others, marked archived.
    report_link_check(shelf_system, archived, ok=False)
    report_link_check(shelf_system, archived, ok=False)
    with_archived = view("broken")
    assert with_archived.ids() == [broken, archived]
    assert '<span class="count muted">2</span>' in with_archived.html

    report_link_check(shelf_system, broken, ok=True)  # the page answers again
    assert view("broken").ids() == [archived]


# -- when api is down ---------------------------------------------------------------------------


def test_the_add_form_answers_503_naming_api_and_keeps_what_was_typed(
    browser, keeper, system, word
):
    url = f"https://example.org/{word}/while-down"
    data = bookmark_form(
        url, title="Typed <while> api was down", tags=f"{word} kept", notes="my *own* notes"
    )
    opened = browser.get("/bookmarks/new")
    try:
        system.stop("api")
        answer = browser.post("/bookmarks/new", {**data, "csrf_token": opened.value("csrf_token")})
        assert answer.status == 503
        assert answer.shows(
            "The api service is down, so this could not be done. What you typed is still below"
        )
        assert answer.value("url") == url
        assert answer.value("title") == "Typed <while> api was down"
        assert answer.value("tags") == f"{word} kept"
        assert answer.textarea("notes") == "my *own* notes"
    finally:
        if not system.is_running("api"):
            system.start("api")
    # Sent again once api is back, as the person would, it is saved.
    assert (
        browser.post("/bookmarks/new", {**data, "csrf_token": answer.value("csrf_token")}).status
        == 302
    )
    assert keeper.api.by_url(url)["title"] == "Typed <while> api was down"


def test_select_all_matching_edits_every_page_and_asks_again_when_the_number_changed(
    browser, keeper, word
):
    made = [
        keeper.api.add(f"https://example.org/{word}/many{n}", title=f"{word} {n}", unread=True)[
            "id"
        ]
        for n in range(34)
    ]
    listing = f"/bookmarks?{urlencode({'q': word})}"
    first = browser.get(listing + "&select=all")
    assert len(first.ids()) == 30  # a page; four more on the next
    assert first.shows("Select all 34 matching")
    chosen = browser.get(listing + "&select=matching")
    assert chosen.shows("All 34 matching are selected.")
    assert chosen.value("expected_count") == "34" and chosen.value("scope") == "matching"

    done = browser.post(
        "/bookmarks/bulk",
        {
            "action": "mark_read",
            "scope": "matching",
            "view": "all",
            "q": word,
            "expected_count": "34",
            "next": listing,
            "csrf_token": chosen.value("csrf_token"),
        },
    )
    assert done.status == 302
    assert browser.follow(done).shows("Marked as read 34 bookmarks.")
    assert not any(b["unread"] for b in keeper.api.bookmarks(q=word))

    # Someone adds one meanwhile: nothing changes; the page asks again with the new number.
    chosen = browser.get(listing + "&select=matching")
    keeper.api.add(f"https://example.org/{word}/late", title=f"{word} late")
    asked = browser.post(
        "/bookmarks/bulk",
        {
            "action": "archive",
            "scope": "matching",
            "view": "all",
            "q": word,
            "expected_count": chosen.value("expected_count"),
            "next": listing,
            "csrf_token": chosen.value("csrf_token"),
        },
    )
    assert asked.status == 409
    assert asked.shows("You chose all 34 bookmarks the list matched; it matches 35 bookmarks now")
    assert keeper.api.bookmarks(q=word, archived=True) == []
    archived = browser.post(
        "/bookmarks/bulk",
        {
            "action": asked.value("action"),
            "scope": "matching",
            "view": "all",
            "q": word,
            "expected_count": asked.value("expected_count"),
            "tags": "",
            "next": listing,
            "csrf_token": asked.value("csrf_token"),
        },
    )
    assert browser.follow(archived).shows("Archived 35 bookmarks.")
    assert len(keeper.api.bookmarks(q=word, archived=True)) == 35
    assert keeper.api.bookmarks(q=word) == [] and made

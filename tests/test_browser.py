"""One person's whole session with Shelf in a real browser (Debian's Chromium, driven by
Playwright), against the whole system running as real processes.

The steps run in order and share one logged-in browser page, as a person would: log in; open
the add form for a page (its title is read at once, as the bookmarklet would have it); add a
bookmark for a page served on loopback and watch its title and description arrive from the
fetch job; search for it (a word of the title, then a #tag after tagging it); archive it and
find it in the archive; import a browser export of more than 200 bookmarks (a job: the progress
page must reach 100 %) and find one of them; export as HTML; log out. Then an administrator
deactivates a user, who can no longer log in, and finds the reader's bookmarks in everyone's.

On the way: re-adding the saved URL (the form with and without JavaScript, the bookmarklet)
keeps its tags and notes; the add form checks a URL as it is typed; the list fits at least
eight bookmarks in the first screen at 1280x800 and shows the first one on a 390x844 phone;
bundles, select-all, per-row mark-read, keyboard shortcuts and the theme setting work; axe
finds no accessibility violation on any page, in the light and the dark theme; and the bytes
each page weighs are printed.

Screenshots of the main pages (desktop and phone) land in tests/test-output/screenshots/
(git-ignored).
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests
from playwright.sync_api import expect, sync_playwright

from browser_support import (
    ARTICLE_DESCRIPTION,
    ARTICLE_PATH,
    ARTICLE_TITLE,
    CHROMIUM,
    CHROMIUM_ARGS,
    FOLDERS,
    NEEDLE_INDEX,
    NEEDLE_TITLE,
    axe_violations,
    export_entries,
    imported_path,
    imported_title,
    loopback_site,
    netscape_export,
    page_bytes,
    rows_above_the_fold,
)
from loopback_site import Site
from shelf_system import ShelfSystem

# A loaded machine (CI runs two suites at once) can take seconds for a page's script to hear
# from api: every wait for a page and every expectation is given this long. A passing one
# returns as soon as it holds; only a failing one waits it out.
PATIENCE = 30_000  # ms
expect.set_options(timeout=PATIENCE)

PASSWORD = "a long browser passphrase"
TIMEOUT = (2, 10)
SCREENSHOTS = Path(__file__).resolve().parent / "test-output" / "screenshots"
FETCH_WAIT = 45.0  # seconds for the fetch job to put the page's title and favicon on the list
IMPORT_WAIT = 90_000  # ms for the import job to reach 100 %
IMPORT_COUNT = 240  # more than SHELF_API_IMPORT_JOB_THRESHOLD (200): imported by a job
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
NOTES = "Seen at dawn from the *north* shore."


# -- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Debian's Chromium. "
            "Run `make browser` at the repository's root (it installs the "
            "chromium-headless-shell package), then run the tests again.",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    with loopback_site() as served:
        yield served


@pytest.fixture(scope="module")
def people(shelf_system: ShelfSystem) -> dict[str, str]:
    """An admin made with auth's management command and a user the admin made over HTTP."""
    suffix = uuid.uuid4().hex[:6]
    admin, reader = f"boss{suffix}", f"reader{suffix}"
    shelf_system.command("auth", "create-admin", "--username", admin, "--password", PASSWORD)
    session = requests.post(
        shelf_system.urls["auth"] + "/v1/sessions",
        timeout=TIMEOUT,
        json={"username": admin, "password": PASSWORD},
    )
    assert session.status_code == 201, session.text
    created = requests.post(
        shelf_system.urls["auth"] + "/v1/admin/users",
        timeout=TIMEOUT,
        headers={"Authorization": f"Bearer {session.json()['access_token']}"},
        json={"username": reader, "password": PASSWORD, "email": f"{reader}@example.org"},
    )
    assert created.status_code == 201, created.text
    return {"admin": admin, "reader": reader, "suffix": suffix}


def new_page(browser, shelf_system: ShelfSystem, viewport: dict | None = None, **options):
    context = browser.new_context(
        base_url=shelf_system.urls["ui"],
        accept_downloads=True,
        viewport=viewport or DESKTOP,
        **options,
    )
    context.set_default_timeout(PATIENCE)
    return context, context.new_page()


def same_login(browser, shelf_system: ShelfSystem, tab, viewport: dict | None = None, **options):
    """Another browser window with the tab's cookies (a phone, JavaScript off, ...)."""
    context, other = new_page(browser, shelf_system, viewport, **options)
    context.add_cookies(tab.context.cookies())
    return context, other


@pytest.fixture(scope="module")
def page(browser, shelf_system: ShelfSystem):
    """The reader's browser tab, kept for the whole session (its cookies too)."""
    context, tab = new_page(browser, shelf_system)
    yield tab
    context.close()


@pytest.fixture(scope="module")
def state() -> dict:
    """What one step leaves for the next (the saved bookmark's address)."""
    return {}


def shot(tab, name: str, full_page: bool = True) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    tab.screenshot(path=str(path), full_page=full_page)
    return path


def no_axe_violations(tab, where: str) -> None:
    found = axe_violations(tab)
    assert found == [], f"axe on {where}:\n" + "\n".join(found)


def log_in(tab, username: str, password: str = PASSWORD) -> None:
    tab.goto("/login")
    tab.get_by_label("Username").fill(username)
    tab.get_by_label("Password").fill(password)
    tab.get_by_role("button", name="Log in").click()


def card(tab, url: str):
    """The bookmark's entry on a list page, found by the address it links to."""
    return tab.locator("li.bookmark").filter(has=tab.locator(f'a.bookmark-link[href="{url}"]'))


def search(tab, query: str) -> None:
    box = tab.get_by_role("searchbox", name="Search")
    box.fill(query)
    box.press("Enter")
    tab.wait_for_load_state()


# -- the session --------------------------------------------------------------------------------


def test_log_in(page, people, shelf_system):
    page.goto("/bookmarks")
    expect(page).to_have_url(re.compile(r"/login\?next=(%2F|/)bookmarks"))  # not logged in yet
    log_in(page, people["reader"], "not the password")
    expect(page.get_by_text("Wrong username or password.")).to_be_visible()
    # An administrator exists, so auth keeps sign-up closed: no page links to it.
    expect(page.get_by_role("link", name="Sign up")).to_have_count(0)
    page.get_by_label("Password").fill(PASSWORD)  # the username stayed as typed
    expect(page.get_by_label("Username")).to_have_value(people["reader"])
    shot(page, "login")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/bookmarks$"))
    expect(page.get_by_text(f"Welcome, {people['reader']}.")).to_be_visible()
    expect(page.get_by_text("No bookmarks yet.")).to_be_visible()


def test_the_add_form_opened_for_a_page_reads_its_title_at_once(page, site):
    """What the bookmarklet does: /bookmarks/new?url=... asks api's check, which reads the
    page while the form is made."""
    url = site.url + imported_path(1)
    page.goto("/bookmarks/new?" + urlencode({"url": url}))
    expect(page.get_by_label("URL", exact=True)).to_have_value(url)
    expect(page.get_by_label("Title")).to_have_value(imported_title(1))
    expect(page.locator(".duplicate-warning")).to_have_count(0)
    page.get_by_role("link", name="Cancel").click()
    expect(page).to_have_url(re.compile(r"/bookmarks$"))
    expect(page.get_by_text("No bookmarks yet.")).to_be_visible()  # nothing was saved


def test_add_a_bookmark_and_watch_its_title_arrive(page, site, state, shelf_system):
    url = site.url + ARTICLE_PATH
    state["url"] = url
    page.get_by_role("link", name="Add", exact=True).click()
    expect(page).to_have_url(re.compile(r"/bookmarks/new$"))
    expect(page.get_by_role("heading", name="Add a bookmark")).to_be_visible()
    page.get_by_label("URL", exact=True).fill(url)
    shot(page, "add-form")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(r"/bookmarks$"))
    expect(page.get_by_text("Saved.", exact=False)).to_be_visible()
    expect(card(page, url)).to_have_count(1)

    # The fetch job (tasks' worker) loads the page and api stores what it says: reload the list
    # until it shows, as a person would. The title alone proves nothing: the form's live check
    # may have filled it in before Save. Only the fetch job brings the favicon.
    entry = card(page, url)
    favicon = entry.locator("img.favicon")
    deadline = time.monotonic() + FETCH_WAIT
    while ARTICLE_TITLE not in entry.inner_text() or favicon.count() == 0:
        if time.monotonic() > deadline:
            fetched = [p for p in site.requests if p == ARTICLE_PATH]
            pytest.fail(
                f"the page's title and favicon never showed on the list within {FETCH_WAIT:g} s "
                f"(the loopback page was requested {len(fetched)} time(s)); the entry "
                f"reads: {entry.inner_text()!r}, favicons: {favicon.count()}"
            )
        page.wait_for_timeout(1000)
        page.reload()
    expect(entry.get_by_role("link", name=ARTICLE_TITLE)).to_be_visible()
    expect(entry).to_contain_text(ARTICLE_DESCRIPTION)
    expect(favicon).to_have_attribute("src", site.url + "/favicon.png")
    shot(page, "bookmark-list")


def test_search_for_a_word_of_the_fetched_title(page, state):
    page.goto("/bookmarks")
    search(page, "zanzibrook")  # lower case: one word of "... the Zanzibrook estuary"
    expect(page).to_have_url(re.compile(r"[?&]q=zanzibrook"))
    expect(card(page, state["url"])).to_have_count(1)
    expect(page.locator("li.bookmark")).to_have_count(1)
    search(page, "platypus")
    expect(page.get_by_text("Nothing matches platypus")).to_be_visible()
    expect(page.locator("li.bookmark")).to_have_count(0)


def test_tag_it_with_the_edit_form_and_find_it_by_tag(page, state):
    page.goto("/bookmarks")
    card(page, state["url"]).get_by_role("link", name="Edit").click()
    expect(page.get_by_role("heading", name="Edit bookmark")).to_be_visible()
    expect(page.get_by_label("URL", exact=True)).to_have_value(state["url"])
    page.get_by_label("Tags").fill("wildlife islands")
    page.get_by_label("Notes").fill(NOTES)
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(r"/bookmarks$"))
    entry = card(page, state["url"])
    expect(entry.get_by_role("link", name="#wildlife")).to_be_visible()
    expect(entry.get_by_role("link", name="#islands")).to_be_visible()
    expect(entry.get_by_role("link", name="notes")).to_be_visible()  # it has notes
    expect(page.get_by_role("complementary", name="Bundles and tags")).to_contain_text("#wildlife")

    search(page, "#wildlife")
    expect(card(page, state["url"])).to_have_count(1)
    search(page, "#recipes")
    expect(page.locator("li.bookmark")).to_have_count(0)


def test_a_url_pasted_before_the_form_s_script_runs_is_checked_once_it_does(page, state):
    """The add form's script is deferred: a URL pasted before it runs (a slow connection, a
    browser restoring the form) must still be checked, or saving it would save empty tags and
    notes over the bookmark's. The script is held until the URL is in the field."""
    held: list = []
    page.route("**/static/check.js*", lambda route: held.append(route))
    try:
        page.goto("/bookmarks/new", wait_until="commit")
        page.get_by_label("URL", exact=True).fill(state["url"])
        deadline = time.monotonic() + PATIENCE / 1000
        while not held:
            assert time.monotonic() < deadline, "the page never asked for its script"
            page.wait_for_timeout(50)  # lets Playwright deliver the held request
        held[0].continue_()
        expect(page.locator("#check-status")).to_contain_text("You saved this URL already")
    finally:
        page.unroute("**/static/check.js*")
        for route in held[1:]:
            route.continue_()


def expect_tags_and_notes_kept(page, url: str, how: str) -> None:
    page.goto("/bookmarks")
    entry = card(page, url)
    expect(entry).to_have_count(1)  # still one bookmark of this URL
    expect(entry.get_by_role("link", name="#wildlife")).to_be_visible()
    expect(entry.get_by_role("link", name="#islands")).to_be_visible()
    entry.get_by_role("link", name="Details").click()
    (
        expect(page.locator("#notes")).to_contain_text("Seen at dawn from the north shore."),
        how,
    )


def test_re_adding_the_saved_url_through_the_form_keeps_its_tags_and_notes(page, state):
    """The data-loss bug: the add form for a URL saved already used to save empty tags and
    notes over the bookmark's. The live check now loads the bookmark's own values."""
    page.get_by_role("link", name="Add", exact=True).click()
    page.get_by_label("URL", exact=True).fill(state["url"])
    expect(page.locator("#check-status")).to_contain_text("You saved this URL already")
    expect(page.get_by_label("Tags")).to_have_value("islands wildlife")
    expect(page.get_by_label("Notes")).to_have_value(NOTES)
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit bookmark")
    shot(page, "add-form-saved-url", full_page=False)
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(r"/bookmarks$"))
    expect_tags_and_notes_kept(page, state["url"], "through the add form")


def test_re_adding_it_through_the_bookmarklet_keeps_its_tags_and_notes(page, state):
    page.goto(
        "/bookmarks/new?"
        + urlencode(
            {"url": state["url"], "title": "Another title", "description": "What the page says now"}
        )
    )
    expect(page.locator(".duplicate-warning")).to_contain_text("You saved this URL already")
    expect(page.get_by_label("Tags")).to_have_value("islands wildlife")
    expect(page.get_by_label("Notes")).to_have_value(NOTES)
    expect(page.get_by_label("Title")).to_have_value(ARTICLE_TITLE)  # the saved one
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(r"/bookmarks$"))
    expect_tags_and_notes_kept(page, state["url"], "through the bookmarklet")


def test_re_adding_it_with_javascript_off_keeps_its_tags_and_notes(
    browser, shelf_system, page, state
):
    context, tab = same_login(browser, shelf_system, page, java_script_enabled=False)
    try:
        tab.goto("/bookmarks/new")
        tab.get_by_label("URL", exact=True).fill(state["url"])
        tab.get_by_label("Tags").fill("estuary")
        tab.get_by_role("button", name="Save").click()
        # The server found the URL saved: the form comes back holding the bookmark, with
        # what was typed added.
        expect(tab.locator(".duplicate-warning")).to_contain_text("You saved this URL already")
        expect(tab.get_by_label("Tags")).to_have_value("islands wildlife estuary")
        expect(tab.get_by_label("Notes")).to_have_value(NOTES)
        tab.get_by_role("button", name="Save").click()
        expect(tab).to_have_url(re.compile(r"/bookmarks$"))
        expect(card(tab, state["url"]).get_by_role("link", name="#estuary")).to_be_visible()
        expect_tags_and_notes_kept(tab, state["url"], "with JavaScript off")
    finally:
        context.close()


def test_the_add_form_checks_a_new_url_as_it_is_typed(page, site):
    page.goto("/bookmarks/new")
    page.get_by_label("URL", exact=True).press_sequentially(site.url + imported_path(3), delay=5)
    expect(page.get_by_label("Title")).to_have_value(imported_title(3))  # read from the page
    expect(page.get_by_label("Description")).to_have_value(re.compile("^Page 3 of the"))
    expect(page.locator("#check-status")).not_to_contain_text("saved this URL")
    page.get_by_role("link", name="Cancel").click()
    expect(page).to_have_url(re.compile(r"/bookmarks$"))
    expect(page.locator("li.bookmark")).to_have_count(1)  # nothing was saved


def test_archive_it_and_find_it_in_the_archive(page, state):
    page.goto("/bookmarks")
    card(page, state["url"]).get_by_role("link", name="Details").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ARTICLE_TITLE)
    page.get_by_role("button", name="Archive").click()
    expect(page.get_by_text("Archived.", exact=True)).to_be_visible()

    page.goto("/bookmarks")
    expect(card(page, state["url"])).to_have_count(0)  # gone from the main list
    page.get_by_role("navigation", name="Views").get_by_role("link", name="Archive").click()
    expect(page).to_have_url(re.compile(r"view=archived"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Archive")
    expect(card(page, state["url"])).to_have_count(1)
    search(page, "zanzibrook")  # the search stays in the archive
    expect(page).to_have_url(re.compile(r"view=archived"))
    expect(card(page, state["url"])).to_have_count(1)


def test_import_a_browser_export_and_watch_the_progress_reach_100(page, site, tmp_path):
    entries = export_entries(site, IMPORT_COUNT)
    export_file = tmp_path / "bookmarks_export.html"
    export_file.write_text(netscape_export(entries), encoding="utf-8")

    page.get_by_role("link", name="Import/export").click()
    expect(page.get_by_role("heading", name="Import")).to_be_visible()
    page.get_by_label("Bookmark file").set_input_files(str(export_file))
    expect(page.get_by_label("Tag bookmarks with their folder names")).to_be_checked()
    page.get_by_role("button", name="Import", exact=True).click()

    # More than 200 entries: a job imports them, and the progress page follows it.
    expect(page).to_have_url(re.compile(r"/import/(job|import)/\d+$"))
    heading = page.locator("#progress-heading")
    expect(heading).to_be_visible()
    shot(page, "import-progress")
    expect(heading).to_have_text("Import finished", timeout=IMPORT_WAIT)
    expect(page.get_by_role("status")).to_contain_text(f"100% · {IMPORT_COUNT} of {IMPORT_COUNT}")
    expect(page.locator("#progress-bar")).to_have_js_property("value", 100)
    shot(page, "import-finished")
    page.get_by_role("link", name="See your bookmarks").click()

    expect(page).to_have_url(re.compile(r"/bookmarks$"))
    expect(page.locator("h1 .count")).to_have_text(str(IMPORT_COUNT))  # the archived one aside
    search(page, "Vornholm")
    needle = card(page, site.url + imported_path(NEEDLE_INDEX))
    expect(needle).to_have_count(1)
    expect(needle.get_by_role("link", name=NEEDLE_TITLE)).to_be_visible()
    folder = entries[NEEDLE_INDEX - 1].folder  # its folder became a tag
    expect(needle.get_by_role("link", name=re.compile(f"^#{folder}$", re.I))).to_be_visible()


def test_export_as_html_downloads_every_bookmark(page, site, state):
    page.goto("/import")
    page.get_by_role("link", name="choose a format").click()
    expect(page.get_by_role("heading", name="Export")).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile(r"Download Netscape HTML")).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".html"), download.suggested_filename
    text = Path(download.path()).read_text(encoding="utf-8")
    assert "NETSCAPE-Bookmark-file-1" in text
    assert f'HREF="{state["url"]}"' in text  # the archived one too
    assert ARTICLE_TITLE in text
    assert f'HREF="{site.url}{imported_path(NEEDLE_INDEX)}"' in text
    assert NEEDLE_TITLE in text
    assert text.count("<DT><A ") == IMPORT_COUNT + 1


def test_the_list_fits_eight_rows_on_a_laptop_and_starts_on_a_phone_screen(
    browser, shelf_system, page
):
    page.goto("/bookmarks")
    expect(page.locator("li.bookmark")).to_have_count(30)  # 30 a page unless chosen otherwise
    # The densest rows: each with a description (the export gave every bookmark one).
    expect(page.locator("li.bookmark .bookmark-description")).to_have_count(30)
    pager = page.get_by_role("navigation", name="Pages")
    expect(pager.get_by_role("link", name="Page 2", exact=True)).to_be_visible()
    expect(pager.get_by_role("link", name="Page 8", exact=True)).to_be_visible()  # 240/30
    above = rows_above_the_fold(page)
    print(f"\nrows above the fold at 1280x800: {above}")
    assert above >= 8, f"only {above} bookmarks are in the first screen at 1280x800"
    shot(page, "list-desktop", full_page=False)

    context, phone = same_login(browser, shelf_system, page, PHONE, is_mobile=True, has_touch=True)
    try:
        phone.goto("/bookmarks")
        # The navigation is one row: its links are folded into a menu.
        expect(phone.get_by_role("link", name="Settings")).to_be_hidden()
        menu = phone.locator("summary", has_text="Menu")
        expect(menu).to_be_visible()
        first = phone.locator("li.bookmark").first
        box = first.bounding_box()
        above = rows_above_the_fold(phone)
        bottom = box["y"] + box["height"]
        print(f"rows above the fold at 390x844: {above} (the first ends at {bottom:.0f} px)")
        assert bottom <= PHONE["height"] and above >= 1
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        shot(phone, "list-phone", full_page=False)
        menu.click()
        expect(phone.get_by_role("link", name="Settings")).to_be_visible()
        shot(phone, "menu-phone", full_page=False)
        for path, name in (
            ("/bookmarks/new", "add-form-phone"),
            ("/bundles", "bundles-phone"),
            ("/tags", "tags-phone"),
            ("/settings", "settings-phone"),
        ):
            phone.goto(path)
            assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
            for wrap in phone.locator(".table-wrap").all():  # no table scrolls sideways
                assert wrap.evaluate("el => el.scrollWidth <= el.clientWidth"), path
            shot(phone, name)
    finally:
        context.close()


def test_select_all_and_a_rows_own_mark_read(page):
    page.goto("/bookmarks")
    page.get_by_role("link", name="Select all on this page").click()
    expect(page.locator("input.bookmark-select:checked")).to_have_count(30)
    page.get_by_label("With the selected").select_option("mark_unread")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_text("Marked as unread 30 bookmarks.")).to_be_visible()
    first = page.locator("li.bookmark").first
    title = first.locator(".bookmark-link").inner_text()
    first.get_by_role("button", name="Mark read").click()
    expect(page.get_by_text("Marked as read.", exact=True)).to_be_visible()
    row = page.locator("li.bookmark").filter(has=page.get_by_role("link", name=title, exact=True))
    expect(row.get_by_role("button", name="Mark read")).to_have_count(0)
    expect(row.get_by_role("button", name="Archive")).to_be_visible()


def test_a_bundle_is_made_and_lists_its_bookmarks_beside_the_list(page):
    page.get_by_role("link", name="Bundles", exact=True).first.click()
    expect(page.get_by_role("heading", name="Bundles")).to_be_visible()
    form = page.locator("#new-bundle")
    form.get_by_label("Name").fill("Lighthouses")
    form.get_by_label("Search", exact=True).fill("Vornholm")
    form.get_by_role("button", name="Make the bundle").click()
    expect(page.get_by_text("Saved the bundle Lighthouses.")).to_be_visible()
    shot(page, "bundles")
    page.goto("/bookmarks")
    page.get_by_role("complementary", name="Bundles and tags").get_by_role(
        "link", name="Lighthouses"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Lighthouses")
    expect(page.locator("li.bookmark")).to_have_count(1)
    expect(page.locator("li.bookmark")).to_contain_text(NEEDLE_TITLE)


def test_the_tags_page_counts_each_tag_and_a_tag_opens_its_bookmarks(page):
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Tags").first.click()
    expect(page.get_by_role("heading", name="Tags", level=1)).to_be_visible()
    page.get_by_label("Sort").select_option("-count")
    page.get_by_role("button", name="Show").click()
    rows = page.locator("table.tags-table tbody tr")
    expect(rows.first).to_be_visible()
    counts = [int(text) for text in page.locator("td.tag-count").all_inner_texts()]
    assert counts == sorted(counts, reverse=True) and counts[0] >= 60, counts
    shot(page, "tags-desktop")
    folder = FOLDERS[1].lower()
    row = rows.filter(has=page.get_by_role("link", name=re.compile(f"^#{folder}$", re.I)))
    count = int(row.locator("td.tag-count").inner_text())
    row.get_by_role("link", name=re.compile(f"^#{folder}$", re.I)).click()
    expect(page).to_have_url(re.compile(r"/bookmarks\?q=%23"))
    expect(page.locator("h1 .count")).to_have_text(str(count))
    page.goto("/tags")
    page.get_by_role("link", name=re.compile(f"^Delete #{folder}$", re.I)).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Delete the tag")
    expect(page.locator("p.affected")).to_contain_text(f"removed from {count} bookmarks")
    shot(page, "tag-delete-confirm", full_page=False)
    page.get_by_role("link", name="Keep it").click()  # nothing deleted
    expect(page.get_by_role("heading", name="Tags", level=1)).to_be_visible()
    # A merge is asked first too (the page a POST answers: axe reads it here).
    page.get_by_role("link", name=re.compile(f"^Merge #{folder} into", re.I)).click()
    page.get_by_label("Merge into the tag").fill(FOLDERS[0])
    page.get_by_role("button", name="Next").click()
    expect(page.locator("p.affected")).to_contain_text(f"{count} bookmarks with #")
    no_axe_violations(page, "the merge confirmation")
    page.get_by_role("link", name="Cancel").click()  # nothing merged
    expect(
        rows.filter(has=page.get_by_role("link", name=re.compile(f"^#{folder}$", re.I))).locator(
            "td.tag-count"
        )
    ).to_have_text(str(count))


def test_select_all_matching_across_pages_with_and_without_javascript(browser, shelf_system, page):
    folder = FOLDERS[2].lower()
    page.goto("/bookmarks?" + urlencode({"q": f"#{folder}"}))
    total = int(page.locator("h1 .count").inner_text())
    assert total > 30, total
    matching = page.get_by_role("link", name=f"Select all {total} matching")
    expect(matching).to_be_hidden()  # offered once the whole page is ticked
    page.get_by_role("link", name="Select all on this page").click()
    expect(page.locator("input.bookmark-select:checked")).to_have_count(30)
    matching.click()
    expect(page.get_by_text(f"All {total} matching are selected.")).to_be_visible()
    page.get_by_label("With the selected").select_option("tag")
    page.locator("#bulk-tags").fill("everyone")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_text(f"Tagged {total} bookmarks.")).to_be_visible()
    page.goto("/bookmarks?" + urlencode({"q": f"#{folder} #everyone"}))
    expect(page.locator("h1 .count")).to_have_text(str(total))

    # Without JavaScript: the same through links and the form.
    context, plain = same_login(browser, shelf_system, page, java_script_enabled=False)
    try:
        plain.goto("/bookmarks?" + urlencode({"q": f"#{folder}"}))
        plain.get_by_role("link", name="Select all on this page").click()
        plain.get_by_role("link", name=f"Select all {total} matching").click()
        expect(plain.get_by_text(f"All {total} matching are selected.")).to_be_visible()
        plain.get_by_label("With the selected").select_option("untag")
        plain.locator("#bulk-tags").fill("everyone")
        plain.get_by_role("button", name="Apply").click()
        expect(plain.get_by_text(f"Untagged {total} bookmarks.")).to_be_visible()
    finally:
        context.close()


def test_screenshots_of_the_add_form_and_settings_at_desktop_width(page):
    for path, name in (("/bookmarks/new", "add-form-desktop"), ("/settings", "settings-desktop")):
        page.goto(path)
        shot(page, name)
    feeds = page.locator("#feeds code.feed-url")
    expect(feeds).to_have_count(3)
    assert all(
        url.startswith(page.url.split("/settings")[0] + "/feeds/")
        for url in feeds.all_inner_texts()
    )


def test_keyboard_shortcuts_search_add_and_help(page):
    page.goto("/bookmarks")
    page.keyboard.press("s")
    expect(page.get_by_role("searchbox", name="Search")).to_be_focused()
    page.keyboard.press("Escape")
    page.keyboard.press("n")
    expect(page).to_have_url(re.compile(r"/bookmarks/new$"))
    page.get_by_role("heading", name="Add a bookmark").click()  # out of the URL field
    page.keyboard.press("?")
    expect(page).to_have_url(re.compile(r"/help$"))
    expect(page.get_by_role("heading", name="Keyboard shortcuts")).to_be_visible()


def test_the_theme_setting_turns_every_page_dark(page):
    page.goto("/settings")
    page.get_by_label("Theme").select_option("dark")
    page.get_by_role("button", name="Save preferences").click()
    expect(page.get_by_text("Preferences saved")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    page.goto("/bookmarks")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(22, 24, 29)", background
    shot(page, "list-dark", full_page=False)


READER_PAGES = [
    "/bookmarks",
    "/bookmarks?view=broken",
    "/bookmarks/new",
    "/bundles",
    "/shared",
    "/import",
    "/export",
    "/settings",
    "/help",
    "/bookmarklet",
    "/tags",
    "/tags?sort=-count&q=e",
    "/settings/feed-key",
    "/bookmarks?select=matching",
]


def test_no_page_has_an_accessibility_violation_in_the_light_or_the_dark_theme(
    browser, shelf_system, page, state
):
    page.goto("/bookmarks")
    bookmark = page.locator("li.bookmark").first.get_attribute("id").removeprefix("bookmark-")
    bundle = (
        page.get_by_role("complementary", name="Bundles and tags")
        .get_by_role("link", name="Lighthouses")
        .get_attribute("href")
        .split("=")[-1]
    )
    tag = page.locator(".tag-cloud a.tag").first.inner_text().lstrip("#")
    page.goto("/tags?" + urlencode({"q": tag}))
    tag_id = (
        page.locator("table.tags-table tbody tr").first.get_attribute("id").removeprefix("tag-")
    )
    pages = [
        *READER_PAGES,
        f"/tags/{tag_id}/rename",
        f"/tags/{tag_id}/merge",
        f"/tags/{tag_id}/delete",
        f"/bookmarks/{bookmark}",
        f"/bookmarks/{bookmark}/edit",
        f"/bookmarks/{bookmark}/delete",
        f"/bundles/{bundle}/edit",
        "/bookmarks/new?" + urlencode({"url": state["url"]}),
    ]
    anonymous_context, anonymous = new_page(browser, shelf_system)
    try:
        for theme in ("light", "dark"):
            page.goto("/settings")
            page.get_by_label("Theme").select_option(theme)
            page.get_by_role("button", name="Save preferences").click()
            expect(page.locator("html")).to_have_attribute("data-theme", theme)
            for path in pages:
                page.goto(path)
                no_axe_violations(page, f"{path} ({theme})")
            anonymous.emulate_media(color_scheme=theme)  # "auto": the system's scheme
            for path in (
                "/",
                "/login",
                "/forgot-password",
                "/signup",
                "/shared",
                "/status",
                "/help",
            ):
                anonymous.goto(path)
                no_axe_violations(anonymous, f"{path} ({theme}, logged out)")
    finally:
        anonymous_context.close()


def test_what_each_page_weighs(browser, shelf_system, page):
    """Printed, not judged: the bytes a first visit downloads from Shelf."""
    context, tab = same_login(browser, shelf_system, page)
    tab.route("**/*", lambda route: route.continue_())  # routing turns the cache off
    try:
        print()
        for path in ("/bookmarks", "/bookmarks/new", "/bundles", "/settings", "/help"):
            sizes = page_bytes(tab, path)
            print(f"page weight {path}: {sum(sizes.values())} bytes {sizes}")
            assert sizes["html"] > 0
    finally:
        context.close()


def test_settings_page_shows_the_api_key_section(page, people):
    page.get_by_role("link", name="Settings").click()
    expect(page).to_have_url(re.compile(r"/settings$"))
    expect(page.get_by_role("heading", name="Settings")).to_be_visible()
    expect(page.get_by_role("heading", name="API key")).to_be_visible()
    expect(page.get_by_role("heading", name="Preferences")).to_be_visible()
    shot(page, "settings")


def test_log_out(page, people):
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_text("You are logged out.")).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)
    page.goto("/bookmarks")
    expect(page).to_have_url(re.compile(r"/login\?next="))  # the session is really over


# -- the administrator --------------------------------------------------------------------------


def test_an_admin_deactivates_a_user_who_then_cannot_log_in(browser, shelf_system, people):
    victim = f"leaver{people['suffix']}"
    admin_context, admin = new_page(browser, shelf_system)
    victim_context, other = new_page(browser, shelf_system)
    try:
        log_in(admin, people["admin"])
        expect(admin.get_by_role("link", name="Admin")).to_be_visible()
        admin.get_by_role("link", name="Admin").click()
        expect(admin).to_have_url(re.compile(r"/admin$"))
        shot(admin, "admin-dashboard")
        admin.get_by_role("navigation", name="Admin").get_by_role("link", name="Users").click()
        expect(admin).to_have_url(re.compile(r"/admin/users$"))
        admin.get_by_role("searchbox", name="Search users").fill(people["reader"])
        admin.get_by_role("searchbox", name="Search users").press("Enter")
        expect(admin.get_by_role("cell", name=people["reader"], exact=True)).to_be_visible()
        expect(admin.locator("h1 .count")).to_have_text("1")

        form = admin.locator("#new-user")
        form.get_by_label("Username").fill(victim)
        form.get_by_label("Password").fill(PASSWORD)
        form.get_by_role("button", name="Create").click()
        expect(admin.get_by_text(f"Created {victim}.")).to_be_visible()
        shot(admin, "admin-users")

        # The new user can log in (so the refusal below is the deactivation's doing).
        log_in(other, victim)
        expect(other.get_by_text(f"Welcome, {victim}.")).to_be_visible()
        other.get_by_role("button", name="Log out").click()
        expect(other.get_by_text("You are logged out.")).to_be_visible()

        row = admin.get_by_role("row").filter(has_text=victim)
        row.get_by_role("button", name="Deactivate").click()
        expect(admin.get_by_text(f"{victim} is deactivated")).to_be_visible()
        row = admin.get_by_role("row").filter(has_text=victim)
        expect(row.get_by_text("deactivated", exact=True)).to_be_visible()
        expect(row.get_by_role("button", name="Activate")).to_be_visible()

        log_in(other, victim)
        expect(other).to_have_url(re.compile(r"/login$"))
        expect(
            other.get_by_text(
                re.compile(
                    r"This account is disabled|Wrong username or "
                    r"password"
                )
            )
        ).to_be_visible()
        expect(other.get_by_role("button", name="Log out")).to_have_count(0)
        shot(other, "login-refused")

        # Everyone's bookmarks: the reader's imported ones, with their owner's name.
        admin.get_by_role("navigation", name="Admin").get_by_role("link", name="Bookmarks").click()
        expect(admin).to_have_url(re.compile(r"/admin/bookmarks$"))
        admin.get_by_placeholder("Owner (username)").fill(people["reader"])
        admin.get_by_role("button", name="Filter").click()
        expect(admin.locator("h1 .count")).to_have_text(str(IMPORT_COUNT + 1))
        admin.get_by_role("searchbox", name="Search").fill("Vornholm")
        admin.get_by_role("button", name="Filter").click()
        expect(admin.locator("h1 .count")).to_have_text("1")
        expect(admin.get_by_role("row").filter(has_text=NEEDLE_TITLE)).to_contain_text(
            people["reader"]
        )
        shot(admin, "admin-bookmarks")

        admin.goto("/admin/jobs")
        expect(admin.get_by_role("heading", level=1)).to_contain_text("Jobs")
        shot(admin, "admin-jobs")
        admin.goto("/status")
        expect(admin.get_by_text("Every service is up.")).to_be_visible()
        shot(admin, "status")

        # The admin's pages, in the system's light and dark schemes (the theme is "auto").
        for scheme in ("light", "dark"):
            admin.emulate_media(color_scheme=scheme)
            for path in (
                "/admin",
                "/admin/users",
                "/admin/bookmarks",
                "/admin/jobs",
                "/admin/schedules",
                "/admin/schedules/1",
                "/status",
            ):
                admin.goto(path)
                no_axe_violations(admin, f"{path} ({scheme}, admin)")
    finally:
        admin_context.close()
        victim_context.close()

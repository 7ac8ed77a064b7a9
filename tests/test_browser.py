"""One person's whole session with Shelf in a real browser (Debian's Chromium, driven by
Playwright), against the whole system running as real processes.

The steps run in order and share one logged-in browser page, as a person would: log in; open
the add form for a page (its title is read at once, as the bookmarklet would have it); add a
bookmark for a page served on loopback and watch its title and description arrive from the
fetch job; search for it (a word of the title, then a #tag after tagging it); archive it and
find it in the archive; import a browser export of more than 200 bookmarks (a job: the progress
page must reach 100 %) and find one of them; export as HTML; log out. Then an administrator
deactivates a user, who can no longer log in, and finds the reader's bookmarks in everyone's.

Screenshots of the main pages land in tests/test-output/screenshots/ (git-ignored).
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
    NEEDLE_INDEX,
    NEEDLE_TITLE,
    LoopbackSite,
    export_entries,
    imported_path,
    imported_title,
    netscape_export,
)
from shelf_system import ShelfSystem

PASSWORD = "a long browser passphrase"
TIMEOUT = (2, 10)
SCREENSHOTS = Path(__file__).resolve().parent / "test-output" / "screenshots"
FETCH_WAIT = 30.0  # seconds for the fetch job to put the page's title on the list
IMPORT_WAIT = 90_000  # ms for the import job to reach 100 %
IMPORT_COUNT = 240  # more than SHELF_API_IMPORT_JOB_THRESHOLD (200): imported by a job


# -- fixtures -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: the browser tests need Debian's Chromium. "
                    "Run `make browser` at the repository's root (it installs the chromium "
                    "package), then run the tests again.", pytrace=False)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def site() -> Iterator[LoopbackSite]:
    with LoopbackSite() as served:
        yield served


@pytest.fixture(scope="module")
def people(shelf_system: ShelfSystem) -> dict[str, str]:
    """An admin made with auth's management command and a user the admin made over HTTP."""
    suffix = uuid.uuid4().hex[:6]
    admin, reader = f"boss{suffix}", f"reader{suffix}"
    shelf_system.command("auth", "create-admin", "--username", admin, "--password", PASSWORD)
    session = requests.post(shelf_system.urls["auth"] + "/v1/sessions", timeout=TIMEOUT,
                            json={"username": admin, "password": PASSWORD})
    assert session.status_code == 201, session.text
    created = requests.post(
        shelf_system.urls["auth"] + "/v1/admin/users", timeout=TIMEOUT,
        headers={"Authorization": f"Bearer {session.json()['access_token']}"},
        json={"username": reader, "password": PASSWORD, "email": f"{reader}@example.org"})
    assert created.status_code == 201, created.text
    return {"admin": admin, "reader": reader, "suffix": suffix}


def new_page(browser, shelf_system: ShelfSystem):
    context = browser.new_context(base_url=shelf_system.urls["ui"], accept_downloads=True,
                                  viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    return context, context.new_page()


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


def shot(tab, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    tab.screenshot(path=str(path), full_page=True)
    return path


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
    url = site.url(imported_path(1))
    page.goto("/bookmarks/new?" + urlencode({"url": url}))
    expect(page.get_by_label("URL", exact=True)).to_have_value(url)
    expect(page.get_by_label("Title")).to_have_value(imported_title(1))
    expect(page.locator(".duplicate-warning")).to_have_count(0)
    page.get_by_role("link", name="Cancel").click()
    expect(page).to_have_url(re.compile(r"/bookmarks$"))
    expect(page.get_by_text("No bookmarks yet.")).to_be_visible()  # nothing was saved


def test_add_a_bookmark_and_watch_its_title_arrive(page, site, state, shelf_system):
    url = site.url(ARTICLE_PATH)
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

    # The fetch job (tasks' worker) loads the page and api stores its title: reload the list
    # until the title shows, as a person would.
    entry = card(page, url)
    deadline = time.monotonic() + FETCH_WAIT
    while ARTICLE_TITLE not in entry.inner_text():
        if time.monotonic() > deadline:
            fetched = [p for p in site.requests if p == ARTICLE_PATH]
            pytest.fail(f"the page's title never showed on the list within {FETCH_WAIT:g} s "
                        f"(the loopback page was requested {len(fetched)} time(s)); the entry "
                        f"reads: {entry.inner_text()!r}")
        page.wait_for_timeout(1000)
        page.reload()
    expect(entry.get_by_role("link", name=ARTICLE_TITLE)).to_be_visible()
    expect(entry).to_contain_text(ARTICLE_DESCRIPTION)
    expect(entry.locator("img.favicon")).to_have_attribute("src", site.url("/favicon.png"))
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
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(r"/bookmarks$"))
    entry = card(page, state["url"])
    expect(entry.get_by_role("link", name="#wildlife")).to_be_visible()
    expect(entry.get_by_role("link", name="#islands")).to_be_visible()
    expect(page.get_by_role("complementary", name="Tags")).to_contain_text("#wildlife")

    search(page, "#wildlife")
    expect(card(page, state["url"])).to_have_count(1)
    search(page, "#recipes")
    expect(page.locator("li.bookmark")).to_have_count(0)


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
    expect(page.get_by_role("status")).to_contain_text(
        f"100% · {IMPORT_COUNT} of {IMPORT_COUNT}")
    expect(page.locator("#progress-bar")).to_have_js_property("value", 100)
    shot(page, "import-finished")
    page.get_by_role("link", name="See your bookmarks").click()

    expect(page).to_have_url(re.compile(r"/bookmarks$"))
    expect(page.locator("h1 .count")).to_have_text(str(IMPORT_COUNT))  # the archived one aside
    search(page, "Vornholm")
    needle = card(page, site.url(imported_path(NEEDLE_INDEX)))
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
    assert f'HREF="{site.url(imported_path(NEEDLE_INDEX))}"' in text
    assert NEEDLE_TITLE in text
    assert text.count("<DT><A ") == IMPORT_COUNT + 1


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
        expect(other.get_by_text(re.compile(r"This account is disabled|Wrong username or "
                                            r"password"))).to_be_visible()
        expect(other.get_by_role("button", name="Log out")).to_have_count(0)
        shot(other, "login-refused")

        # Everyone's bookmarks: the reader's imported ones, with their owner's name.
        admin.get_by_role("navigation", name="Admin").get_by_role("link",
                                                                  name="Bookmarks").click()
        expect(admin).to_have_url(re.compile(r"/admin/bookmarks$"))
        admin.get_by_placeholder("Owner (username)").fill(people["reader"])
        admin.get_by_role("button", name="Filter").click()
        expect(admin.locator("h1 .count")).to_have_text(str(IMPORT_COUNT + 1))
        admin.get_by_role("searchbox", name="Search").fill("Vornholm")
        admin.get_by_role("button", name="Filter").click()
        expect(admin.locator("h1 .count")).to_have_text("1")
        expect(admin.get_by_role("row").filter(has_text=NEEDLE_TITLE)).to_contain_text(
            people["reader"])
        shot(admin, "admin-bookmarks")

        admin.goto("/admin/jobs")
        expect(admin.get_by_role("heading", level=1)).to_contain_text("Jobs")
        shot(admin, "admin-jobs")
        admin.goto("/status")
        expect(admin.get_by_text("Every service is up.")).to_be_visible()
        shot(admin, "status")
    finally:
        admin_context.close()
        victim_context.close()

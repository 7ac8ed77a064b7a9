"""The ui's import and export pages in-process against the real api and tasks: a small browser
export imported at once, a large one (more than the system's job threshold of 200) imported by
a job whose progress the page follows to the end, and the HTML, JSON and CSV downloads."""

from __future__ import annotations

import csv
import io
import json

import pytest
import requests

from browser_support import FOLDERS, ExportEntry, netscape_export
from shelf_accounts import TIMEOUT
from ui_pages import IMPORT_WAIT, Browser, logged_in, make_user, unique, wait_for

pytest_plugins = ["ui_fixtures"]
LARGE = 240  # more than SHELF_API_IMPORT_JOB_THRESHOLD (200): imported by a job


@pytest.fixture
def mover(shelf_system, admin):
    """Someone with no bookmarks yet (one per test: the counts below are theirs alone)."""
    return make_user(shelf_system, admin, "mover")


@pytest.fixture
def browser(ui_app, mover):
    return logged_in(ui_app, mover)


@pytest.fixture(scope="module")
def library(shelf_system, admin):
    """Someone with a few bookmarks to export: an archived one, tags, notes, unread, a title
    a spreadsheet would take for a formula."""
    owner = make_user(shelf_system, admin, "exporter")
    word = unique("zq")
    made = [
        owner.api.add(f"https://example.org/{word}/plain", title=f'{word}, "plain"'),
        owner.api.add(
            f"https://example.org/{word}/tagged",
            title=f"{word} tagged",
            tag_names=["travel", "maps"],
            notes="by *train*",
            unread=True,
        ),
        owner.api.add(f"https://example.org/{word}/formula", title="=SUM(A1:A2)"),
        owner.api.add(f"https://example.org/{word}/archived", title=f"{word} archived"),
    ]
    archived = requests.post(
        f"{owner.api.url}/api/bookmarks/{made[-1]['id']}/archive/",
        headers=owner.api.headers,
        timeout=TIMEOUT,
    )
    assert archived.status_code == 204, archived.text
    return owner, {item["url"]: item for item in made}


def entries(site, label: str, count: int) -> list[ExportEntry]:
    """Bookmarks of a browser export, on pages of the loopback site (their fetch jobs find a
    page), each in one of the export's folders."""
    return [
        ExportEntry(
            site.page(f"/{label}/{n}", f"{label} page {n}"),
            f"{label} page {n}",
            FOLDERS[n % len(FOLDERS)],
        )
        for n in range(count)
    ]


def upload(browser: Browser, export: str, name: str = "bookmarks.html"):
    opened = browser.get("/import")
    assert opened.status == 200
    return browser.post(
        "/import",
        {
            "file": (io.BytesIO(export.encode()), name),
            "folders_as_tags": "y",
            "csrf_token": opened.value("csrf_token"),
        },
        content_type="multipart/form-data",
    )


def test_a_small_browser_export_is_imported_at_once(browser, mover, site):
    small = entries(site, unique("small"), 3)
    answer = upload(browser, netscape_export(small))
    assert answer.status == 302 and answer.location == "/import/done"  # reloading: no resend
    assert browser.follow(answer).shows("3 bookmarks read: 3 new, 0 updated.")
    for entry in small:
        stored = mover.api.by_url(entry.url)
        assert stored is not None and stored["title"] == entry.title
        assert [name.lower() for name in stored["tag_names"]] == [entry.folder.lower()]
    assert mover.api.count() == 3
    again = upload(browser, netscape_export(small))  # the same file again adds nothing
    assert browser.follow(again).shows("3 bookmarks read: 0 new, 0 updated.")
    assert mover.api.count() == 3


def test_a_file_that_is_not_bookmarks_is_refused_with_apis_reason(browser, mover):
    answer = upload(browser, "Shopping list:\n- milk\n- bread\n", "notes.txt")
    assert answer.status == 400
    errors = answer.html.split('id="file-errors"', 1)[1].split("</ul>", 1)[0]
    assert "This is not a bookmark file" in errors  # api's words, on the file field
    assert mover.api.count() == 0


def test_a_large_export_is_imported_by_a_job_whose_progress_the_page_follows(browser, mover, site):
    large = entries(site, unique("large"), LARGE)
    answer = upload(browser, netscape_export(large), "bookmarks_export.html")
    assert answer.status == 302
    progress = answer.location
    assert progress.startswith(("/import/import/", "/import/job/")), progress
    first = browser.get(progress)
    assert first.status == 200
    assert first.shows("Import finished") or (
        first.shows("Importing…") and '<meta http-equiv="refresh" content="2">' in first.html
    )

    def finished():
        status, body = browser.json(progress + "/progress")
        assert status == 200, body
        assert not body["failed"], body
        return body if body["done"] else None

    state = wait_for(finished, IMPORT_WAIT, "the import never finished", interval=1.0)
    assert state["percent"] == 100
    if progress.startswith("/import/import/"):  # followed on api's import record
        assert state["processed"] == state["total"] == LARGE
    done = browser.get(progress)
    assert done.shows("Import finished") and 'http-equiv="refresh"' not in done.html
    assert 'value="100"' in done.html
    assert mover.api.count() == LARGE
    for entry in (large[0], large[137], large[-1]):
        stored = mover.api.by_url(entry.url)
        assert stored is not None and stored["title"] == entry.title
    assert browser.get("/bookmarks").shows(f"Bookmarks {LARGE}")


@pytest.mark.parametrize("fmt", ["html", "json", "csv"])
def test_exports_download_every_bookmark(ui_app, library, fmt):
    owner, made = library
    browser = logged_in(ui_app, owner)
    assert f"/export/{fmt}" in browser.get("/export").reader.links
    with browser.client.get(f"/export/{fmt}") as download:
        assert download.status_code == 200
        disposition = download.headers["Content-Disposition"]
        body = download.get_data(as_text=True)
    assert disposition.startswith("attachment;") and disposition.endswith(f'.{fmt}"')
    if fmt == "html":
        assert body.startswith("<!DOCTYPE NETSCAPE-Bookmark-file-1>")
        lines = {
            line.split('HREF="', 1)[1].split('"', 1)[0]: line
            for line in body.splitlines()
            if "HREF=" in line
        }
        assert set(lines) == set(made)  # the archived one too
        tagged = next(line for url, line in lines.items() if url.endswith("/tagged"))
        assert 'TAGS="maps,travel"' in tagged and 'TOREAD="1"' in tagged
        assert "[linkding-notes]by *train*[/linkding-notes]" in body
    elif fmt == "json":
        items = json.loads(body)
        assert {item["url"]: item["title"] for item in items} == {
            url: item["title"] for url, item in made.items()
        }
        assert {item["url"]: item["is_archived"] for item in items} == {
            url: url.endswith("/archived") for url in made
        }
    else:
        rows = {row["url"]: row for row in csv.DictReader(io.StringIO(body))}
        assert set(rows) == set(made)
        assert {url: row["title"] for url, row in rows.items() if not url.endswith("/formula")} == {
            url: item["title"] for url, item in made.items() if not url.endswith("/formula")
        }
        formula = next(row for url, row in rows.items() if url.endswith("/formula"))
        assert formula["title"] == "'=SUM(A1:A2)"  # not run as a formula by a spreadsheet


def send_file(browser: Browser, data: bytes):
    opened = browser.get("/import")
    return browser.post(
        "/import",
        {
            "file": (io.BytesIO(data), "bookmarks.html"),
            "folders_as_tags": "y",
            "csrf_token": opened.value("csrf_token"),
        },
        content_type="multipart/form-data",
    )


# Werkzeug's test client spools a large upload to a temporary file it never closes when the
# app refuses the body unread (its warning, when collected, is the client's, not the ui's).
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_file_over_the_limit_is_said_on_the_form_by_the_ui_and_by_api(system, ui_app, mover):
    """The ui's own limit (a twin of the ui with a 1 MB one), then api's (api restarted with a
    limit under the ui's): each time the import form again, naming the limit, nothing
    imported."""
    import gc
    import os
    from unittest import mock

    from shelf_kit import kit
    from shelf_ui import create_app
    from ui_pages import ui_config

    clean = {key: value for key, value in os.environ.items() if not key.startswith("SHELF_")}
    with mock.patch.dict(os.environ, clean, clear=True):
        small = create_app({**ui_config(system), "SHELF_UI_IMPORT_MAX_BYTES": 1024 * 1024})
    try:
        browser = logged_in(small, mover)
        assert browser.get("/import").shows("Files of up to 1 MB.")
        for size in (1024 * 1024 + 100, 3 * 1024 * 1024):  # read by the form; refused unread
            refused = send_file(browser, b" " * size)
            assert refused.status == 413 and refused.headers["Content-Type"].startswith("text/html")
            assert refused.shows(
                "This file is too large: Shelf takes bookmark files of up to 1 MB."
            ), refused.text[:300]
            assert refused.value("csrf_token")  # the form, ready for another file
    finally:
        for client in kit(small).clients.values():
            client.close()
        gc.collect()

    system.stop("api")
    system.env["SHELF_API_IMPORT_MAX_BYTES"] = str(512 * 1024)
    try:
        system.start("api")
        browser = logged_in(ui_app, mover)
        refused = send_file(browser, b" " * (3 * 1024 * 1024))  # under the ui's 50 MB
        assert refused.status == 413
        assert refused.shows(
            "This file is too large: the api service takes bookmark files of up to 1.5 MB."
        ), refused.text[:300]
        assert mover.api.count() == 0
    finally:
        system.stop("api")
        del system.env["SHELF_API_IMPORT_MAX_BYTES"]
        system.start("api")
        gc.collect()

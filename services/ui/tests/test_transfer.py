"""Import (a summary, or a progress page fed by the import job) and export downloads."""

import gc
import io

import pytest
from browsing import csrf_token, log_in, text

FILE = """<!DOCTYPE NETSCAPE-Bookmark-file-1>
<DL><p>
{lines}
</DL><p>
"""


def bookmark_file(count: int) -> bytes:
    lines = "\n".join(
        f'<DT><A HREF="https://example.org/{n}" ADD_DATE="1">Page {n}</A>' for n in range(count)
    )
    return FILE.format(lines=lines).encode()


def upload(browser, data: bytes, name: str = "bookmarks.html"):
    html = browser.get("/import").get_data(as_text=True)
    return browser.post(
        "/import",
        data={
            "file": (io.BytesIO(data), name),
            "folders_as_tags": "y",
            "csrf_token": csrf_token(html),
        },
        content_type="multipart/form-data",
    )


def test_a_small_import_shows_what_happened(browser, shelf):
    log_in(browser)
    response = upload(browser, bookmark_file(2))
    # Redirected to the summary: reloading it does not send the file again.
    assert response.status_code == 302 and response.headers["Location"] == "/import/done"
    summary = browser.get("/import/done")
    assert "2 bookmarks read: 2 new, 0 updated." in text(summary.get_data(as_text=True))
    assert browser.get("/import/done").headers["Location"] == "/import"  # shown once
    call = shelf.api.called("POST", "/api/bookmarks/import/")[0]
    assert call.files["file"] == bookmark_file(2)
    assert call.form == {"folders_as_tags": "true"}


def test_a_large_import_has_a_progress_page_until_it_is_done(browser, shelf):
    log_in(browser)
    response = upload(browser, bookmark_file(5))
    assert response.status_code == 302
    assert response.headers["Location"] == "/import/import/1"

    page = browser.get("/import/import/1").get_data(as_text=True)
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in page
    assert 'value="0"' in page and "0 of 5" in page
    assert 'src="/static/progress.js' in page
    poll = browser.get("/import/import/1/progress", headers={"Accept": "application/json"})
    assert poll.get_json() == {
        "state": "running",
        "percent": 0,
        "processed": 0,
        "total": 5,
        "done": False,
        "failed": False,
        "message": "",
    }

    shelf.api.imports[1]["processed"] = 3
    assert browser.get("/import/import/1/progress").get_json()["percent"] == 60

    shelf.api.imports[1]["processed"] = 5
    assert browser.get("/import/import/1/progress").get_json()["done"] is True
    page = browser.get("/import/import/1").get_data(as_text=True)
    assert "Import finished" in page and 'value="100"' in page
    assert 'http-equiv="refresh"' not in page


def test_the_progress_script_is_served(browser):
    with browser.get("/static/progress.js") as script:
        assert script.status_code == 200
        assert "fetch(" in script.get_data(as_text=True)


def test_someone_elses_import_is_not_found(browser, shelf):
    shelf.api.imports[1] = {"owner": 2, "total": 1, "processed": 0}
    log_in(browser)
    assert browser.get("/import/import/1", headers={"Accept": "text/html"}).status_code == 404


def test_a_file_api_cannot_read_is_explained(browser, shelf):
    log_in(browser)
    response = upload(browser, b"not bookmarks at all", "notes.txt")
    assert response.status_code == 400
    assert "Line 1: this is not a bookmark file." in response.get_data(as_text=True)


def test_export_downloads_the_file_api_makes(browser, shelf):
    shelf.api.add(1, "https://example.org/mine")
    shelf.api.add(2, "https://example.org/roots")
    log_in(browser)
    response = browser.get("/export/csv")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="shelf-export.csv"'
    assert response.get_data(as_text=True) == "https://example.org/mine"
    assert shelf.api.called("GET", "/api/bookmarks/export/")[0].args == {"format": "csv"}
    assert browser.get("/export/exe").status_code == 404


def test_an_import_followed_on_tasks_shows_the_jobs_progress(browser, shelf):
    job = shelf.tasks.add_job(
        "import_bookmarks", "running", created_by=1, progress=40, progress_message="400 of 1000"
    )
    shelf.tasks.add_job("import_bookmarks", "running", created_by=2)
    log_in(browser)
    poll = browser.get(f"/import/job/{job['id']}/progress").get_json()
    assert poll == {
        "state": "running",
        "percent": 40,
        "processed": 40,
        "total": 100,
        "done": False,
        "failed": False,
        "message": "400 of 1000",
    }
    polled = shelf.tasks.called("GET", f"/v1/jobs/{job['id']}")[0]
    assert shelf.auth.identify(polled.authorization)["sub"] == "1"  # alice's access token
    assert browser.get("/import/job/2", headers={"Accept": "text/html"}).status_code == 404
    job.update(state="completed", progress=100)
    assert "Import finished" in browser.get(f"/import/job/{job['id']}").get_data(as_text=True)


def test_polling_without_a_login_is_a_401_not_a_page(browser):
    response = browser.get("/import/import/1/progress", headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert response.content_type == "application/problem+json"


# Werkzeug's test client spools a large upload to a temporary file it never closes when the
# app refuses the body unread; collected here, it warns, and that is the client's, not the ui's.
LARGE_UPLOAD = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


@LARGE_UPLOAD
def test_a_file_over_the_uis_limit_is_refused_on_the_form_naming_the_limit(shelf):
    from conftest import close_clients
    from shelf_ui import create_app

    app = create_app(
        {
            "SHELF_ENV": "test",
            "SHELF_AUTH_URL": shelf.auth.url,
            "SHELF_API_URL": shelf.api.url,
            "SHELF_TASKS_URL": shelf.tasks.url,
            "SHELF_UI_IMPORT_MAX_BYTES": 2 * 1024 * 1024,
        }
    )
    try:
        browser = app.test_client()
        log_in(browser)
        assert "Files of up to 2 MB." in text(browser.get("/import").get_data(as_text=True))
        # A little over: read by the form, refused there.
        response = upload(browser, b"x" * (2 * 1024 * 1024 + 10))
        assert response.status_code == 413
        page = text(response.get_data(as_text=True))
        assert "This file is too large: Shelf takes bookmark files of up to 2 MB." in page
        assert 'name="csrf_token"' in response.get_data(as_text=True)
        # Far over (past the form's allowance too): refused before it is read, same message.
        response = upload(browser, b"x" * (4 * 1024 * 1024))
        assert response.status_code == 413
        assert response.mimetype == "text/html"
        assert "This file is too large: Shelf takes bookmark files of up to 2 MB." in text(
            response.get_data(as_text=True)
        )
        assert shelf.api.called("POST", "/api/bookmarks/import/") == []
        # Nobody logged in: no form, only the refusal.
        browser.post(
            "/logout",
            data={"csrf_token": csrf_token(browser.get("/import").get_data(as_text=True))},
        )
        anonymous = browser.post(
            "/import",
            data={"file": (io.BytesIO(b"x" * (4 << 20)), "a")},
            content_type="multipart/form-data",
        )
        assert anonymous.status_code == 413 and 'name="file"' not in anonymous.get_data(
            as_text=True
        )
    finally:
        close_clients(app)
        gc.collect()


@LARGE_UPLOAD
def test_a_file_api_refuses_as_too_large_is_said_on_the_form(browser, shelf):
    log_in(browser)
    shelf.api.import_max = 3 * 1024 * 1024
    response = upload(browser, bookmark_file(1) + b" " * (4 * 1024 * 1024))
    assert response.status_code == 413
    assert "This file is too large: the api service takes bookmark files of up to 3 MB." in text(
        response.get_data(as_text=True)
    )
    shelf.api.import_max, shelf.api.import_file_max = None, 1000
    response = upload(browser, bookmark_file(1) + b" " * 2000)
    assert response.status_code == 413
    assert (
        "This file is too large: the api service takes bookmark files no larger than this "
        "one." in text(response.get_data(as_text=True))
    )
    gc.collect()

"""Import of real-shaped exports (Chrome, Firefox, Pocket, Pinboard, an old Windows file),
duplicates merged, malformed files refused whole naming the line; export and re-import."""

import csv
import io
from pathlib import Path

import pytest

from conftest import User, make_app, nowhere

FIXTURES = Path(__file__).parent / "fixtures"


def upload(user, data, filename="bookmarks.html", **form):
    if isinstance(data, str):
        data = data.encode()
    return user.post(
        "/api/bookmarks/import/",
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(data), filename), **form},
    )


def library(user):
    page = user.get("/api/bookmarks/?limit=1000").get_json()["results"]
    archived = user.get("/api/bookmarks/archived/?limit=1000").get_json()["results"]
    return {b["url"]: b for b in page + archived}


def test_chrome_export_with_nested_folders(ann):
    response = upload(ann, (FIXTURES / "chrome.html").read_bytes())
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["format"], body["total"], body["created"], body["updated"]) == (
        "netscape",
        4,
        4,
        0,
    )
    assert [(s["line"], s["reason"]) for s in body["skipped"]] == [
        (20, "not a web (http or https) link"),
        (23, "not a web (http or https) link"),
    ]
    found = library(ann)
    assert found["https://developer.mozilla.org/en-US/"]["tag_names"] == ["Web-Dev"]
    css = found["https://css-tricks.com/"]
    assert css["tag_names"] == ["CSS", "Web-Dev"]
    assert css["title"] == "CSS-Tricks \u2013 Tips, Tricks, and Techniques"  # entity decoded
    assert css["date_added"] == "2023-11-14T22:13:27Z"  # ADD_DATE 1700000007
    python = found["https://www.python.org/"]
    assert python["tag_names"] == []  # the browser's own toolbar folder is not a topic


def test_folders_as_tags_can_be_turned_off(ann):
    upload(ann, (FIXTURES / "chrome.html").read_bytes(), folders_as_tags="false")
    assert all(b["tag_names"] == [] for b in library(ann).values())


def test_firefox_export_with_tags_descriptions_and_a_duplicate(ann):
    response = upload(ann, (FIXTURES / "firefox.html").read_bytes())
    body = response.get_json()
    assert response.status_code == 201
    assert (body["total"], body["created"]) == (3, 3)  # the #learn copy merged
    assert [s["url"] for s in body["skipped"]] == ["place:type=6&sort=14&maxResults=10"]
    found = library(ann)
    rust = found["https://www.rust-lang.org/"]
    assert rust["title"] == "Rust & Cargo"
    assert rust["description"] == "A language empowering everyone\nto build reliable software."
    assert rust["tag_names"] == ["learning", "programming", "rust"]
    assert rust["date_added"] == "2017-07-14T02:40:00Z"  # the earlier copy's date
    assert found["https://support.mozilla.org/en-US/products/firefox"]["tag_names"] == [
        "Mozilla-Firefox"
    ]
    assert found["https://de.wikipedia.org/wiki/M%C3%BCller"]["title"] == "Müller \u2013 Wikipedia"


def test_an_old_windows_1252_file(ann):
    response = upload(ann, (FIXTURES / "ie-windows-1252.html").read_bytes())
    assert response.status_code == 201
    assert library(ann)["https://example.com/cafe"]["title"] == "Café \u2013 menu"


def test_utf16_with_a_byte_order_mark(ann):
    text = (FIXTURES / "chrome.html").read_text().replace("charset=UTF-8", "charset=UTF-16")
    response = upload(ann, b"\xff\xfe" + text.encode("utf-16-le"))
    assert response.status_code == 201 and response.get_json()["created"] == 4


def test_pocket_export(ann):
    response = upload(ann, (FIXTURES / "pocket.html").read_bytes())
    assert response.status_code == 201
    assert response.get_json()["format"] == "pocket"
    found = library(ann)
    unread = found["https://example.com/unread"]
    assert (unread["unread"], unread["is_archived"], unread["tag_names"]) == (
        True,
        False,
        ["longform", "reading"],
    )
    read = found["https://example.com/read"]
    assert (read["unread"], read["is_archived"]) == (False, True)


def test_pinboard_json(ann):
    response = upload(ann, (FIXTURES / "pinboard.json").read_bytes(), "pinboard.json")
    assert response.status_code == 201
    assert response.get_json()["format"] == "pinboard"
    found = library(ann)
    pinboard = found["https://pinboard.in/"]
    assert (pinboard["title"], pinboard["description"], pinboard["shared"]) == (
        "Pinboard",
        "Social bookmarking for introverts",
        True,
    )
    assert pinboard["tag_names"] == ["bookmarking", "tools"]
    assert pinboard["date_added"] == "2020-01-02T03:04:05Z"
    assert found["https://example.com/later"]["unread"] is True


def test_importing_again_changes_nothing_and_existing_bookmarks_only_gain(ann):
    ann.add("https://www.rust-lang.org/", title="My title", tag_names=["mine"])
    data = (FIXTURES / "firefox.html").read_bytes()
    first = upload(ann, data).get_json()
    assert (first["created"], first["updated"]) == (2, 1)
    rust = library(ann)["https://www.rust-lang.org/"]
    assert rust["title"] == "My title"  # kept
    assert rust["tag_names"] == ["learning", "mine", "programming", "rust"]
    assert rust["description"].startswith("A language")  # was empty: filled
    before = library(ann)
    second = upload(ann, data).get_json()
    assert (second["created"], second["updated"]) == (0, 0)
    assert library(ann) == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            '<!DOCTYPE NETSCAPE-Bookmark-file-1>\n<DL><p>\n<DT><A HREF="https://a.example/">A</A>\n'
            '<DT><A ADD_DATE="1">no href</A>\n</DL>',
            "line 4: A link has no HREF.",
        ),
        (
            '<DL><p>\n<DT><A HREF="https://a.example/" ADD_DATE="yesterday">A</A>\n</DL>',
            "line 2: ADD_DATE 'yesterday' is not a Unix time.",
        ),
        (
            '<DL><p>\n<DT><A HREF="https://a.example/">A\n</DL>',
            "line 2: This link is never closed (no </A>).",
        ),
        ("<DL><p>\n</DL>\n</DL>", "line 3: A </DL> closes a folder that was never opened."),
        (
            '[\n{"href": "https://a.example/"},\n{"href": "https://b.example/",}\n]',
            "line 3: This is not valid JSON: Expecting property name enclosed in double quotes.",
        ),
        (
            '[\n{"href": "https://a.example/"},\n{"title": "no url"}\n]',
            "line 3: Bookmark 2 has no url (or Pinboard href).",
        ),
        (
            "just some text",
            "line 1: This is not a bookmark file (Netscape HTML, Pocket HTML, "
            "Pinboard JSON or Shelf JSON).",
        ),
        (
            "<html><body><p>Hello</p></body></html>",
            "line 1: This is not a bookmark file: it has no <DL> folders and no <A HREF> links.",
        ),
    ],
)
def test_malformed_files_are_refused_whole_naming_the_line(ann, content, message):
    response = upload(ann, content)
    assert response.status_code == 400
    assert response.get_json() == {"file": [message]}
    assert library(ann) == {}  # nothing half-written


def test_a_missing_file_is_400(ann):
    response = ann.post("/api/bookmarks/import/", content_type="multipart/form-data", data={})
    assert response.status_code == 400
    assert response.get_json() == {"file": ["This field is required."]}


def test_export_html_reimports_the_same_library(ann, bob):
    ann.add(
        "https://example.com/a",
        title="A & B",
        description="About <a>",
        notes="my *notes*",
        tag_names=["x", "y"],
        unread=True,
        shared=True,
        date_added="2021-01-01T00:00:00Z",
    )
    ann.add("https://example.com/b")
    response = ann.get("/api/bookmarks/export/?format=html")
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert response.headers["Content-Disposition"] == 'attachment; filename="bookmarks.html"'
    assert response.data.startswith(b"<!DOCTYPE NETSCAPE-Bookmark-file-1>")
    assert upload(bob, response.data).status_code == 201
    mine, theirs = library(ann), library(bob)
    assert set(mine) == set(theirs)
    for url, bookmark in mine.items():
        copy = theirs[url]
        for field in ("title", "description", "notes", "tag_names", "unread", "shared"):
            assert copy[field] == bookmark[field], (url, field)
        assert copy["date_added"][:19] == bookmark["date_added"][:19]  # whole seconds


def test_export_json_and_csv(ann, bob):
    ann.add("https://example.com/a", title='=HYPERLINK("x")', tag_names=["x", "y"])
    exported = ann.get("/api/bookmarks/export/?format=json")
    assert exported.mimetype == "application/json"
    items = exported.get_json()
    assert [(b["url"], b["tag_names"]) for b in items] == [("https://example.com/a", ["x", "y"])]
    assert upload(bob, exported.data, "bookmarks.json").get_json()["created"] == 1
    assert library(bob)["https://example.com/a"]["tag_names"] == ["x", "y"]
    table = ann.get("/api/bookmarks/export/?format=csv")
    assert table.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(table.data.decode())))
    assert rows[0]["url"] == "https://example.com/a" and rows[0]["tags"] == "x y"
    assert rows[0]["title"] == '\'=HYPERLINK("x")'  # no formula for spreadsheets
    assert ann.get("/api/bookmarks/export/?format=xml").status_code == 400


def test_exports_are_private(ann, bob):
    ann.add("https://example.com/ann")
    assert bob.get("/api/bookmarks/export/?format=json").get_json() == []


def test_a_large_file_is_imported_by_a_job_in_resumable_batches(database_url, auth_service):
    app = make_app(database_url, auth_service.url, nowhere(), SHELF_API_IMPORT_JOB_THRESHOLD=2)
    try:
        client = app.test_client()
        ann = User(client, auth_service, 1, "ann")
        response = upload(ann, (FIXTURES / "chrome.html").read_bytes())
        assert response.status_code == 202
        progress = response.get_json()["import"]
        assert (progress["state"], progress["total"], progress["processed"]) == ("pending", 4, 0)
        assert library(ann) == {}
        service = {"Authorization": f"Bearer {auth_service.service_token('tasks')}"}
        path = f"/v1/internal/imports/{progress['id']}/batches"
        answers = [
            client.post(path, json={"size": 3}, headers=service).get_json() for _ in range(3)
        ]
        assert answers == [
            {"processed": 3, "total": 4, "done": False},
            {"processed": 4, "total": 4, "done": True},
            {"processed": 4, "total": 4, "done": True},
        ]
        assert len(library(ann)) == 4
        shown = ann.get(f"/api/bookmarks/import/{progress['id']}/").get_json()
        assert (shown["state"], shown["created"]) == ("done", 4)
        other = User(client, auth_service, 2, "bob")
        assert other.get(f"/api/bookmarks/import/{progress['id']}/").status_code == 404
    finally:
        app.extensions["shelf_db"].dispose()

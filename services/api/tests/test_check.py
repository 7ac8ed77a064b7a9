"""GET /api/bookmarks/check/ reads the page (SSRF-safe, bounded), and auto-tagging rules."""

import time

import pytest

from conftest import User, make_app, nowhere
from shelf_api.auto_tags import tags_for
from shelf_fetch.testing import Site

EMPTY = {"title": None, "description": None, "preview_image": None}


@pytest.fixture(scope="module")
def site():
    site = Site()
    yield site
    site.stop()


@pytest.fixture
def reader(database_url, auth_service):
    """ann on an api that may fetch loopback pages (as the system tests run it)."""
    app = make_app(
        database_url,
        auth_service.url,
        nowhere(),
        SHELF_FETCH_ALLOW_PRIVATE=True,
        SHELF_API_CHECK_TIMEOUT=0.5,
    )
    yield User(app.test_client(), auth_service, 1, "ann")
    app.extensions["shelf_db"].dispose()


def hits(site, path):
    return [hit for hit in site.hits if hit[1] == path]


def test_check_reads_a_page_that_is_not_bookmarked_yet(reader, site):
    url = f"{site.url}/article"
    answer = reader.get("/api/bookmarks/check/", query_string={"url": url})
    assert answer.status_code == 200
    assert answer.get_json() == {
        "bookmark": None,
        "auto_tags": [],
        "metadata": {
            "url": url,
            "title": "The Art of Keeping Links",
            "description": "Why bookmarks rot, and what to do.",
            "preview_image": f"{site.url}/images/cover.png",
        },
    }
    before = len(hits(site, "/article"))
    again = reader.get("/api/bookmarks/check/", query_string={"url": url}).get_json()
    assert again["metadata"]["title"] == "The Art of Keeping Links"
    assert len(hits(site, "/article")) == before  # remembered: the popup opened twice


def test_check_of_a_bookmarked_url_answers_from_the_bookmark_without_fetching(reader, site):
    url = f"{site.url}/mine"
    created = reader.add(url, title="Mine", description="About")
    known = reader.get("/api/bookmarks/check/", query_string={"url": url}).get_json()
    assert known["bookmark"] == created
    assert known["metadata"] == {
        "url": url,
        "title": "Mine",
        "description": "About",
        "preview_image": None,
    }
    assert hits(site, "/mine") == []


def test_check_without_reading_the_page_says_whether_the_url_is_saved(reader, site):
    """What a caller about to save a URL asks: the page is never read, saved or not."""
    mine = reader.add(f"{site.url}/kept", title="Kept")
    for path, bookmark in (("/article", None), ("/kept", mine)):
        url = f"{site.url}{path}"
        before = len(hits(site, path))
        answer = reader.get(
            "/api/bookmarks/check/", query_string={"url": url, "read_page": "false"}
        )
        assert answer.status_code == 200
        assert answer.get_json()["bookmark"] == bookmark
        assert len(hits(site, path)) == before  # not read
    assert answer.get_json()["metadata"]["title"] == "Kept"
    unread = reader.get(
        "/api/bookmarks/check/", query_string={"url": f"{site.url}/article", "read_page": "false"}
    ).get_json()
    assert unread["metadata"] == {"url": f"{site.url}/article", **EMPTY}
    refused = reader.get(
        "/api/bookmarks/check/", query_string={"url": f"{site.url}/x", "read_page": "maybe"}
    )
    assert refused.status_code == 400
    assert "read_page" in refused.get_json()


@pytest.mark.parametrize("path", ["/pdf", "/gone", "/slow"])
def test_a_page_that_cannot_be_read_gives_empty_metadata_in_time(reader, site, path):
    site.status_for["/gone"] = 404
    url = f"{site.url}{path}"
    started = time.monotonic()
    answer = reader.get("/api/bookmarks/check/", query_string={"url": url})
    assert answer.status_code == 200
    assert answer.get_json()["metadata"] == {"url": url, **EMPTY}
    assert time.monotonic() - started < 1.9  # the slow page takes 2 s; the limit is 0.5 s


def test_check_never_fetches_inside_the_network_by_default(ann, site):
    """The default policy: loopback, private and link-local addresses are refused."""
    for url in (
        f"{site.url}/internal",
        f"http://localhost:{site.port}/internal",
        "http://169.254.169.254/latest/meta-data/",
        "file:///etc/passwd",
    ):
        answer = ann.get("/api/bookmarks/check/", query_string={"url": url})
        assert answer.status_code == 200, answer.get_json()
        assert answer.get_json()["metadata"] == {"url": url, **EMPTY}
    assert hits(site, "/internal") == []


RULES = """# my rules
youtube.com video
reddit.com/r/python python reddit
example.org/search?lang=en english
example.org/search?lang french  # any value of lang
"""


def test_auto_tags_in_check_and_on_every_tag_change(ann):
    saved = ann.patch("/api/user/profile/", json={"auto_tagging_rules": RULES})
    assert saved.status_code == 200 and saved.get_json()["auto_tagging_rules"] == RULES
    check = ann.get(
        "/api/bookmarks/check/", query_string={"url": "https://www.youtube.com/watch?v=1"}
    ).get_json()
    assert check["auto_tags"] == ["video"]

    made = ann.add("https://www.reddit.com/r/python/top", tag_names=["mine"])
    assert made["tag_names"] == ["mine", "python", "reddit"]
    moved = ann.patch(
        f"/api/bookmarks/{made['id']}/", json={"url": "https://youtube.com/watch?v=2"}
    ).get_json()
    assert moved["tag_names"] == ["mine", "python", "reddit", "video"]
    retagged = ann.patch(f"/api/bookmarks/{made['id']}/", json={"tag_names": ["other"]})
    assert retagged.get_json()["tag_names"] == ["other", "video"]
    plain = ann.patch(f"/api/bookmarks/{made['id']}/", json={"title": "t"}).get_json()
    assert plain["tag_names"] == ["other", "video"]


def test_another_users_rules_do_not_apply(ann, bob):
    ann.patch("/api/user/profile/", json={"auto_tagging_rules": "example.com ann-only"})
    assert bob.add("https://example.com/x")["tag_names"] == []
    assert bob.get("/api/bookmarks/check/?url=https://example.com/y").get_json()["auto_tags"] == []


def test_rules_too_long_are_refused_naming_the_field(ann):
    answer = ann.patch("/api/user/profile/", json={"auto_tagging_rules": "a b\n" * 3000})
    assert answer.status_code == 400
    assert list(answer.get_json()) == ["auto_tagging_rules"]


@pytest.mark.parametrize(
    ("url", "tags"),
    [
        ("https://youtube.com/", ["video"]),
        ("https://m.youtube.com/watch", ["video"]),
        ("https://notyoutube.com/", []),  # labels, not characters
        ("https://YouTube.COM/x", ["video"]),
        ("https://reddit.com/r/python", ["python", "reddit"]),
        ("https://reddit.com/r/rust", []),
        ("https://example.org/search?q=x&lang=en", ["english", "french"]),
        ("https://example.org/search?lang=de", ["french"]),
        ("https://example.org/search", []),
        ("https://example.org/other?lang=en", []),
        ("not a url", []),
        ("https://[::1", []),
    ],
)
def test_which_rules_match_which_urls(url, tags):
    assert tags_for(RULES, url) == tags

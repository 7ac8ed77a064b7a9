"""linkding's bookmarks API, behaviour by behaviour."""

import re
from datetime import UTC, datetime, timedelta

import pytest

ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
LINKDING_FIELDS = {
    "id",
    "url",
    "title",
    "description",
    "notes",
    "web_archive_snapshot_url",
    "favicon_url",
    "preview_image_url",
    "is_archived",
    "unread",
    "shared",
    "tag_names",
    "date_added",
    "date_modified",
    "website_title",
    "website_description",
}
FIELDS = LINKDING_FIELDS | {"is_broken"}  # every field of linkding's, and one of Shelf's


def test_create_answers_201_with_linkding_fields(ann):
    response = ann.post(
        "/api/bookmarks/",
        json={
            "url": "https://example.com/page",
            "title": "Example",
            "description": "A page",
            "notes": "*mine*",
            "unread": True,
            "tag_names": ["Python", "web dev", "python"],
        },
    )
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == FIELDS
    assert body["url"] == "https://example.com/page"
    assert (body["title"], body["description"], body["notes"]) == ("Example", "A page", "*mine*")
    assert body["unread"] is True and body["shared"] is False and body["is_archived"] is False
    # names split on spaces, one per name whatever the case, sorted case-insensitively
    assert body["tag_names"] == ["dev", "Python", "web"]
    assert ISO_Z.match(body["date_added"]) and ISO_Z.match(body["date_modified"])
    assert body["website_title"] is None and body["website_description"] is None
    assert body["favicon_url"] is None and body["preview_image_url"] is None
    assert body["is_broken"] is False
    stamp = datetime.fromisoformat(body["date_added"].replace("Z", "+00:00"))
    assert body["web_archive_snapshot_url"] == (
        f"https://web.archive.org/web/{stamp:%Y%m%d%H%M%S}/https://example.com/page"
    )


def test_create_with_a_url_the_owner_has_updates_that_bookmark(ann):
    first = ann.add("https://example.com/page", title="Old", tag_names=["a"])
    response = ann.post(
        "/api/bookmarks/",
        json={"url": "https://EXAMPLE.com/page#top", "title": "New", "tag_names": ["b"]},
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["id"] == first["id"]
    assert (body["title"], body["tag_names"]) == ("New", ["b"])
    assert ann.get("/api/bookmarks/").get_json()["count"] == 1


def test_create_accepts_date_added(ann):
    body = ann.add("https://example.com/", date_added="2020-09-26T09:46:23.006313Z")
    assert body["date_added"] == "2020-09-26T09:46:23.006313Z"


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({}, "url", "This field is required."),
        ({"url": ""}, "url", "This field may not be blank."),
        ({"url": "ftp://example.com/"}, "url", "Enter a valid URL."),
        ({"url": "not a url"}, "url", "Enter a valid URL."),
        (
            {"url": "https://example.com/" + "a" * 2048},
            "url",
            "Ensure this field has no more than 2048 characters.",
        ),
        (
            {"url": "https://example.com/", "title": "t" * 513},
            "title",
            "Ensure this field has no more than 512 characters.",
        ),
        (
            {"url": "https://example.com/", "unread": "perhaps"},
            "unread",
            "Must be a valid boolean.",
        ),
        ({"url": "https://example.com/", "tag_names": "python"}, "tag_names", "Not a valid list."),
        ({"url": None}, "url", "This field may not be null."),
    ],
)
def test_invalid_bookmarks_are_400_naming_the_field(ann, payload, field, message):
    response = ann.post("/api/bookmarks/", json=payload)
    assert response.status_code == 400
    assert response.get_json() == {field: [message]}


def test_read_only_and_unknown_fields_are_ignored(ann):
    body = ann.add("https://example.com/", id=999, website_title="x", favicon_url="x", whatever=1)
    assert body["id"] != 999 and body["website_title"] is None and body["favicon_url"] is None


def test_get_one(ann):
    created = ann.add("https://example.com/")
    response = ann.get(f"/api/bookmarks/{created['id']}/")
    assert response.status_code == 200
    assert response.get_json() == created


def test_another_users_bookmark_is_404_everywhere(ann, bob):
    mine = ann.add("https://example.com/ann", shared=True)["id"]
    for method, path in [
        ("get", f"/api/bookmarks/{mine}/"),
        ("put", f"/api/bookmarks/{mine}/"),
        ("patch", f"/api/bookmarks/{mine}/"),
        ("delete", f"/api/bookmarks/{mine}/"),
        ("post", f"/api/bookmarks/{mine}/archive/"),
        ("post", f"/api/bookmarks/{mine}/unarchive/"),
    ]:
        response = getattr(bob, method)(path, json={"url": "https://example.com/bob"})
        assert response.status_code == 404, (method, path)
        assert response.get_json() == {"detail": "Not found."}
    assert bob.get("/api/bookmarks/").get_json()["count"] == 0
    assert ann.get(f"/api/bookmarks/{mine}/").get_json()["url"] == "https://example.com/ann"


def test_unknown_bookmark_is_404(ann):
    assert ann.get("/api/bookmarks/12345/").status_code == 404


def test_patch_changes_only_what_is_sent(ann):
    created = ann.add("https://example.com/", title="T", description="D", tag_names=["a"])
    response = ann.patch(f"/api/bookmarks/{created['id']}/", json={"title": "T2"})
    assert response.status_code == 200
    body = response.get_json()
    assert (body["title"], body["description"], body["tag_names"]) == ("T2", "D", ["a"])
    assert body["date_modified"] > created["date_modified"]


def test_put_needs_the_url_and_keeps_fields_not_sent(ann):
    created = ann.add("https://example.com/", title="T", notes="N")
    missing = ann.put(f"/api/bookmarks/{created['id']}/", json={"title": "x"})
    assert missing.status_code == 400
    assert missing.get_json() == {"url": ["This field is required."]}
    response = ann.put(
        f"/api/bookmarks/{created['id']}/", json={"url": "https://example.org/", "tag_names": []}
    )
    body = response.get_json()
    assert (body["url"], body["title"], body["notes"], body["tag_names"]) == (
        "https://example.org/",
        "T",
        "N",
        [],
    )


def test_changing_the_url_to_one_the_owner_has_is_400(ann):
    ann.add("https://example.com/a")
    other = ann.add("https://example.com/b")
    response = ann.patch(f"/api/bookmarks/{other['id']}/", json={"url": "https://example.com/a"})
    assert response.status_code == 400
    assert response.get_json() == {"url": ["A bookmark with this URL already exists."]}


def test_delete_is_204_and_gone(ann):
    created = ann.add("https://example.com/")
    response = ann.delete(f"/api/bookmarks/{created['id']}/")
    assert response.status_code == 204 and response.data == b""
    assert ann.get(f"/api/bookmarks/{created['id']}/").status_code == 404


def test_archive_and_unarchive(ann):
    created = ann.add("https://example.com/")
    response = ann.post(f"/api/bookmarks/{created['id']}/archive/")
    assert response.status_code == 204
    assert ann.get("/api/bookmarks/").get_json()["count"] == 0
    archived = ann.get("/api/bookmarks/archived/").get_json()
    assert [b["id"] for b in archived["results"]] == [created["id"]]
    assert archived["results"][0]["is_archived"] is True
    assert ann.post(f"/api/bookmarks/{created['id']}/unarchive/").status_code == 204
    assert ann.get("/api/bookmarks/archived/").get_json()["count"] == 0
    assert ann.get("/api/bookmarks/").get_json()["count"] == 1


def test_the_list_envelope_and_absolute_page_links(ann):
    for n in range(5):
        ann.add(f"https://example.com/{n}", date_added=f"2024-01-0{n + 1}T00:00:00Z")
    first = ann.get("/api/bookmarks/?limit=2&q=example").get_json()
    assert first["count"] == 5 and first["previous"] is None
    assert [b["url"] for b in first["results"]] == [
        "https://example.com/4",
        "https://example.com/3",
    ]
    assert first["next"] == "http://localhost/api/bookmarks/?limit=2&offset=2&q=example"
    second = ann.get(first["next"]).get_json()
    assert [b["url"] for b in second["results"]] == [
        "https://example.com/2",
        "https://example.com/1",
    ]
    assert second["previous"] == "http://localhost/api/bookmarks/?limit=2&q=example"
    third = ann.get(second["next"]).get_json()
    assert [b["url"] for b in third["results"]] == ["https://example.com/0"]
    assert third["next"] is None
    assert third["previous"] == "http://localhost/api/bookmarks/?limit=2&offset=2&q=example"


def test_the_count_is_the_same_on_every_page_and_past_the_last(ann):
    """The last page, not full, gives its count without a count query: the same figure."""
    for n in range(5):
        ann.add(f"https://example.com/{n}")
    for query, shown in (
        ("limit=2", 2),
        ("limit=2&offset=4", 1),
        ("limit=10", 5),
        ("limit=2&offset=9", 0),
        ("limit=5", 5),
    ):
        page = ann.get(f"/api/bookmarks/?{query}").get_json()
        assert (page["count"], len(page["results"])) == (5, shown), query
    assert ann.get("/api/bookmarks/?q=nowhere").get_json()["count"] == 0


def test_the_default_page_is_100(ann):
    for n in range(101):
        ann.add(f"https://example.com/{n}")
    page = ann.get("/api/bookmarks/").get_json()
    assert len(page["results"]) == 100
    assert page["next"] == "http://localhost/api/bookmarks/?limit=100&offset=100"


@pytest.mark.parametrize(
    "query", ["sort=sideways", "unread=maybe", "added_since=yesterday", f"offset={2**70}"]
)
def test_bad_list_parameters_are_400(ann, query):
    response = ann.get(f"/api/bookmarks/?{query}")
    assert response.status_code == 400
    assert list(response.get_json()) == [query.split("=")[0]]


@pytest.mark.parametrize(
    "query, limit, offset",
    [
        ("limit=0", 100, 0),
        ("limit=-3", 100, 0),
        ("limit=x", 100, 0),
        ("limit=", 100, 0),
        ("offset=-1", 100, 0),
        ("offset=x", 100, 0),
        ("limit=2&offset=-5", 2, 0),
        ("limit=2&offset=1", 2, 1),
    ],
)
def test_paging_numbers_linkding_would_ignore_mean_the_defaults(ann, query, limit, offset):
    """linkding's paging takes a limit that is not a positive number, or an offset that is not
    one from 0, as if it were not given; its clients may send them, and get a page."""
    urls = [ann.add(f"https://example.com/page/{n}")["url"] for n in range(3)]
    for path in ("/api/bookmarks/", "/api/tags/", "/api/bundles/"):
        response = ann.get(f"{path}?{query}")
        assert response.status_code == 200, (path, response.get_json())
    page = ann.get(f"/api/bookmarks/?{query}").get_json()
    assert [b["url"] for b in page["results"]] == urls[::-1][offset : offset + limit]


def test_sorting(ann):
    ann.add("https://example.com/b", title="banana", date_added="2024-01-02T00:00:00Z")
    ann.add("https://example.com/a", title="Apple", date_added="2024-01-03T00:00:00Z")
    ann.add("https://example.com/c", title="", date_added="2024-01-01T00:00:00Z")
    ann.patch(f"/api/bookmarks/{ann.add('https://example.com/b')['id']}/", json={"notes": "x"})

    def order(sort):
        page = ann.get(f"/api/bookmarks/?sort={sort}").get_json()
        return [b["url"][-1] for b in page["results"]]

    assert order("added_desc") == ["a", "b", "c"]
    assert order("added_asc") == ["c", "b", "a"]
    assert order("title_asc") == ["a", "b", "c"]  # an empty title sorts by its URL
    assert order("title_desc") == ["c", "b", "a"]
    assert order("modified_desc")[0] == "b"
    assert order("modified_asc")[-1] == "b"


def test_unread_and_shared_filters(ann):
    ann.add("https://example.com/unread", unread=True)
    ann.add("https://example.com/shared", shared=True)
    ann.add("https://example.com/plain")

    def urls(query):
        return sorted(
            b["url"].rsplit("/", 1)[1]
            for b in ann.get(f"/api/bookmarks/?{query}").get_json()["results"]
        )

    assert urls("unread=yes") == ["unread"]
    assert urls("unread=no") == ["plain", "shared"]
    assert urls("shared=yes") == ["shared"]
    assert urls("shared=no") == ["plain", "unread"]
    assert urls("unread=off&shared=off") == ["plain", "shared", "unread"]


def test_added_and_modified_since_are_strictly_after(ann):
    old = ann.add(
        "https://example.com/old",
        date_added="2024-01-01T00:00:00Z",
        date_modified="2024-01-01T00:00:00Z",
    )
    ann.add(
        "https://example.com/new",
        date_added="2024-06-01T00:00:00Z",
        date_modified="2024-06-01T00:00:00Z",
    )
    page = ann.get("/api/bookmarks/?added_since=2024-01-01T00:00:00Z").get_json()
    assert [b["url"] for b in page["results"]] == ["https://example.com/new"]
    page = ann.get("/api/bookmarks/?modified_since=2023-12-31T23:59:59Z").get_json()
    assert page["count"] == 2
    ann.patch(f"/api/bookmarks/{old['id']}/", json={"title": "touched"})
    since = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    page = ann.get("/api/bookmarks/", query_string={"modified_since": since}).get_json()
    assert [b["url"] for b in page["results"]] == ["https://example.com/old"]


def test_check_a_url(ann):  # (reading the page: test_check.py)
    unknown = ann.get("/api/bookmarks/check/?url=https://example.invalid/new")
    assert unknown.status_code == 200
    assert unknown.get_json() == {
        "bookmark": None,
        "auto_tags": [],
        "metadata": {
            "url": "https://example.invalid/new",
            "title": None,
            "description": None,
            "preview_image": None,
        },
    }
    created = ann.add("https://example.com/page", title="Mine", description="About")
    known = ann.get("/api/bookmarks/check/?url=https://example.com/page#x").get_json()
    assert known["bookmark"] == created
    assert known["metadata"]["title"] == "Mine"
    missing = ann.get("/api/bookmarks/check/")
    assert missing.status_code == 400
    assert missing.get_json() == {"url": ["This field is required."]}


def test_wrong_method_is_405_in_linkding_shape(ann):
    response = ann.delete("/api/bookmarks/")
    assert response.status_code == 405
    assert response.get_json() == {"detail": 'Method "DELETE" not allowed.'}


def test_a_url_without_its_trailing_slash_redirects(ann):
    response = ann.get("/api/bookmarks")
    assert response.status_code in (301, 308)
    assert response.headers["Location"].endswith("/api/bookmarks/")


@pytest.mark.parametrize(
    "path",
    [
        "/api/bookmarks/0/",
        "/api/bookmarks/99999999999999999999/",
        "/api/tags/2147483648/",
        "/api/bundles/-1/",
    ],
)
def test_ids_out_of_range_are_404_not_errors(ann, path):
    response = ann.get(path)
    assert response.status_code == 404
    assert response.get_json() == {"detail": "Not found."}


@pytest.mark.parametrize(
    "query",
    ["offset=99999999999999999999", "limit=99999999999999999999", "bundle=99999999999999999999"],
)
def test_huge_numbers_in_parameters_are_400(ann, query):
    assert ann.get(f"/api/bookmarks/?{query}").status_code == 400


def test_null_characters_are_refused_as_drf_does(ann):
    response = ann.post(
        "/api/bookmarks/",
        json={"url": "https://example.com/", "title": "a\x00b", "tag_names": ["x\x00"]},
    )
    assert response.status_code == 400
    assert response.get_json() == {
        "title": ["Null characters are not allowed."],
        "tag_names": ["Null characters are not allowed."],
    }
    assert ann.get("/api/bookmarks/", query_string={"q": "a\x00"}).status_code == 400


def test_deeply_nested_searches_are_400_not_a_crash(ann):
    response = ann.get("/api/bookmarks/", query_string={"q": "(" * 500 + "a" + ")" * 500})
    assert response.status_code == 400
    assert "Nested more than 50 deep" in response.get_json()["q"][0]
    response = ann.get("/api/bookmarks/", query_string={"q": "not " * 60 + "a"})
    assert response.status_code == 400


def test_a_concurrent_create_of_the_same_url_updates_instead_of_failing(ann, database, monkeypatch):
    from shelf_api import bookmarks
    from shelf_api.models import Bookmark

    real = bookmarks.find_by_url
    raced = []

    def find_after_another_request_won(session, owner_id, url):
        if not raced:  # another request saves the same page between our check and insert
            raced.append(True)
            with database.transaction() as other:
                other.add(Bookmark(owner_id=owner_id, url=url, title="theirs"))
            return None
        return real(session, owner_id, url)

    monkeypatch.setattr(bookmarks, "find_by_url", find_after_another_request_won)
    response = ann.post("/api/bookmarks/", json={"url": "https://example.com/", "notes": "ours"})
    assert response.status_code == 201
    body = response.get_json()
    assert (body["title"], body["notes"]) == ("theirs", "ours")
    assert ann.get("/api/bookmarks/").get_json()["count"] == 1


def test_page_links_name_the_address_the_client_used_behind_a_proxy(database_url, auth_service):
    from conftest import User, make_app, nowhere

    app = make_app(database_url, auth_service.url, nowhere(), SHELF_API_TRUST_PROXY=True)
    try:
        ann = User(app.test_client(), auth_service, 1, "ann")
        for n in range(2):
            ann.add(f"https://example.com/{n}")
        page = ann.get(
            "/api/bookmarks/?limit=1",
            headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "shelf.example.org"},
        ).get_json()
        assert page["next"] == "https://shelf.example.org/api/bookmarks/?limit=1&offset=1"
    finally:
        app.extensions["shelf_db"].dispose()

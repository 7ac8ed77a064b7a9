"""The service-only surface tasks uses: /v1/internal/..."""

import pytest


@pytest.fixture
def tasks(client, auth_service):
    """tasks calling api with its service token."""

    class Tasks:
        headers = {"Authorization": f"Bearer {auth_service.service_token('tasks')}"}

        def __getattr__(self, method):
            call = getattr(client, method)
            return lambda *args, **kwargs: call(*args, headers=self.headers, **kwargs)

    return Tasks()


def test_paging_through_every_owners_bookmarks(ann, bob, tasks):
    ids = [ann.add(f"https://example.com/{n}", tag_names=["t"])["id"] for n in range(3)]
    ids.append(bob.add("https://example.com/bob")["id"])
    first = tasks.get("/v1/internal/bookmarks?limit=3").get_json()
    assert [b["id"] for b in first["results"]] == ids[:3]
    assert first["next_after_id"] == ids[2]
    assert {"owner_id", "tag_names", "is_broken", "last_checked_at", "url"} <= set(
        first["results"][0]
    )
    assert first["results"][0]["owner_id"] == ann.id
    rest = tasks.get(f"/v1/internal/bookmarks?limit=3&after_id={ids[2]}").get_json()
    assert [b["id"] for b in rest["results"]] == ids[3:]
    assert rest["next_after_id"] is None
    only_bob = tasks.get(f"/v1/internal/bookmarks?owner_id={bob.id}").get_json()
    assert [b["owner_id"] for b in only_bob["results"]] == [bob.id]
    assert tasks.get("/v1/internal/bookmarks?limit=501").status_code == 422


def test_one_bookmark_whoever_owns_it(ann, tasks):
    created = ann.add("https://example.com/")
    response = tasks.get(f"/v1/internal/bookmarks/{created['id']}")
    assert response.status_code == 200 and response.get_json()["url"] == created["url"]
    missing = tasks.get("/v1/internal/bookmarks/999")
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"


def test_metadata_fills_only_what_the_owner_left_empty(ann, tasks):
    empty = ann.add("https://example.com/empty")
    titled = ann.add("https://example.com/titled", title="Mine")
    metadata = {
        "title": "Page title",
        "description": "Page description",
        "favicon_url": "https://example.com/favicon.ico",
        "preview_image_url": "https://example.com/p.png",
        "page_text": "words",
    }
    for bookmark in (empty, titled):
        response = tasks.patch(
            f"/v1/internal/bookmarks/{bookmark['id']}/metadata",
            json={**metadata, "url": bookmark["url"]},
        )
        assert response.status_code == 200
    filled = ann.get(f"/api/bookmarks/{empty['id']}/").get_json()
    assert (filled["title"], filled["description"]) == ("Page title", "Page description")
    assert filled["favicon_url"] == "https://example.com/favicon.ico"
    assert filled["preview_image_url"] == "https://example.com/p.png"
    assert filled["date_modified"] == empty["date_modified"]  # not the owner's edit
    kept = ann.get(f"/api/bookmarks/{titled['id']}/").get_json()
    assert (kept["title"], kept["description"]) == ("Mine", "Page description")


def test_metadata_for_a_url_the_bookmark_no_longer_has_is_409(ann, tasks):
    created = ann.add("https://example.com/old")
    ann.patch(f"/api/bookmarks/{created['id']}/", json={"url": "https://example.com/new"})
    response = tasks.patch(
        f"/v1/internal/bookmarks/{created['id']}/metadata",
        json={"title": "Old page", "url": "https://example.com/old"},
    )
    assert response.status_code == 409
    assert ann.get(f"/api/bookmarks/{created['id']}/").get_json()["title"] == ""


def test_link_checks_mark_broken_after_two_failures_in_a_row(ann, tasks):
    created = ann.add("https://example.com/")
    path = f"/v1/internal/bookmarks/{created['id']}/link-check"
    failed = {"ok": False, "status": 404, "error": None}
    assert tasks.post(path, json=failed).get_json() == {"is_broken": False}
    assert tasks.post(path, json={"ok": True, "status": 200, "error": None}).get_json() == {
        "is_broken": False
    }
    assert tasks.post(path, json=failed).get_json() == {"is_broken": False}
    assert tasks.post(path, json=failed).get_json() == {"is_broken": True}
    shown = tasks.get(f"/v1/internal/bookmarks/{created['id']}").get_json()
    assert shown["is_broken"] is True and shown["last_checked_at"].endswith("Z")
    assert tasks.post(path, json={"ok": True, "status": 200}).get_json() == {"is_broken": False}


def test_owners_and_their_exports(ann, bob, tasks):
    ann.add("https://example.com/ann", title="Ann's")
    bob.add("https://example.com/bob")
    assert tasks.get("/v1/internal/users").get_json() == {"owner_ids": [ann.id, bob.id]}
    export = tasks.get(f"/v1/internal/users/{ann.id}/export?format=json")
    assert export.status_code == 200
    assert [b["url"] for b in export.get_json()] == ["https://example.com/ann"]
    html = tasks.get(f"/v1/internal/users/{ann.id}/export")
    assert html.mimetype == "text/html" and b"Ann&#x27;s" in html.data

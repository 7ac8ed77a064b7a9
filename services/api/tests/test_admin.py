"""/v1/admin/...: administrators read everyone's bookmarks; nobody else may."""

import pytest

from conftest import User


@pytest.fixture
def root(client, auth_service):
    user = User(client, auth_service, 9, "root")
    user.headers = {"Authorization": f"Bearer {auth_service.user_token(9, 'root', True)}"}
    return user


@pytest.fixture
def world(ann, bob):
    """ann's and bob's bookmarks, one of bob's broken, one of ann's archived."""
    ann.add("https://ann.example/python", title="Python notes", tag_names=["python"])
    archived = ann.add("https://ann.example/old", title="Old")
    ann.post(f"/api/bookmarks/{archived['id']}/archive/")
    broken = bob.add("https://bob.example/gone", title="Gone")
    bob.add("https://bob.example/python", title="Bob's python")
    return {"broken": broken}


def mark_broken(client, auth_service, bookmark_id):
    headers = {"Authorization": f"Bearer {auth_service.service_token('tasks')}"}
    for _ in range(2):  # two failed checks in a row
        answer = client.post(
            f"/v1/internal/bookmarks/{bookmark_id}/link-check",
            headers=headers,
            json={"ok": False, "status": 404, "error": "answered 404"},
        )
        assert answer.status_code == 200


def test_an_admin_lists_everyones_bookmarks_with_their_owners(root, world):
    page = root.get("/v1/admin/bookmarks").get_json()
    assert page["count"] == 4 and page["next"] is None
    assert [(b["owner"], b["title"]) for b in page["results"]] == [
        ("bob", "Bob's python"),
        ("bob", "Gone"),
        ("ann", "Old"),
        ("ann", "Python notes"),
    ]
    assert {b["owner_id"] for b in page["results"]} == {1, 2}


def test_the_admin_list_filters_searches_and_pages(root, world, client, auth_service):
    mark_broken(client, auth_service, world["broken"]["id"])

    def titles(**query):
        answer = root.get("/v1/admin/bookmarks", query_string=query).get_json()
        return [b["title"] for b in answer["results"]]

    assert titles(owner="ann") == ["Old", "Python notes"]
    assert titles(q="python") == ["Bob's python", "Python notes"]
    assert titles(q="#python") == ["Python notes"]
    assert titles(broken="yes") == ["Gone"]
    assert titles(archived="yes") == ["Old"]
    assert titles(owner="nobody") == []
    first = root.get("/v1/admin/bookmarks?limit=3").get_json()
    assert first["count"] == 4 and "offset=3" in first["next"]
    bad = root.get("/v1/admin/bookmarks?broken=maybe")
    assert bad.status_code == 422 and list(bad.get_json()["errors"]) == ["broken"]


def test_broken_links_show_on_the_owners_bookmark_and_filter(bob, world, client, auth_service):
    mark_broken(client, auth_service, world["broken"]["id"])
    mine = bob.get(f"/api/bookmarks/{world['broken']['id']}/").get_json()
    assert mine["is_broken"] is True
    listed = bob.get("/api/bookmarks/?broken=yes").get_json()
    assert [b["title"] for b in listed["results"]] == ["Gone"]
    assert [b["title"] for b in bob.get("/api/bookmarks/?broken=no").get_json()["results"]] == [
        "Bob's python"
    ]


def test_stats_count_everyones_bookmarks(root, world, client, auth_service):
    mark_broken(client, auth_service, world["broken"]["id"])
    stats = root.get("/v1/admin/stats").get_json()
    assert {
        key: stats[key]
        for key in ("bookmarks", "archived", "unread", "shared", "broken", "checked", "owners")
    } == {
        "bookmarks": 4,
        "archived": 1,
        "unread": 0,
        "shared": 0,
        "broken": 1,
        "checked": 1,
        "owners": 2,
    }
    assert stats["last_checked_at"].endswith("Z")


def test_stats_of_an_empty_shelf(root):
    assert root.get("/v1/admin/stats").get_json() == {
        "bookmarks": 0,
        "archived": 0,
        "unread": 0,
        "shared": 0,
        "broken": 0,
        "broken_archived": 0,
        "checked": 0,
        "owners": 0,
        "last_checked_at": None,
    }


def test_broken_counts_what_the_users_broken_views_list_archived_ones_too(
    root, ann, bob, world, client, auth_service
):
    mark_broken(client, auth_service, world["broken"]["id"])
    old = ann.get("/api/bookmarks/archived/").get_json()["results"][0]
    mark_broken(client, auth_service, old["id"])  # archived, then found broken
    listed = sum(
        user.get(path, query_string={"broken": "yes"}).get_json()["count"]
        for user in (ann, bob)
        for path in ("/api/bookmarks/", "/api/bookmarks/archived/")
    )
    stats = root.get("/v1/admin/stats").get_json()
    assert listed == 2
    assert (stats["broken"], stats["broken_archived"]) == (2, 1)


@pytest.mark.parametrize("path", ["/v1/admin/bookmarks", "/v1/admin/stats"])
def test_only_administrators_may(path, ann, client, auth_service, world):
    assert ann.get(path).status_code == 403
    service = {"Authorization": f"Bearer {auth_service.service_token('tasks')}"}
    assert client.get(path, headers=service).status_code == 403
    anonymous = client.get(path)
    assert anonymous.status_code == 401
    assert "bob.example" not in ann.get(path).get_data(as_text=True)

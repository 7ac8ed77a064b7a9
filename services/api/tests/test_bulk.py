"""POST /v1/bookmarks/bulk: one action on many of the caller's bookmarks, by ids or by query."""

import io
import os

import pytest
from test_admin import mark_broken


def bulk(user, **body):
    return user.post("/v1/bookmarks/bulk", json=body)


def listed(user, path="/api/bookmarks/", **query):
    return user.get(path, query_string={"limit": 1000, **query}).get_json()["results"]


@pytest.fixture
def three(ann):
    return [
        ann.add(f"https://a.example/{n}", title=f"bm{n}", tag_names=["keep"])["id"]
        for n in range(3)
    ]


@pytest.mark.parametrize(
    "action, field, value",
    [("archive", "is_archived", True), ("mark_unread", "unread", True), ("share", "shared", True)],
)
def test_a_flag_changes_on_the_chosen_bookmarks_only(ann, three, action, field, value):
    before = {b["id"]: b["date_modified"] for b in listed(ann)}
    answer = bulk(ann, action=action, ids=three[:2])
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json() == {"action": action, "affected": 2, "missing": []}
    bookmarks = {i: ann.get(f"/api/bookmarks/{i}/").get_json() for i in three}
    assert [bookmarks[i][field] for i in three] == [value, value, not value]
    assert bookmarks[three[0]]["date_modified"] > before[three[0]]
    assert bookmarks[three[2]]["date_modified"] == before[three[2]]


def test_the_opposite_flags_undo_them(ann, three):
    for action in ("archive", "mark_unread", "share"):
        bulk(ann, action=action, ids=three)
    for action in ("unarchive", "mark_read", "unshare"):
        assert bulk(ann, action=action, ids=three).get_json()["affected"] == 3
    assert all(not (b["is_archived"] or b["unread"] or b["shared"]) for b in listed(ann))


def test_deleting_ids_lists_the_ones_that_were_not_the_callers(ann, bob, three):
    bobs = bob.add("https://b.example/1", title="bob's")["id"]
    answer = bulk(ann, action="delete", ids=[three[0], 987654, bobs, three[1], three[0]])
    assert answer.status_code == 200
    assert answer.get_json() == {"action": "delete", "affected": 2, "missing": [987654, bobs]}
    assert [b["id"] for b in listed(ann)] == [three[2]]
    assert bob.get(f"/api/bookmarks/{bobs}/").status_code == 200
    again = bulk(ann, action="delete", ids=[three[0]]).get_json()
    assert again == {"action": "delete", "affected": 0, "missing": [three[0]]}


def test_deleting_removes_the_bookmarks_files(ann, app, three):
    upload = ann.post(
        f"/api/bookmarks/{three[0]}/assets/upload/",
        data={"file": (io.BytesIO(b"kept"), "a.txt")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 201
    folder = app.config["SHELF_API_ASSETS_DIR"]
    assert os.listdir(folder)
    assert bulk(ann, action="delete", ids=[three[0]]).status_code == 200
    assert os.listdir(folder) == []


def test_tagging_adds_once_and_untagging_removes(ann, three):
    answer = bulk(ann, action="tag", ids=three[:2], tag_names=["new", "KEEP", "two words"])
    assert answer.status_code == 200, answer.get_json()
    tags = {b["id"]: b["tag_names"] for b in listed(ann)}
    assert tags[three[0]] == ["keep", "new", "two", "words"]
    assert tags[three[2]] == ["keep"]
    assert [b["id"] for b in listed(ann, q="#new")] == [three[1], three[0]]
    assert bulk(ann, action="untag", ids=three, tag_names=["keep", "never-had"]).status_code == 200
    tags = {b["id"]: b["tag_names"] for b in listed(ann)}
    assert tags == {
        three[0]: ["new", "two", "words"],
        three[1]: ["new", "two", "words"],
        three[2]: [],
    }


def test_tagging_past_the_limit_is_refused_whole(ann):
    full = ann.add("https://a.example/full", tag_names=[f"t{n}" for n in range(100)])["id"]
    roomy = ann.add("https://a.example/roomy")["id"]
    answer = bulk(ann, action="tag", ids=[roomy, full], tag_names=["extra"])
    assert answer.status_code == 400 and list(answer.get_json()["errors"]) == ["tag_names"]
    assert ann.get(f"/api/bookmarks/{roomy}/").get_json()["tag_names"] == []
    assert bulk(ann, action="tag", ids=[full], tag_names=["t5"]).status_code == 200


def test_a_query_acts_on_everything_the_view_lists_over_many_pages(ann, bob):
    for n in range(230):
        ann.post(
            "/api/bookmarks/",
            json={"url": f"https://a.example/p/{n}", "title": f"paged {n}", "unread": n % 2 == 0},
        )
    ann.add("https://a.example/other", title="other", unread=True)
    bob.add("https://b.example/paged", title="paged by bob", unread=True)
    answer = bulk(ann, action="archive", query={"view": "unread", "q": "paged"}, expected_count=115)
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json() == {"action": "archive", "affected": 115, "missing": []}
    archived = ann.get("/api/bookmarks/archived/?limit=1").get_json()
    assert archived["count"] == 115
    assert ann.get("/api/bookmarks/?unread=yes").get_json()["count"] == 1  # "other"
    assert bob.get("/api/bookmarks/").get_json()["count"] == 1


def test_a_query_whose_count_changed_is_409_and_changes_nothing(ann, three):
    answer = bulk(ann, action="delete", query={"view": "all"}, expected_count=2)
    assert answer.status_code == 409
    assert answer.mimetype == "application/problem+json"
    assert answer.get_json()["count"] == 3
    assert len(listed(ann)) == 3
    assert (
        bulk(ann, action="delete", query={"view": "all", "q": ""}, expected_count=3).get_json()[
            "affected"
        ]
        == 3
    )
    assert listed(ann) == []


def test_query_views_and_bundles(ann, client, auth_service, three):
    bulk(ann, action="archive", ids=[three[0]])
    bulk(ann, action="share", ids=[three[1]])
    mark_broken(client, auth_service, three[0])  # archived and broken
    mark_broken(client, auth_service, three[2])
    bundle = ann.post("/api/bundles/", json={"name": "b", "search": "bm2"}).get_json()["id"]

    def count(**query):
        answer = bulk(ann, action="mark_read", query=query, expected_count=0)
        return answer.get_json()["count"] if answer.status_code == 409 else 0

    assert count(view="all") == 2
    assert count(view="archived") == 1
    assert count(view="shared") == 1
    assert count(view="broken") == 2  # the archived one too
    assert count(view="all", bundle=bundle) == 1
    assert count(view="unread") == 0


def test_other_users_bundles_and_bad_searches_are_400_naming_the_field(ann, bob, three):
    bundle = bob.post("/api/bundles/", json={"name": "bob's"}).get_json()["id"]
    answer = bulk(ann, action="archive", query={"view": "all", "bundle": bundle}, expected_count=3)
    assert answer.status_code == 400 and answer.get_json()["errors"] == {
        "query": {"bundle": ["Not found."]}
    }
    answer = bulk(ann, action="archive", query={"view": "all", "q": "(unclosed"}, expected_count=3)
    assert answer.status_code == 400 and list(answer.get_json()["errors"]["query"]) == ["q"]


@pytest.mark.parametrize(
    "body, fields",
    [
        ({"ids": [1]}, ["action"]),
        ({"action": "explode", "ids": [1]}, ["action"]),
        ({"action": "archive"}, ["ids"]),
        ({"action": "archive", "ids": [1], "query": {"view": "all"}, "expected_count": 1}, ["ids"]),
        ({"action": "archive", "ids": []}, ["ids"]),
        ({"action": "archive", "ids": list(range(1, 1002))}, ["ids"]),
        ({"action": "archive", "ids": ["x"]}, ["ids"]),
        ({"action": "archive", "query": {"view": "all"}}, ["expected_count"]),
        ({"action": "archive", "query": {"view": "nope"}, "expected_count": 0}, ["query"]),
        ({"action": "archive", "query": {"q": ""}, "expected_count": 0}, ["query"]),
        ({"action": "tag", "ids": [1]}, ["tag_names"]),
        ({"action": "untag", "ids": [1], "tag_names": []}, ["tag_names"]),
        ({"action": "tag", "ids": [1], "tag_names": ["x" * 65]}, ["tag_names"]),
        ({"action": "archive", "ids": [1], "colour": "red"}, ["colour"]),
    ],
)
def test_malformed_bodies_are_400_naming_the_field(ann, three, body, fields):
    answer = bulk(ann, **body)
    assert answer.status_code == 400, answer.get_json()
    assert answer.mimetype == "application/problem+json"
    assert sorted(answer.get_json()["errors"]) == fields
    assert len(listed(ann)) == 3 and not any(b["is_archived"] for b in listed(ann))


def test_no_credentials_and_services_are_refused(client, auth_service):
    assert (
        client.post("/v1/bookmarks/bulk", json={"action": "archive", "ids": [1]}).status_code == 401
    )
    service = {"Authorization": f"Bearer {auth_service.service_token('tasks')}"}
    assert (
        client.post(
            "/v1/bookmarks/bulk", json={"action": "archive", "ids": [1]}, headers=service
        ).status_code
        == 403
    )

"""/v1/tags: the caller's tags with counts, renamed, merged and deleted."""

import pytest


def tag_id(user, name):
    return next(
        tag["id"]
        for tag in user.get("/api/tags/?limit=1000").get_json()["results"]
        if tag["name"] == name
    )


def titles(user, q):
    found = user.get("/api/bookmarks/", query_string={"q": q}).get_json()["results"]
    archived = user.get("/api/bookmarks/archived/", query_string={"q": q}).get_json()["results"]
    return sorted(b["title"] for b in found + archived)


@pytest.fixture
def shelf(ann, bob):
    """ann: python on three bookmarks (one archived), web on two, rust on none; bob's python."""
    ann.add("https://a.example/1", title="one", tag_names=["python", "web"])
    ann.add("https://a.example/2", title="two", tag_names=["python"])
    old = ann.add("https://a.example/3", title="three", tag_names=["python", "web"])
    ann.post(f"/api/bookmarks/{old['id']}/archive/")
    ann.post("/api/tags/", json={"name": "rust"})
    bob.add("https://b.example/1", title="bob's", tag_names=["python", "bobs"])


def test_the_list_counts_each_tags_bookmarks_archived_ones_included(ann, shelf):
    page = ann.get("/v1/tags").get_json()
    assert page["count"] == 3 and page["next"] is None and page["previous"] is None
    assert [(t["name"], t["bookmark_count"]) for t in page["results"]] == [
        ("python", 3),
        ("rust", 0),
        ("web", 2),
    ]
    assert set(page["results"][0]) == {"id", "name", "date_added", "bookmark_count"}
    assert page["results"][0]["date_added"].endswith("Z")


def test_the_list_sorts_filters_and_pages(ann, shelf):
    def names(**query):
        return [t["name"] for t in ann.get("/v1/tags", query_string=query).get_json()["results"]]

    assert names(sort="-count") == ["python", "web", "rust"]
    assert names(sort="count") == ["rust", "web", "python"]
    assert names(sort="-name") == ["web", "rust", "python"]
    assert names(q="PYT") == ["python"]
    assert names(q="%") == []  # a substring, not a pattern
    first = ann.get("/v1/tags?limit=2").get_json()
    assert [t["name"] for t in first["results"]] == ["python", "rust"]
    assert "offset=2" in first["next"]
    assert [t["name"] for t in ann.get(first["next"]).get_json()["results"]] == ["web"]


@pytest.mark.parametrize(
    "query, field",
    [("limit=0", "limit"), ("limit=1001", "limit"), ("sort=size", "sort"), ("offset=-1", "offset")],
)
def test_a_bad_list_query_is_400_naming_the_field(ann, query, field):
    answer = ann.get(f"/v1/tags?{query}")
    assert answer.status_code == 400
    assert answer.mimetype == "application/problem+json"
    assert list(answer.get_json()["errors"]) == [field]


def test_one_tag_and_other_users_tags_are_404(ann, bob, shelf):
    python = tag_id(ann, "python")
    assert ann.get(f"/v1/tags/{python}").get_json()["bookmark_count"] == 3
    for answer in (
        bob.get(f"/v1/tags/{python}"),
        bob.patch(f"/v1/tags/{python}", json={"name": "mine"}),
        bob.delete(f"/v1/tags/{python}"),
        bob.post(f"/v1/tags/{tag_id(bob, 'bobs')}/merge", json={"into": python}),
        bob.post(f"/v1/tags/{python}/merge", json={"into": tag_id(bob, "bobs")}),
    ):
        assert answer.status_code == 404
        assert answer.mimetype == "application/problem+json"
    assert ann.get(f"/v1/tags/{python}").get_json()["name"] == "python"
    assert [t["name"] for t in bob.get("/v1/tags").get_json()["results"]] == ["bobs", "python"]


def test_no_credentials_and_services_are_refused(client, auth_service, shelf, ann):
    assert client.get("/v1/tags").status_code == 401
    service = {"Authorization": f"Bearer {auth_service.service_token('tasks')}"}
    assert client.get("/v1/tags", headers=service).status_code == 403


def test_renaming_keeps_the_tag_on_its_bookmarks_and_search_finds_the_new_name(ann, shelf):
    python = tag_id(ann, "python")
    before = ann.get("/api/bookmarks/?q=one").get_json()["results"][0]["date_modified"]
    answer = ann.patch(f"/v1/tags/{python}", json={"name": "py3"})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json() | {"date_added": None} == {
        "id": python,
        "name": "py3",
        "date_added": None,
        "bookmark_count": 3,
    }
    assert titles(ann, "#py3") == ["one", "three", "two"]
    assert titles(ann, "#python") == []
    after = ann.get("/api/bookmarks/?q=one").get_json()["results"][0]
    assert after["tag_names"] == ["py3", "web"] and after["date_modified"] > before


def test_a_change_of_case_is_a_rename(ann, shelf):
    python = tag_id(ann, "python")
    answer = ann.patch(f"/v1/tags/{python}", json={"name": "Python"})
    assert answer.status_code == 200 and answer.get_json()["name"] == "Python"


def test_renaming_to_another_tags_name_is_409_with_its_id_and_changes_nothing(ann, shelf):
    python, web = tag_id(ann, "python"), tag_id(ann, "web")
    answer = ann.patch(f"/v1/tags/{python}", json={"name": "WEB"})
    assert answer.status_code == 409
    assert answer.mimetype == "application/problem+json"
    assert answer.get_json()["existing_id"] == web
    assert ann.get(f"/v1/tags/{python}").get_json()["name"] == "python"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": "two words"}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 65}, "name"),
        ({}, "name"),
        ({"name": "bell\x07"}, "name"),
        ({"name": "ok", "colour": "red"}, "colour"),
    ],
)
def test_an_invalid_name_is_400_naming_the_field(ann, shelf, body, field):
    answer = ann.patch(f"/v1/tags/{tag_id(ann, 'python')}", json=body)
    assert answer.status_code == 400
    assert field in answer.get_json()["errors"]


def test_a_body_that_is_not_json_is_400(ann, shelf):
    answer = ann.patch(
        f"/v1/tags/{tag_id(ann, 'python')}", data="{", headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 400 and answer.mimetype == "application/problem+json"


def test_merging_moves_every_bookmark_once_and_deletes_the_tag(ann, shelf):
    web, python = tag_id(ann, "web"), tag_id(ann, "python")
    before = {
        b["title"]: b["date_modified"]
        for b in ann.get("/api/bookmarks/?q=%23web").get_json()["results"]
    }
    answer = ann.post(f"/v1/tags/{web}/merge", json={"into": python})
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["moved"] == 2  # both already had python too
    assert body["tag"]["id"] == python and body["tag"]["bookmark_count"] == 3
    assert ann.get(f"/v1/tags/{web}").status_code == 404
    assert titles(ann, "#web") == [] and titles(ann, "#python") == ["one", "three", "two"]
    one = ann.get("/api/bookmarks/?q=%23python").get_json()["results"]
    assert {b["title"]: b["tag_names"] for b in one} == {"one": ["python"], "two": ["python"]}
    assert next(b for b in one if b["title"] == "one")["date_modified"] > before["one"]


def test_merging_gives_the_target_to_bookmarks_without_it(ann, shelf):
    rust, web = tag_id(ann, "rust"), tag_id(ann, "web")
    ann.add("https://a.example/4", title="four", tag_names=["rust"])
    body = ann.post(f"/v1/tags/{rust}/merge", json={"into": web}).get_json()
    assert body["moved"] == 1 and body["tag"]["bookmark_count"] == 3
    assert titles(ann, "#web") == ["four", "one", "three"]


def test_merging_into_itself_or_nothing_is_refused(ann, shelf):
    python = tag_id(ann, "python")
    itself = ann.post(f"/v1/tags/{python}/merge", json={"into": python})
    assert itself.status_code == 400 and list(itself.get_json()["errors"]) == ["into"]
    for body in ({}, {"into": "x"}, {"into": 0}):
        answer = ann.post(f"/v1/tags/{python}/merge", json=body)
        assert answer.status_code == 400 and list(answer.get_json()["errors"]) == ["into"]
    assert ann.post(f"/v1/tags/{python}/merge", json={"into": 99999}).status_code == 404
    assert ann.get(f"/v1/tags/{python}").status_code == 200


def test_deleting_a_tag_says_how_many_bookmarks_lost_it(ann, shelf):
    web = tag_id(ann, "web")
    answer = ann.delete(f"/v1/tags/{web}")
    assert answer.status_code == 200 and answer.get_json() == {"removed_from": 2}
    assert ann.get(f"/v1/tags/{web}").status_code == 404
    assert titles(ann, "#web") == [] and titles(ann, "#python") == ["one", "three", "two"]
    assert ann.delete(f"/v1/tags/{web}").status_code == 404

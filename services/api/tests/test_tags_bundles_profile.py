"""linkding's tags, bundles, user profile and shared bookmarks."""

import pytest

# -- tags --------------------------------------------------------------------------------------


def test_tags_are_listed_paginated(ann):
    ann.add("https://example.com/", tag_names=["b", "a"])
    page = ann.get("/api/tags/").get_json()
    assert page["count"] == 2 and page["next"] is None and page["previous"] is None
    assert {t["name"] for t in page["results"]} == {"a", "b"}
    assert set(page["results"][0]) == {"id", "name", "date_added"}
    assert (
        ann.get("/api/tags/?limit=1").get_json()["next"]
        == "http://localhost/api/tags/?limit=1&offset=1"
    )


def test_create_a_tag_or_get_the_existing_one(ann):
    created = ann.post("/api/tags/", json={"name": "Python"})
    assert created.status_code == 201
    again = ann.post("/api/tags/", json={"name": "python"})
    assert again.status_code == 201
    assert again.get_json() == created.get_json()
    assert ann.get(f"/api/tags/{created.get_json()['id']}/").get_json()["name"] == "Python"


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({}, "This field is required."),
        ({"name": ""}, "This field may not be blank."),
        ({"name": "two words"}, "Tag names cannot contain spaces."),
        ({"name": "x" * 65}, "Ensure this field has no more than 64 characters."),
    ],
)
def test_invalid_tags_are_400(ann, payload, message):
    response = ann.post("/api/tags/", json=payload)
    assert response.status_code == 400
    assert response.get_json() == {"name": [message]}


def test_deleting_a_tag_keeps_its_bookmarks(ann):
    bookmark = ann.add("https://example.com/", tag_names=["a", "b"])
    tag_id = next(t["id"] for t in ann.get("/api/tags/").get_json()["results"] if t["name"] == "a")
    assert ann.delete(f"/api/tags/{tag_id}/").status_code == 204
    assert ann.get(f"/api/bookmarks/{bookmark['id']}/").get_json()["tag_names"] == ["b"]


def test_tags_are_private(ann, bob):
    tag = ann.post("/api/tags/", json={"name": "secret"}).get_json()
    assert bob.get(f"/api/tags/{tag['id']}/").status_code == 404
    assert bob.delete(f"/api/tags/{tag['id']}/").status_code == 404
    assert bob.get("/api/tags/").get_json()["count"] == 0


# -- bundles -----------------------------------------------------------------------------------


def test_bundle_lifecycle(ann):
    created = ann.post(
        "/api/bundles/",
        json={"name": "Reading", "search": "python", "any_tags": "a  b", "filter_unread": "yes"},
    )
    assert created.status_code == 201
    body = created.get_json()
    assert set(body) == {
        "id",
        "name",
        "search",
        "any_tags",
        "all_tags",
        "excluded_tags",
        "filter_unread",
        "filter_shared",
        "order",
        "date_created",
        "date_modified",
    }
    assert (body["order"], body["any_tags"], body["all_tags"], body["filter_shared"]) == (
        0,
        "a b",
        "",
        "off",
    )
    second = ann.post("/api/bundles/", json={"name": "Later"}).get_json()
    assert second["order"] == 1  # the next free position
    first_again = ann.post("/api/bundles/", json={"name": "First", "order": 0}).get_json()
    listed = ann.get("/api/bundles/").get_json()
    assert [b["name"] for b in listed["results"]] == ["Reading", "First", "Later"]
    patched = ann.patch(f"/api/bundles/{body['id']}/", json={"order": 5}).get_json()
    assert (patched["order"], patched["name"], patched["search"]) == (5, "Reading", "python")
    put = ann.put(f"/api/bundles/{body['id']}/", json={"search": "x"})
    assert put.status_code == 400 and put.get_json() == {"name": ["This field is required."]}
    assert ann.delete(f"/api/bundles/{first_again['id']}/").status_code == 204
    assert ann.get(f"/api/bundles/{first_again['id']}/").status_code == 404


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "name"),
        ({"name": "x", "filter_unread": "maybe"}, "filter_unread"),
        ({"name": "x", "order": 1.5}, "order"),  # whole numbers (DRF takes "1", as a form sends)
        ({"name": "x", "order": "one"}, "order"),
        ({"name": "x", "search": "a and"}, "search"),
    ],
)
def test_invalid_bundles_are_400(ann, payload, field):
    response = ann.post("/api/bundles/", json=payload)
    assert response.status_code == 400
    assert list(response.get_json()) == [field]


def test_the_bundle_parameter_lists_what_the_bundle_matches(ann, bob):
    ann.add("https://example.com/1", title="python one", tag_names=["a", "x"], unread=True)
    ann.add("https://example.com/2", title="python two", tag_names=["b"])
    ann.add("https://example.com/3", title="python three", tag_names=["a", "gone"])
    ann.add("https://example.com/4", title="other", tag_names=["a"])
    bundle = ann.post(
        "/api/bundles/",
        json={"name": "B", "search": "python", "any_tags": "a b", "excluded_tags": "gone"},
    )
    bundle_id = bundle.get_json()["id"]

    def urls(query):
        page = ann.get(f"/api/bookmarks/?bundle={bundle_id}&{query}").get_json()
        return sorted(b["url"][-1] for b in page["results"])

    assert urls("") == ["1", "2"]
    assert urls("q=two") == ["2"]
    ann.patch(f"/api/bundles/{bundle_id}/", json={"all_tags": "x"})
    assert urls("") == ["1"]
    ann.patch(f"/api/bundles/{bundle_id}/", json={"all_tags": "", "filter_unread": "no"})
    assert urls("") == ["2"]
    response = bob.get(f"/api/bookmarks/?bundle={bundle_id}")
    assert response.status_code == 400 and response.get_json() == {"bundle": ["Not found."]}


# -- profile -----------------------------------------------------------------------------------


def test_profile_defaults_and_changes(ann):
    profile = ann.get("/api/user/profile/").get_json()
    assert profile == {
        "theme": "auto",
        "bookmark_date_display": "relative",
        "bookmark_link_target": "_blank",
        "web_archive_integration": "disabled",
        "tag_search": "strict",
        "enable_sharing": False,
        "enable_public_sharing": False,
        "enable_favicons": False,
        "display_url": False,
        "permanent_notes": False,
        "search_preferences": {},
        "auto_tagging_rules": "",
        "version": profile["version"],
        "shelf_version": profile["shelf_version"],
    }
    assert profile["version"] and profile["shelf_version"]
    changed = ann.patch(
        "/api/user/profile/",
        json={"theme": "dark", "enable_sharing": True, "search_preferences": {"sort": "title_asc"}},
    )
    assert changed.status_code == 200
    again = ann.get("/api/user/profile/").get_json()
    assert (again["theme"], again["enable_sharing"], again["search_preferences"]) == (
        "dark",
        True,
        {"sort": "title_asc"},
    )
    bad = ann.patch("/api/user/profile/", json={"theme": "neon"})
    assert bad.status_code == 400 and list(bad.get_json()) == ["theme"]


# -- shared bookmarks --------------------------------------------------------------------------


def shared_urls(response):
    assert response.status_code == 200, response.get_json()
    return sorted(b["url"].rsplit("/", 1)[1] for b in response.get_json()["results"])


def test_shared_bookmarks_need_the_owner_to_enable_sharing(ann, bob, client):
    ann.add("https://example.com/ann-shared", shared=True)
    ann.add("https://example.com/ann-private")
    bob.add("https://example.com/bob-shared", shared=True)
    assert shared_urls(bob.get("/api/bookmarks/shared/")) == []
    ann.patch("/api/user/profile/", json={"enable_sharing": True})
    assert shared_urls(bob.get("/api/bookmarks/shared/")) == ["ann-shared"]
    bob.patch("/api/user/profile/", json={"enable_sharing": True})
    assert shared_urls(ann.get("/api/bookmarks/shared/")) == ["ann-shared", "bob-shared"]
    assert shared_urls(ann.get("/api/bookmarks/shared/?user=bob")) == ["bob-shared"]
    assert shared_urls(ann.get("/api/bookmarks/shared/?user=nobody")) == []
    assert shared_urls(ann.get("/api/bookmarks/shared/?q=ann")) == ["ann-shared"]
    # anonymous: only users who also enabled public sharing
    assert shared_urls(client.get("/api/bookmarks/shared/")) == []
    bob.patch("/api/user/profile/", json={"enable_public_sharing": True})
    assert shared_urls(client.get("/api/bookmarks/shared/")) == ["bob-shared"]
    # bad credentials on the public endpoint are still refused
    response = client.get("/api/bookmarks/shared/", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401


def test_shared_bookmarks_are_still_private_through_other_endpoints(ann, bob):
    ann.patch("/api/user/profile/", json={"enable_sharing": True})
    shared = ann.add("https://example.com/shared", shared=True)
    assert bob.get(f"/api/bookmarks/{shared['id']}/").status_code == 404
    assert bob.get("/api/bookmarks/?q=shared").get_json()["count"] == 0


@pytest.mark.parametrize("name", ["Ýes", "ÉCOLE", "straße", "İstanbul"])
def test_non_ascii_tag_names_are_one_tag_however_often_they_come(ann, name):
    first = ann.post("/api/tags/", json={"name": name})
    again = ann.post("/api/tags/", json={"name": name})
    assert first.status_code == again.status_code == 201
    assert again.get_json()["id"] == first.get_json()["id"]
    bookmark = ann.add("https://example.com/", tag_names=[name, name.upper()])
    assert name in bookmark["tag_names"]
    page = ann.get("/api/bookmarks/", query_string={"q": f"#{name}"}).get_json()
    assert page["count"] == 1


def test_a_bundle_after_the_last_possible_position_stays_there(ann):
    ann.post("/api/bundles/", json={"name": "Last", "order": 2**31 - 1})
    response = ann.post("/api/bundles/", json={"name": "After"})
    assert response.status_code == 201 and response.get_json()["order"] == 2**31 - 1

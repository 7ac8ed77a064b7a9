"""linkding's API takes form-encoded and multipart bodies wherever it takes JSON (DRF's default
parsers), with a list field such as tag_names as repeated fields."""

import pytest

FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"


@pytest.mark.parametrize("content_type", [FORM, MULTIPART])
def test_a_bookmark_created_and_changed_with_a_form(ann, content_type):
    created = ann.post(
        "/api/bookmarks/",
        content_type=content_type,
        data={
            "url": "https://example.com/form",
            "title": "From a form",
            "unread": "true",
            "tag_names": ["one", "Two"],
        },
    )
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert (body["title"], body["unread"], body["shared"], body["tag_names"]) == (
        "From a form",
        True,
        False,
        ["one", "Two"],
    )
    path = f"/api/bookmarks/{body['id']}/"
    patched = ann.patch(
        path,
        content_type=content_type,
        data={"notes": "noted", "shared": "on", "tag_names": "three"},
    )
    assert patched.status_code == 200, patched.get_json()
    assert (
        patched.get_json()["notes"],
        patched.get_json()["shared"],
        patched.get_json()["tag_names"],
    ) == ("noted", True, ["three"])
    put = ann.put(
        path, content_type=content_type, data={"url": "https://example.com/form", "title": "Put"}
    )
    assert put.status_code == 200 and put.get_json()["title"] == "Put"
    assert put.get_json()["tag_names"] == ["three"]  # not sent: kept


@pytest.mark.parametrize("content_type", [FORM, MULTIPART])
def test_tags_bundles_and_the_profile_take_forms(ann, content_type):
    tag = ann.post("/api/tags/", content_type=content_type, data={"name": "formed"})
    assert tag.status_code == 201 and tag.get_json()["name"] == "formed"
    bundle = ann.post(
        "/api/bundles/",
        content_type=content_type,
        data={"name": "Reading", "search": "#formed", "filter_unread": "yes", "order": "3"},
    )
    assert bundle.status_code == 201, bundle.get_json()
    assert (bundle.get_json()["order"], bundle.get_json()["filter_unread"]) == (3, "yes")
    path = f"/api/bundles/{bundle.get_json()['id']}/"
    assert (
        ann.patch(path, content_type=content_type, data={"name": "Later"}).get_json()["name"]
        == "Later"
    )
    assert (
        ann.put(path, content_type=content_type, data={"name": "Again"}).get_json()["name"]
        == "Again"
    )
    profile = ann.patch(
        "/api/user/profile/",
        content_type=content_type,
        data={"theme": "dark", "enable_sharing": "true"},
    )
    assert profile.status_code == 200, profile.get_json()
    assert (profile.get_json()["theme"], profile.get_json()["enable_sharing"]) == ("dark", True)


def test_a_bad_form_is_400_naming_the_field(ann):
    answer = ann.post(
        "/api/bookmarks/", content_type=FORM, data={"url": "not a url", "unread": "perhaps"}
    )
    assert answer.status_code == 400
    assert answer.get_json() == {
        "url": ["Enter a valid URL."],
        "unread": ["Must be a valid boolean."],
    }
    assert ann.post("/api/bookmarks/", content_type=FORM, data={}).get_json() == {
        "url": ["This field is required."]
    }


def test_json_still_works_and_a_form_field_may_hold_spaces_between_tags(ann):
    created = ann.post(
        "/api/bookmarks/",
        content_type=FORM,
        data={"url": "https://example.com/x", "tag_names": "a b"},
    )
    assert created.get_json()["tag_names"] == ["a", "b"]
    assert ann.post("/api/bookmarks/", json={"url": "https://example.com/y"}).status_code == 201


def test_a_body_that_is_not_json_answers_as_drf_does(ann):
    broken = ann.post("/api/bookmarks/", data="{bad", content_type="application/json")
    assert broken.status_code == 400
    assert broken.get_json()["detail"].startswith("JSON parse error - ")
    text = ann.post("/api/bookmarks/", data="url=x", content_type="text/plain")
    assert text.status_code == 415
    assert text.get_json() == {"detail": 'Unsupported media type "text/plain" in request.'}

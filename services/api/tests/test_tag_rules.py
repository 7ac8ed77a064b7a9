"""One set of tag rules for every way in (tag_names.py): at most 100 tags of at most 64
characters, no whitespace inside a name, no control characters. The API refuses what breaks
them; imports keep the bookmark and report the line; auto-tagging never gives such a tag."""

import io
import json

import pytest
from sqlalchemy import update
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from shelf_api.models import Profile

LONG = "x" * 300


def import_file(user, text, filename="bookmarks.html"):
    # Encoded here, in memory: the test client spools a body over 500 KB to a temporary file
    # it never closes (a ResourceWarning in whichever test runs next).
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(text.encode()), filename)})
    return user.post(
        "/api/bookmarks/import/",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def netscape(*links):
    return "\n".join(
        [
            "<!DOCTYPE NETSCAPE-Bookmark-file-1>",
            "<DL><p>",
            *(f'<DT><A HREF="{url}" TAGS="{tags}">{url}</A>' for url, tags in links),
            "</DL><p>",
        ]
    )


def test_an_import_line_with_100000_tags_keeps_100_and_says_so(ann):
    tags = ",".join(f"tag{n}" for n in range(100_000))
    answer = import_file(
        ann, netscape(("https://example.com/fine", "a"), ("https://example.com/greedy", tags))
    )
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert (body["created"], body["skipped"]) == (2, [])
    assert body["warnings"] == [
        {
            "line": 4,
            "url": "https://example.com/greedy",
            "reason": "kept the first 100 of its 100000 tags",
        }
    ]
    page = ann.get("/api/bookmarks/", query_string={"q": "greedy"}).get_json()
    (greedy,) = page["results"]
    assert greedy["tag_names"] == sorted((f"tag{n}" for n in range(100)), key=str.lower)
    assert ann.get("/api/tags/?limit=1000").get_json()["count"] == 101


def test_an_imported_tag_too_long_is_shortened_and_reported(ann):
    data = json.dumps([{"url": "https://example.com/a", "tag_names": [LONG, "ok\u0007"]}], indent=1)
    answer = import_file(ann, data, "bookmarks.json")
    assert answer.status_code == 201, answer.get_json()
    reasons = [w["reason"] for w in answer.get_json()["warnings"]]
    assert reasons == [
        f"the tag '{'x' * 40}…' shortened to 64 characters",
        "control characters removed from the tag 'ok\\x07'",
    ]
    (bookmark,) = ann.get("/api/bookmarks/").get_json()["results"]
    assert bookmark["tag_names"] == ["ok", "x" * 64]


def test_duplicates_in_a_file_together_keep_at_most_100_tags(ann):
    first = ",".join(f"a{n}" for n in range(80))
    second = ",".join(f"b{n}" for n in range(80))
    answer = import_file(
        ann,
        netscape(("https://example.com/same", first), ("https://example.com/same#again", second)),
    )
    assert answer.get_json()["warnings"][0]["reason"] == "kept the first 100 of its 160 tags"
    (bookmark,) = ann.get("/api/bookmarks/").get_json()["results"]
    assert len(bookmark["tag_names"]) == 100


def test_an_existing_bookmark_gains_imported_tags_only_up_to_100(ann):
    ann.add("https://example.com/full", tag_names=[f"mine{n}" for n in range(95)])
    import_file(ann, netscape(("https://example.com/full", ",".join(f"new{n}" for n in range(20)))))
    (bookmark,) = ann.get("/api/bookmarks/").get_json()["results"]
    assert len(bookmark["tag_names"]) == 100


def test_auto_tagging_rules_with_a_tag_the_api_refuses_are_400_naming_the_line(ann):
    rules = f"example.com fine\n# a comment\nexample.org {LONG}\n"
    answer = ann.patch("/api/user/profile/", json={"auto_tagging_rules": rules})
    assert answer.status_code == 400
    (message,) = answer.get_json()["auto_tagging_rules"]
    assert message.startswith("Line 3: ") and "64 characters" in message
    assert ann.get("/api/user/profile/").get_json()["auto_tagging_rules"] == ""


def test_older_rules_with_a_300_character_tag_cannot_break_editing(ann, app):
    """Rules saved before the profile refused them: their long tag is never given, so the
    bookmark comes back from GET in a shape PUT accepts."""
    with app.app_context():
        database = app.extensions["shelf_db"]
        with database.transaction() as session:
            ann.get("/api/user/profile/")  # the profile exists
            session.execute(
                update(Profile)
                .where(Profile.owner_id == ann.id)
                .values(preferences={"auto_tagging_rules": f"example.com {LONG} short"})
            )
    created = ann.add("https://example.com/page", tag_names=["mine"])
    assert created["tag_names"] == ["mine", "short"]
    check = ann.get("/api/bookmarks/check/", query_string={"url": "https://example.com/x"})
    assert check.get_json()["auto_tags"] == ["short"]
    again = ann.put(f"/api/bookmarks/{created['id']}/", json={**created, "title": "edited"})
    assert again.status_code == 200, again.get_json()
    assert again.get_json()["title"] == "edited"


def test_auto_tags_fill_only_the_room_left_under_100(ann):
    ann.patch("/api/user/profile/", json={"auto_tagging_rules": "example.com auto1 auto2"})
    mine = [f"t{n}" for n in range(99)]
    created = ann.add("https://example.com/", tag_names=mine)
    assert len(created["tag_names"]) == 100
    assert "auto1" in created["tag_names"] and "auto2" not in created["tag_names"]


@pytest.mark.parametrize(
    ("tag_names", "errors"),
    [
        ([f"t{n}" for n in range(101)], ["Ensure this field has no more than 100 elements."]),
        ([f"a{n} b{n}" for n in range(51)], ["Ensure this field has no more than 100 elements."]),
        (["x" * 65], {"0": ["Ensure this field has no more than 64 characters."]}),
        (["ok", "bell\u0007"], {"1": ["Tag names cannot contain control characters."]}),
        ([""], {"0": ["This field may not be blank."]}),
    ],
)
def test_the_api_refuses_tags_that_break_the_rules(ann, tag_names, errors):
    answer = ann.post(
        "/api/bookmarks/", json={"url": "https://example.com/", "tag_names": tag_names}
    )
    assert answer.status_code == 400
    assert answer.get_json() == {"tag_names": errors}
    assert ann.get("/api/bookmarks/").get_json()["count"] == 0


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("x" * 65, "Ensure this field has no more than 64 characters."),
        ("two words", "Tag names cannot contain spaces."),
        ("nul\u0001", "Tag names cannot contain control characters."),
    ],
)
def test_the_tags_api_refuses_the_same_names(ann, name, message):
    answer = ann.post("/api/tags/", json={"name": name})
    assert answer.status_code == 400
    assert answer.get_json() == {"name": [message]}

"""RSS feeds: /v1/feed-key and /feeds/<key>/{all,unread,shared}, parsed as a reader would."""

from email.utils import parsedate_to_datetime
from xml.etree import ElementTree

import feedparser
import pytest

from conftest import User


def key_of(user):
    answer = user.get("/v1/feed-key")
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def read(client, path, **query):
    """The feed at `path`, parsed strictly: a document that is not well-formed XML fails."""
    answer = client.get(path, query_string=query)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    assert answer.headers["Content-Type"] == "application/rss+xml; charset=utf-8"
    ElementTree.fromstring(answer.data)  # well-formed
    parsed = feedparser.parse(answer.data)
    assert not parsed.bozo, parsed.bozo_exception
    assert parsed.version == "rss20"
    return parsed


def titles(parsed):
    return [entry.title for entry in parsed.entries]


def sharing(user):
    assert user.patch("/api/user/profile/", json={"enable_sharing": True}).status_code == 200


@pytest.fixture
def library(ann, bob):
    """ann: three bookmarks (one unread, one shared, one archived); bob: one shared (he shares)
    and one private."""
    ann.add(
        "https://a.example/python",
        title="Python notes",
        tag_names=["python", "Docs"],
        description="Read me",
    )
    ann.add("https://a.example/unread", title="Later", unread=True)
    ann.add("https://a.example/shared", title="Shared by ann", shared=True)
    old = ann.add("https://a.example/old", title="Archived")
    ann.post(f"/api/bookmarks/{old['id']}/archive/")
    sharing(bob)
    bob.add("https://b.example/shared", title="Shared by bob", shared=True)
    bob.add("https://b.example/private", title="Bob's private", unread=True)


def test_the_key_is_made_once_and_names_the_feeds(ann):
    first = key_of(ann)
    key = first["key"]
    assert len(key) == 40 and int(key, 16) >= 0
    assert first["feeds"] == {kind: f"/feeds/{key}/{kind}" for kind in ("all", "unread", "shared")}
    assert key_of(ann) == first


def test_each_user_has_a_key_of_their_own(ann, bob):
    assert key_of(ann)["key"] != key_of(bob)["key"]


def test_the_all_feed_is_rss_2_with_items_links_and_categories(client, ann, library):
    feeds = key_of(ann)["feeds"]
    parsed = read(client, feeds["all"])
    assert parsed.feed.title == "All bookmarks"
    assert parsed.feed.description == "All bookmarks"
    assert parsed.feed.link == "http://localhost" + feeds["all"]
    assert titles(parsed) == ["Shared by ann", "Later", "Python notes"]  # newest first
    python = parsed.entries[2]
    assert python.link == "https://a.example/python"
    assert python.id == "https://a.example/python"
    assert python.description == "Read me"
    assert [tag.term for tag in python.tags] == ["Docs", "python"]
    added = ann.get("/api/bookmarks/?q=python").get_json()["results"][0]["date_added"]
    assert parsedate_to_datetime(python.published).isoformat()[:19] == added[:19]
    assert python.published.endswith("GMT")


def test_the_unread_and_shared_feeds_select_as_linkding_does(client, ann, library):
    feeds = key_of(ann)["feeds"]
    unread = read(client, feeds["unread"])
    assert unread.feed.title == "Unread bookmarks" and titles(unread) == ["Later"]
    shared = read(client, feeds["shared"])
    assert shared.feed.title == "Shared bookmarks"
    # the shared bookmarks of users who enabled sharing: bob's (he shares), not ann's (she
    # does not), nobody's private ones
    assert titles(shared) == ["Shared by bob"]
    sharing(ann)
    assert titles(read(client, feeds["shared"])) == ["Shared by bob", "Shared by ann"]


def test_another_users_bookmarks_never_appear_in_all_and_unread(client, ann, bob, library):
    for kind in ("all", "unread"):
        found = titles(read(client, key_of(ann)["feeds"][kind]))
        assert not any("bob" in title.lower() for title in found)
    assert titles(read(client, key_of(bob)["feeds"]["all"])) == ["Bob's private", "Shared by bob"]
    for kind in ("all", "unread", "shared"):
        assert "Bob's private" not in titles(read(client, key_of(ann)["feeds"][kind]))


def test_q_searches_as_the_list_does(client, ann, library):
    feeds = key_of(ann)["feeds"]
    assert titles(read(client, feeds["all"], q="#python")) == ["Python notes"]
    assert titles(read(client, feeds["all"], q="notes or later")) == ["Later", "Python notes"]
    assert titles(read(client, feeds["all"], q="nothing-like-this")) == []
    bad = client.get(feeds["all"], query_string={"q": "(unclosed"})
    assert bad.status_code == 400 and list(bad.get_json()["errors"]) == ["q"]


def test_unknown_and_regenerated_keys_are_404(client, ann, library):
    old = key_of(ann)
    for path in ("/feeds/" + "0" * 40 + "/all", "/feeds/not-a-key/unread", "/feeds/x/shared"):
        answer = client.get(path)
        assert answer.status_code == 404 and answer.mimetype == "application/problem+json"
    renewed = ann.post("/v1/feed-key")
    assert renewed.status_code == 201
    new = renewed.get_json()
    assert new["key"] != old["key"] and new["feeds"]["all"] == f"/feeds/{new['key']}/all"
    for kind in ("all", "unread", "shared"):
        assert client.get(old["feeds"][kind]).status_code == 404
        read(client, new["feeds"][kind])
    assert key_of(ann) == new


def test_xml_hostile_titles_are_escaped_and_control_characters_removed(client, ann):
    ann.add(
        "https://a.example/hostile?a=1&b=<2>",
        title="<b>Tom & Jerry</b> \x01\x1b[31m\x7f",
        description="]]> <script>alert(1)</script> \x08\x0c",
        tag_names=["a&b", "<c>"],
    )
    feed = key_of(ann)["feeds"]["all"]
    (entry,) = read(client, feed).entries
    assert entry.link == "https://a.example/hostile?a=1&b=<2>"
    assert sorted(tag.term for tag in entry.tags) == ["<c>", "a&b"]
    # the text exactly, as the XML carries it (feedparser would sanitize the HTML in it)
    item = ElementTree.fromstring(client.get(feed).data).find("channel/item")
    assert item.findtext("title") == "<b>Tom & Jerry</b> [31m"
    assert item.findtext("description") == "]]> <script>alert(1)</script> "


def test_a_feed_holds_at_most_100_items(client, ann):
    for n in range(105):
        ann.post("/api/bookmarks/", json={"url": f"https://a.example/{n}", "title": f"n{n}"})
    parsed = read(client, key_of(ann)["feeds"]["all"])
    assert len(parsed.entries) == 100 and parsed.entries[0].title == "n104"


def test_a_title_falls_back_to_the_pages_then_the_url(client, ann):
    ann.add("https://a.example/untitled")
    (entry,) = read(client, key_of(ann)["feeds"]["all"]).entries
    assert entry.title == "https://a.example/untitled"


def test_the_key_needs_a_user_and_feeds_need_no_token(client, auth_service, ann, library):
    assert client.get("/v1/feed-key").status_code == 401
    assert client.post("/v1/feed-key").status_code == 401
    service = {"Authorization": f"Bearer {auth_service.service_token('tasks')}"}
    assert client.get("/v1/feed-key", headers=service).status_code == 403
    assert client.post("/v1/feed-key", headers=service).status_code == 403
    feed = key_of(ann)["feeds"]["all"]
    # a reader's stray credentials do not matter: the key decides
    bob = User(client, auth_service, 2, "bob")
    assert titles(read(bob, feed)) == titles(read(client, feed))

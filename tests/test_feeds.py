"""api's RSS feeds through the front door, read as a feed reader reads them (feedparser): the
key a person gets from api names feeds the gateway serves without a token, whose links name
the front door, and a new key shuts the old one's feeds at once."""

from __future__ import annotations

from xml.etree import ElementTree

import feedparser
import requests

from shelf_accounts import api_key, make_admin, make_user, unique
from shelf_system import ShelfSystem

TIMEOUT = (3, 20)


def feed_key(system: ShelfSystem, person, method: str = "GET") -> dict:
    """The person's feed key and paths, from api (with their access token)."""
    answer = requests.request(
        method, system.urls["api"] + "/v1/feed-key", headers=person.headers, timeout=TIMEOUT
    )
    assert answer.status_code == (201 if method == "POST" else 200), answer.text
    return answer.json()


def read(system: ShelfSystem, path: str, **params) -> feedparser.FeedParserDict:
    """The feed at `path` on the front door, with no credentials, parsed strictly."""
    answer = requests.get(system.front_door + path, params=params, timeout=TIMEOUT)
    assert answer.status_code == 200, answer.text[:300]
    assert answer.headers["Content-Type"].startswith("application/rss+xml")
    ElementTree.fromstring(answer.content)  # well-formed XML, whatever the titles held
    parsed = feedparser.parse(answer.content)
    assert not parsed.bozo, parsed.bozo_exception
    assert parsed.version == "rss20"
    return parsed


def add(system: ShelfSystem, key: str, **bookmark) -> None:
    made = requests.post(
        system.front_door + "/api/bookmarks/",
        json=bookmark,
        timeout=TIMEOUT,
        headers={"Authorization": f"Token {key}"},
    )
    assert made.status_code == 201, made.text


def test_a_persons_feeds_through_the_front_door(shelf_system):
    admin = make_admin(shelf_system)
    reader, stranger = (
        make_user(shelf_system, admin, "feeds"),
        make_user(shelf_system, admin, "stranger"),
    )
    token = api_key(shelf_system, reader)
    page = f"https://example.org/{unique('feed')}"
    add(
        shelf_system,
        token,
        url=page + "/1",
        title="Tom & Jerry <script>\x07",
        unread=True,
        tag_names=["cartoons", "a&b"],
    )
    add(shelf_system, token, url=page + "/2", title="Read already", tag_names=["done"])
    add(
        shelf_system,
        api_key(shelf_system, stranger),
        url=page + "/3",
        title="The stranger's own",
        unread=True,
    )
    keys = feed_key(shelf_system, reader)

    everything = read(shelf_system, keys["feeds"]["all"])
    assert everything.feed.title == "All bookmarks"
    assert everything.feed.link == shelf_system.front_door + keys["feeds"]["all"]
    assert [entry.title for entry in everything.entries] == ["Read already", "Tom & Jerry <script>"]
    tom = everything.entries[1]
    assert tom.link == page + "/1"
    assert sorted(tag.term for tag in tom.tags) == ["a&b", "cartoons"]

    unread = read(shelf_system, keys["feeds"]["unread"])
    assert [entry.link for entry in unread.entries] == [page + "/1"]
    assert [
        entry.link for entry in read(shelf_system, keys["feeds"]["all"], q="#done").entries
    ] == [page + "/2"]
    assert read(shelf_system, keys["feeds"]["shared"]).feed.title == "Shared bookmarks"

    renewed = feed_key(shelf_system, reader, "POST")
    assert renewed["key"] != keys["key"]
    for kind in ("all", "unread", "shared"):
        gone = requests.get(shelf_system.front_door + keys["feeds"][kind], timeout=TIMEOUT)
        assert gone.status_code == 404, gone.text[:200]
    assert len(read(shelf_system, renewed["feeds"]["all"]).entries) == 2

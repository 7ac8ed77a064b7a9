"""RSS feeds of a user's bookmarks, at linkding's paths: `/feeds/<key>/all` (unarchived),
`/unread` (unarchived and unread) and `/shared` (what the owner sees as shared: the shared
bookmarks of users who enabled sharing, as `/api/bookmarks/shared/` lists them), each with
an optional search `q`, newest first, at most 100 items. A feed reader has no token: the key
(one per user, `feed_keys`) is the credential, and a new key voids the old one at once.

The document is RSS 2.0 as linkding's (Django's Rss201rev2Feed): the channel's title, link
(the feed's own address) and description; per item title (the bookmark's title, else what the
page calls itself, else the URL), link (the bookmark's URL), description, pubDate (when it
was added, RFC 822), guid (the URL) and one category per tag. Titles and descriptions come
from the web (hostile input): the XML writer escapes them, and characters XML 1.0 cannot
carry (control characters but tab and newlines, lone surrogates, U+FFFE/U+FFFF) are removed
first, so the feed always parses.
"""

from __future__ import annotations

import re
import secrets
from email.utils import format_datetime
from typing import Any
from xml.etree import ElementTree

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from shelf_kit.db import utcnow

from . import profiles, queries, selections, tag_names
from .models import Bookmark, FeedKey

KINDS = ("all", "unread", "shared")
# linkding's channel titles and descriptions
CHANNELS = {
    "all": ("All bookmarks", "All bookmarks"),
    "unread": ("Unread bookmarks", "All unread bookmarks"),
    "shared": ("Shared bookmarks", "All shared bookmarks"),
}
MAX_ITEMS = 100
KEY_PATTERN = re.compile(r"[0-9a-f]{40}")
CONTENT_TYPE = "application/rss+xml; charset=utf-8"
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def new_key() -> str:
    """40 hexadecimal digits (160 random bits), the form linkding's feed keys take."""
    return secrets.token_hex(20)


def paths(key: str) -> dict[str, str]:
    return {kind: f"/feeds/{key}/{kind}" for kind in KINDS}


def key_of(session: Session, owner_id: int) -> FeedKey:
    """The owner's feed key, made on first use. The caller commits."""
    feed_key = session.get(FeedKey, owner_id)
    if feed_key is None:
        feed_key = FeedKey(owner_id=owner_id, key=new_key(), created_at=utcnow())
        session.add(feed_key)
        session.flush()
    return feed_key


def renew_key(session: Session, owner_id: int) -> FeedKey:
    """A new key for the owner; the old one names nothing from the commit on."""
    feed_key = key_of(session, owner_id)
    feed_key.key = new_key()
    feed_key.created_at = utcnow()
    session.flush()
    return feed_key


def owner_of(session: Session, key: str) -> int | None:
    """Whose key this is, or None (a malformed key is looked up nowhere)."""
    if not KEY_PATTERN.fullmatch(key):
        return None
    return session.scalars(select(FeedKey.owner_id).where(FeedKey.key == key)).first()


def statement(session: Session, owner_id: int, kind: str, q: str, *, dialect: str) -> Select:
    if kind == "shared":
        shared = queries.shared(public_only=False, username=None)
        lax = profiles.lax_tags(session, owner_id)
        return queries.sorted_by(
            shared.where(queries.search_condition(q, dialect=dialect, lax_tags=lax)), "added_desc"
        )
    return selections.view(session, owner_id, kind, q=q, dialect=dialect)


def items(session: Session, owner_id: int, kind: str, q: str, *, dialect: str) -> list[Bookmark]:
    found = statement(session, owner_id, kind, q, dialect=dialect)
    return list(session.scalars(found.limit(MAX_ITEMS).options(selectinload(Bookmark.tags))))


def clean(text: str | None) -> str:
    """The text without what XML 1.0 cannot carry (escaping is the writer's)."""
    return _NOT_IN_XML.sub("", text or "")


def _element(
    parent: ElementTree.Element, name: str, text: str, **attributes: str
) -> ElementTree.Element:
    element = ElementTree.SubElement(parent, name, attributes)
    element.text = clean(text)
    return element


def _item(channel: ElementTree.Element, bookmark: Bookmark) -> None:
    item = ElementTree.SubElement(channel, "item")
    _element(item, "title", bookmark.title or bookmark.website_title or bookmark.url)
    _element(item, "link", bookmark.url)
    _element(item, "description", bookmark.description or bookmark.website_description or "")
    _element(item, "pubDate", format_datetime(bookmark.date_added, usegmt=True))
    _element(item, "guid", bookmark.url)
    for name in sorted((tag.name for tag in bookmark.tags), key=tag_names.fold):
        _element(item, "category", name)


def rss(kind: str, url: str, bookmarks: list[Bookmark]) -> bytes:
    """The RSS 2.0 document of the feed at `url` (its absolute address). Built as linkding's:
    lastBuildDate is the newest item's date (now, for an empty feed)."""
    title, description = CHANNELS[kind]
    root = ElementTree.Element(
        "rss", {"version": "2.0", "xmlns:atom": "http://www.w3.org/2005/Atom"}
    )
    channel = ElementTree.SubElement(root, "channel")
    _element(channel, "title", title)
    _element(channel, "link", url)
    _element(channel, "description", description)
    ElementTree.SubElement(channel, "atom:link", {"href": clean(url), "rel": "self"})
    _element(channel, "language", "en-us")
    newest = max((bookmark.date_added for bookmark in bookmarks), default=utcnow())
    _element(channel, "lastBuildDate", format_datetime(newest, usegmt=True))
    for bookmark in bookmarks:
        _item(channel, bookmark)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def key_answer(feed_key: FeedKey) -> dict[str, Any]:
    return {"key": feed_key.key, "feeds": paths(feed_key.key)}

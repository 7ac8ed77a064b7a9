"""Writing bookmarks: create (or update the one with the same URL), update, tags by name.

Views call these; every function takes the session and the owner, and never commits (the
caller's transaction also holds the outbox message that asks tasks to fetch the page).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from shelf_kit.db import utcnow

from . import auto_tags, profiles, tag_names
from .errors import Invalid
from .models import Bookmark, OutboxMessage, Tag
from .outbox import job_message
from .urls import normalize_url

EDITABLE = ("title", "description", "notes", "is_archived", "unread", "shared")
WAYBACK = "https://web.archive.org/web/{stamp}/{url}"


def tags_named(session: Session, owner_id: int, names: Iterable[str]) -> list[Tag]:
    """The owner's tags with these names (split on whitespace; one tag per folded name), made
    where missing. The names follow tag_names' rules: the caller checked them."""
    wanted = tag_names.split(names)
    if not wanted:
        return []
    keys = [tag_names.fold(name) for name in wanted]
    existing = {
        tag.name_folded: tag
        for tag in session.scalars(
            select(Tag).where(Tag.owner_id == owner_id, Tag.name_folded.in_(keys))
        )
    }
    tags: list[Tag] = []
    for name, key in zip(wanted, keys, strict=True):
        tag = existing.get(key)
        if tag is None:
            tag = existing[key] = Tag(owner_id=owner_id, name=name)
            session.add(tag)
        tags.append(tag)
    return tags


def tags_for_bookmark(
    session: Session, owner_id: int, names: Iterable[str], url: str, *, sent: bool = True
) -> list[Tag]:
    """A bookmark's tags: `names`, and what the owner's auto-tagging rules give `url` (linkding
    adds them whenever a bookmark's tags are set) while there is room. `names` the caller
    `sent` may not exceed the limit (400); a bookmark's own names from before the limit stay."""
    wanted = tag_names.split(names)
    if sent and len(wanted) > tag_names.MAX_PER_BOOKMARK:
        raise Invalid({"tag_names": [tag_names.TOO_MANY]})
    room = max(tag_names.MAX_PER_BOOKMARK, len(wanted))
    auto = auto_tags.tags_for(profiles.auto_tagging_rules(session, owner_id), url)
    return tags_named(session, owner_id, tag_names.split([*wanted, *auto])[:room])


def find_own(session: Session, owner_id: int, bookmark_id: int) -> Bookmark | None:
    """The owner's bookmark (tags loaded); another owner's is as absent as a deleted one."""
    return session.scalars(
        select(Bookmark)
        .where(Bookmark.id == bookmark_id, Bookmark.owner_id == owner_id)
        .options(selectinload(Bookmark.tags))
    ).first()


def find_any(session: Session, bookmark_id: int) -> Bookmark | None:
    """Any owner's bookmark (tags loaded), for Shelf's services."""
    return session.scalars(
        select(Bookmark).where(Bookmark.id == bookmark_id).options(selectinload(Bookmark.tags))
    ).first()


def find_by_url(session: Session, owner_id: int, url: str) -> Bookmark | None:
    return session.scalars(
        select(Bookmark).where(
            Bookmark.owner_id == owner_id, Bookmark.url_normalized == normalize_url(url)
        )
    ).first()


def enqueue_fetch_metadata(session: Session, bookmark: Bookmark) -> None:
    """Ask tasks (through the outbox, in this transaction) to fetch the page's metadata."""
    session.flush()  # the bookmark's id
    session.add(fetch_metadata_message(bookmark))


# tasks runs lower numbers first: a bookmark someone just added is fetched before the
# thousands an import brought in, which would otherwise queue ahead of it.
INTERACTIVE_PRIORITY = 0
IMPORT_PRIORITY = 10


def fetch_metadata_message(bookmark: Bookmark) -> OutboxMessage:
    """The outbox message for a flushed bookmark (it needs the id), added by hand."""
    digest = hashlib.sha1(bookmark.url.encode()).hexdigest()[:12]
    return job_message(
        {
            "kind": "fetch_metadata",
            "args": {"bookmark_id": bookmark.id},
            "idempotency_key": f"fetch_metadata:{bookmark.id}:{digest}",
            "created_by": bookmark.owner_id,
            "priority": INTERACTIVE_PRIORITY,
        }
    )


def fetch_metadata_batch_message(owner_id: int, ids: list[int]) -> OutboxMessage:
    """One job for the pages of an import's batch of new bookmarks, by id (contract C10:
    `bookmark_ids`, up to 500), queued behind bookmarks added by hand. Ids are never reused,
    so they make its key."""
    digest = hashlib.sha1(",".join(map(str, ids)).encode()).hexdigest()[:12]
    return job_message(
        {
            "kind": "fetch_metadata",
            "args": {"bookmark_ids": ids},
            "idempotency_key": f"fetch_metadata:batch:{ids[0]}-{ids[-1]}:{digest}",
            "created_by": owner_id,
            "priority": IMPORT_PRIORITY,
        }
    )


def create_or_update(
    session: Session, owner_id: int, data: dict[str, Any], *, fetch_metadata: bool = True
) -> tuple[Bookmark, bool]:
    """linkding's create: a URL the owner already has updates that bookmark instead."""
    bookmark = find_by_url(session, owner_id, data["url"])
    if bookmark is not None:
        changes = {key: value for key, value in data.items() if key != "date_added"}
        update(session, bookmark, changes, fetch_metadata=fetch_metadata)
        return bookmark, False
    now = utcnow()
    bookmark = Bookmark(
        owner_id=owner_id, url=data["url"].strip(), date_added=now, date_modified=now
    )
    for key in EDITABLE:
        if key in data:
            setattr(bookmark, key, data[key])
    if data.get("date_added"):
        bookmark.date_added = data["date_added"]
    bookmark.date_modified = data.get("date_modified") or bookmark.date_added
    bookmark.tags = tags_for_bookmark(session, owner_id, data.get("tag_names", []), bookmark.url)
    session.add(bookmark)
    if fetch_metadata:
        enqueue_fetch_metadata(session, bookmark)
    else:
        session.flush()
    return bookmark, True


def update(
    session: Session, bookmark: Bookmark, data: dict[str, Any], *, fetch_metadata: bool = True
) -> Bookmark:
    """Fields in `data` replace the bookmark's; the others are kept. A new URL asks tasks to
    fetch the page again. The caller checks that a new URL is not another bookmark's."""
    url_changed = False
    if "url" in data and data["url"].strip() != bookmark.url:
        url_changed = normalize_url(data["url"]) != bookmark.url_normalized  # not a respelling
        bookmark.url = data["url"].strip()
    for key in EDITABLE:
        if key in data:
            setattr(bookmark, key, data[key])
    if data.get("date_added"):
        bookmark.date_added = data["date_added"]
    if "tag_names" in data:
        bookmark.tags = tags_for_bookmark(
            session, bookmark.owner_id, data["tag_names"], bookmark.url
        )
    elif url_changed:
        bookmark.tags = tags_for_bookmark(
            session,
            bookmark.owner_id,
            [tag.name for tag in bookmark.tags],
            bookmark.url,
            sent=False,
        )
    bookmark.date_modified = data.get("date_modified") or utcnow()
    if url_changed and fetch_metadata:
        enqueue_fetch_metadata(session, bookmark)
    return bookmark


def url_taken(session: Session, bookmark: Bookmark, url: str) -> bool:
    other = find_by_url(session, bookmark.owner_id, url)
    return other is not None and other.id != bookmark.id


def web_archive_url(bookmark: Bookmark) -> str:
    return WAYBACK.format(stamp=bookmark.date_added.strftime("%Y%m%d%H%M%S"), url=bookmark.url)


def as_linkding(bookmark: Bookmark) -> dict[str, Any]:
    """The bookmark as linkding's API shows it."""
    return {
        "id": bookmark.id,
        "url": bookmark.url,
        "title": bookmark.title,
        "description": bookmark.description,
        "notes": bookmark.notes,
        "web_archive_snapshot_url": web_archive_url(bookmark),
        "favicon_url": bookmark.favicon_url,
        "preview_image_url": bookmark.preview_image_url,
        "is_archived": bookmark.is_archived,
        "unread": bookmark.unread,
        "shared": bookmark.shared,
        "tag_names": sorted((tag.name for tag in bookmark.tags), key=tag_names.fold),
        "date_added": bookmark.date_added,
        "date_modified": bookmark.date_modified,
        "website_title": None,
        "website_description": None,
        "is_broken": bookmark.is_broken,
    }


def as_internal(bookmark: Bookmark) -> dict[str, Any]:
    """What tasks sees (/v1/internal/...): linkding's fields and the ones only services use."""
    return {
        **as_linkding(bookmark),
        "owner_id": bookmark.owner_id,
        "last_checked_at": bookmark.last_checked_at,
    }


def touch(bookmark: Bookmark, when: datetime | None = None) -> None:
    bookmark.date_modified = when or utcnow()

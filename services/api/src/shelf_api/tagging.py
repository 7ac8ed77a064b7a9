"""The owner's tags as a catalog (/v1/tags): how many bookmarks carry each, rename, merge,
delete.

Every function takes the session and the owner and never commits. Changes to a tag change
its bookmarks' `date_modified` (their tags changed, as an edit of each would). Tag search
(`#name`) compares `tags.name_folded` (search/compiler.py), so a renamed tag is found by its
new name at once and a merged one under the target's.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import Select, delete, func, insert, literal, select, update
from sqlalchemy.orm import Session

from shelf_kit.db import rows_changed, utcnow

from .models import Bookmark, Tag, bookmark_tags
from .tag_names import fold

SORTS = ("name", "-name", "count", "-count")


class TagConflict(Exception):
    """The owner has another tag of that name (in any case)."""

    def __init__(self, existing_id: int) -> None:
        super().__init__(existing_id)
        self.existing_id = existing_id


def own_tag(session: Session, owner_id: int, tag_id: int) -> Tag | None:
    return session.scalars(select(Tag).where(Tag.id == tag_id, Tag.owner_id == owner_id)).first()


def in_order_made(owner_id: int) -> Select:
    """The owner's tags, oldest first (linkding's tag list)."""
    return select(Tag).where(Tag.owner_id == owner_id).order_by(Tag.id)


def _bookmark_count():
    """How many bookmarks carry the tag of the row (archived ones too)."""
    return (
        select(func.count())
        .select_from(bookmark_tags)
        .where(bookmark_tags.c.tag_id == Tag.id)
        .correlate(Tag)
        .scalar_subquery()
    )


def listed(owner_id: int, *, q: str = "", sort: str = "name") -> Select:
    """The owner's tags whose name holds `q` (any case, as tags fold), in `sort` order."""
    statement = select(Tag).where(Tag.owner_id == owner_id)
    if q:
        statement = statement.where(Tag.name_folded.contains(fold(q), autoescape=True))
    if sort == "-name":
        return statement.order_by(Tag.name_folded.desc(), Tag.id.desc())
    if sort in ("count", "-count"):  # ties by name
        count = _bookmark_count()
        statement = statement.order_by(count.desc() if sort == "-count" else count.asc())
    return statement.order_by(Tag.name_folded.asc(), Tag.id.asc())


def bookmark_counts(session: Session, tags: Iterable[Tag]) -> dict[int, int]:
    ids = [tag.id for tag in tags]
    if not ids:
        return {}
    rows = session.execute(
        select(bookmark_tags.c.tag_id, func.count())
        .where(bookmark_tags.c.tag_id.in_(ids))
        .group_by(bookmark_tags.c.tag_id)
    )
    counted = dict(cast("Iterable[tuple[int, int]]", rows.all()))  # (tag id, bookmarks)
    return {tag_id: 0 for tag_id in ids} | counted


def as_item(tag: Tag, count: int) -> dict[str, Any]:
    return {"id": tag.id, "name": tag.name, "date_added": tag.date_added, "bookmark_count": count}


def item(session: Session, tag: Tag) -> dict[str, Any]:
    session.flush()
    return as_item(tag, bookmark_counts(session, [tag])[tag.id])


def _bookmarks_with(tag_id: int) -> Select:
    return select(bookmark_tags.c.bookmark_id).where(bookmark_tags.c.tag_id == tag_id)


def _touch_bookmarks_with(session: Session, tag_id: int) -> None:
    session.execute(
        update(Bookmark)
        .where(Bookmark.id.in_(_bookmarks_with(tag_id)))
        .values(date_modified=utcnow())
    )


def other_named(session: Session, tag: Tag, name: str) -> int | None:
    """The id of the owner's other tag with this name (in any case), if any."""
    return session.scalars(
        select(Tag.id).where(
            Tag.owner_id == tag.owner_id, Tag.name_folded == fold(name), Tag.id != tag.id
        )
    ).first()


def rename(session: Session, tag: Tag, name: str) -> Tag:
    """The tag under a new name (its bookmarks keep it). Another of the owner's tags with that
    folded name: TagConflict, nothing changed (a change of case only is a rename)."""
    other = other_named(session, tag, name)
    if other is not None:
        raise TagConflict(other)
    if name != tag.name:
        tag.name = name
        _touch_bookmarks_with(session, tag.id)
    return tag


def merge(session: Session, source: Tag, target: Tag) -> int:
    """Every bookmark with `source` gets `target` (once: those that had both keep one link),
    then `source` is deleted; how many bookmarks had `source`."""
    moved = session.scalar(select(func.count()).select_from(_bookmarks_with(source.id).subquery()))
    _touch_bookmarks_with(session, source.id)
    already = select(bookmark_tags.c.bookmark_id).where(bookmark_tags.c.tag_id == target.id)
    session.execute(
        insert(bookmark_tags).from_select(
            ["bookmark_id", "tag_id"],
            select(bookmark_tags.c.bookmark_id, literal(target.id)).where(
                bookmark_tags.c.tag_id == source.id, bookmark_tags.c.bookmark_id.not_in(already)
            ),
        )
    )
    remove(session, source)
    return moved or 0


def remove(session: Session, tag: Tag) -> int:
    """Delete the tag; how many bookmarks lost it (they stay)."""
    _touch_bookmarks_with(session, tag.id)
    removed = rows_changed(session, delete(bookmark_tags).where(bookmark_tags.c.tag_id == tag.id))
    session.execute(delete(Tag).where(Tag.id == tag.id))
    session.expunge(tag)
    return removed

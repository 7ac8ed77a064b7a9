"""Bulk edit: one action on many of the owner's bookmarks, chosen by id or by what a list view
showed (selections.py), in one transaction.

A query carries the count the person saw: when the view now holds another number (a bookmark
added or removed meanwhile), nothing changes and the caller learns the new count, so the
person is asked again. Every action touches the bookmarks' `date_modified`. The caller
commits; a deletion's asset files are removed after that (`BulkResult.files`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, insert, literal, select, update
from sqlalchemy.orm import Session

from shelf_kit.db import utcnow

from . import selections, tag_names
from .bookmarks import tags_named
from .errors import Invalid
from .models import Asset, Bookmark, Tag, bookmark_tags

CHUNK = 500  # ids per statement: well under every database's limit on parameters
FLAGS = {
    "archive": ("is_archived", True),
    "unarchive": ("is_archived", False),
    "mark_read": ("unread", False),
    "mark_unread": ("unread", True),
    "share": ("shared", True),
    "unshare": ("shared", False),
}


class CountChanged(Exception):
    """The query matches another number of bookmarks than the person saw."""

    def __init__(self, count: int) -> None:
        super().__init__(count)
        self.count = count


@dataclass
class BulkResult:
    action: str
    affected: int
    missing: list[int]
    files: list[str] = field(default_factory=list)  # asset files to remove once committed

    def as_dict(self) -> dict[str, Any]:
        return {"action": self.action, "affected": self.affected, "missing": self.missing}


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def chosen_by_ids(session: Session, owner_id: int, ids: list[int]) -> tuple[list[int], list[int]]:
    """(the owner's bookmarks among `ids`, the ids that are not), each in the order sent."""
    wanted = list(dict.fromkeys(ids))
    found: set[int] = set()
    for chunk in _chunks(wanted):
        found.update(
            session.scalars(
                select(Bookmark.id).where(Bookmark.owner_id == owner_id, Bookmark.id.in_(chunk))
            )
        )
    return ([i for i in wanted if i in found], [i for i in wanted if i not in found])


def chosen_by_query(
    session: Session, owner_id: int, query: dict[str, Any], expected: int, *, dialect: str
) -> list[int]:
    """The ids the view lists now; CountChanged when they are not `expected` many."""
    try:
        statement = selections.view(
            session,
            owner_id,
            query["view"],
            q=query.get("q", ""),
            bundle_id=query.get("bundle"),
            dialect=dialect,
        )
    except Invalid as error:
        raise Invalid({"query": error.errors}) from None  # the field inside `query`
    ids = list(session.scalars(statement.with_only_columns(Bookmark.id)))
    if len(ids) != expected:
        raise CountChanged(len(ids))
    return ids


def apply(
    session: Session, owner_id: int, action: str, ids: list[int], names: list[str]
) -> list[str]:
    """Run `action` on the owner's bookmarks `ids`; the asset files a deletion leaves."""
    if action == "delete":
        return _delete(session, ids)
    now = utcnow()
    if action in FLAGS:
        column, value = FLAGS[action]
        for chunk in _chunks(ids):
            session.execute(
                update(Bookmark)
                .where(Bookmark.id.in_(chunk))
                .values({column: value, "date_modified": now})
            )
    elif action == "tag":
        _tag(session, owner_id, ids, names)
    elif action == "untag":
        _untag(session, owner_id, ids, names)
    if action in ("tag", "untag"):
        for chunk in _chunks(ids):
            session.execute(
                update(Bookmark).where(Bookmark.id.in_(chunk)).values(date_modified=now)
            )
    return []


def _delete(session: Session, ids: list[int]) -> list[str]:
    files: list[str] = []
    for chunk in _chunks(ids):
        files += session.scalars(select(Asset.file).where(Asset.bookmark_id.in_(chunk)))
        session.execute(delete(Bookmark).where(Bookmark.id.in_(chunk)))
    return files


def _tag(session: Session, owner_id: int, ids: list[int], names: list[str]) -> None:
    tags = tags_named(session, owner_id, names)
    session.flush()
    tag_ids = [tag.id for tag in tags]
    for chunk in _chunks(ids):
        _check_room(session, chunk, tag_ids)
        for tag_id in tag_ids:
            has_it = select(bookmark_tags.c.bookmark_id).where(bookmark_tags.c.tag_id == tag_id)
            session.execute(
                insert(bookmark_tags).from_select(
                    ["bookmark_id", "tag_id"],
                    select(Bookmark.id, literal(tag_id)).where(
                        Bookmark.id.in_(chunk), Bookmark.id.not_in(has_it)
                    ),
                )
            )


def _check_room(session: Session, chunk: Sequence[int], tag_ids: list[int]) -> None:
    """No bookmark may end with more tags than tag_names allows: 400, nothing changed."""
    others = (
        select(bookmark_tags.c.bookmark_id)
        .where(bookmark_tags.c.bookmark_id.in_(chunk), bookmark_tags.c.tag_id.not_in(tag_ids))
        .group_by(bookmark_tags.c.bookmark_id)
        .having(func.count() + len(tag_ids) > tag_names.MAX_PER_BOOKMARK)
    )
    crowded = session.scalars(others.limit(1)).first()
    if crowded is not None:
        raise Invalid(
            {
                "tag_names": [
                    f"Bookmark {crowded} would have more than {tag_names.MAX_PER_BOOKMARK} tags."
                ]
            }
        )


def _untag(session: Session, owner_id: int, ids: list[int], names: list[str]) -> None:
    folded = [tag_names.fold(name) for name in tag_names.split(names)]
    tag_ids = select(Tag.id).where(Tag.owner_id == owner_id, Tag.name_folded.in_(folded))
    for chunk in _chunks(ids):
        session.execute(
            delete(bookmark_tags).where(
                bookmark_tags.c.bookmark_id.in_(chunk), bookmark_tags.c.tag_id.in_(tag_ids)
            )
        )


def run(session: Session, owner_id: int, data: dict[str, Any], *, dialect: str) -> BulkResult:
    """The whole bulk edit, uncommitted."""
    if "ids" in data:
        ids, missing = chosen_by_ids(session, owner_id, data["ids"])
    else:
        ids, missing = (
            chosen_by_query(
                session, owner_id, data["query"], data["expected_count"], dialect=dialect
            ),
            [],
        )
    files = apply(session, owner_id, data["action"], ids, data.get("tag_names") or [])
    return BulkResult(data["action"], len(ids), missing, files)

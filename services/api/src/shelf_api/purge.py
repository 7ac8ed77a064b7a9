"""Deleting everything api keeps for one owner (contract C2): tasks' `purge_user` job calls
`DELETE /v1/internal/users/<id>` after auth deleted the user.

Bookmarks go a few hundred per transaction (their tag links and asset rows with them, by the
foreign keys' cascade; on SQLite the FTS5 triggers too), so a large library does not hold
SQLite's write lock for long; each batch's asset files are removed once it committed. Then
tags, bundles, imports (their entries cascade), the feed key, outbox messages about the owner
(delivered or not: `created_by` in their payload) and the profile, with the username it held.
Running it again finds nothing and does nothing: tasks may call it any number of times.
"""

from __future__ import annotations

from sqlalchemy import delete, select

from shelf_kit.db import Database

from . import assets
from .models import Asset, Bookmark, Bundle, FeedKey, Import, OutboxMessage, Profile, Tag

BATCH = 500


def purge_owner(database: Database, owner_id: int) -> int:
    """Delete the owner's rows and files; the number of bookmarks deleted."""
    deleted = 0
    while True:
        with database.transaction() as session:
            ids = list(
                session.scalars(
                    select(Bookmark.id)
                    .where(Bookmark.owner_id == owner_id)
                    .order_by(Bookmark.id)
                    .limit(BATCH)
                )
            )
            if not ids:
                break
            files = list(session.scalars(select(Asset.file).where(Asset.bookmark_id.in_(ids))))
            session.execute(delete(Bookmark).where(Bookmark.id.in_(ids)))
        for name in files:
            assets.remove(name)
        deleted += len(ids)
    with database.transaction() as session:
        for model in (Tag, Bundle, Import, FeedKey, Profile):
            session.execute(delete(model).where(model.owner_id == owner_id))
        session.execute(
            delete(OutboxMessage).where(
                OutboxMessage.payload["created_by"].as_integer() == owner_id
            )
        )
    return deleted

"""Counts over every user's bookmarks, for the admin dashboard (/v1/admin/stats).

`broken` counts what the users' own `broken` views list, summed over users: every broken
link, archived ones included (selections.broken); `broken_archived` says how many of them
are archived, so the dashboard can tell the two apart.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from . import selections
from .models import Bookmark

NAMES = (
    "bookmarks",
    "archived",
    "unread",
    "shared",
    "broken",
    "broken_archived",
    "checked",
    "owners",
    "last_checked_at",
)


def everyones(session: Session) -> dict[str, Any]:
    def counted(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    broken = Bookmark.id.in_(selections.broken().with_only_columns(Bookmark.id))
    row = session.execute(
        select(
            func.count(Bookmark.id),
            counted(Bookmark.is_archived.is_(True)),
            counted(Bookmark.unread.is_(True)),
            counted(Bookmark.shared.is_(True)),
            counted(broken),
            counted(broken & Bookmark.is_archived.is_(True)),
            counted(Bookmark.last_checked_at.is_not(None)),
            func.count(func.distinct(Bookmark.owner_id)),
            func.max(Bookmark.last_checked_at),
        )
    ).one()
    return dict(zip(NAMES, row, strict=True))

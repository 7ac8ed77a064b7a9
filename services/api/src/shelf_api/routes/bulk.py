"""Bulk edit of the caller's bookmarks (/v1/bookmarks/bulk): the ui's list, many at once. The
rules are bulk.py's."""

from __future__ import annotations

from shelf_identity import allow
from shelf_kit import Problem
from shelf_kit.db import session

from .. import assets, bulk
from ..schemas.v1 import (
    BulkResultSchema,
    BulkSchema,
    CountConflictSchema,
)
from .common import commit, dialect, owner_id, user_blueprint

blp = user_blueprint("bulk", __name__, "Bulk edit of the caller's bookmarks")


@blp.route("/v1/bookmarks/bulk", methods=["POST"])
@allow(blp, "user")
@blp.arguments(BulkSchema)
@blp.alt_response(
    409,
    schema=CountConflictSchema,
    description="The query matches another number than expected_count (`count`); nothing changed",
)
@blp.response(200, BulkResultSchema)
def bulk_edit(data):
    """One action on many of the caller's bookmarks, in one transaction: `ids` (1 to 1000;
    those that are not the caller's are listed in `missing`), or a list view's `query` (view,
    q, bundle) with the `expected_count` the person saw: 409 with the new `count` when the
    view now holds another number, and nothing changes."""
    try:
        result = bulk.run(session(), owner_id(), data, dialect=dialect())
    except bulk.CountChanged as error:
        session().rollback()
        raise Problem(
            409,
            "Conflict",
            f"The selection changed: it now holds {error.count} bookmarks.",
            count=error.count,
        ) from None
    commit()
    for name in result.files:
        assets.remove(name)
    return result.as_dict()

"""Administrators' view of everyone's bookmarks (/v1/admin/...): the ui's admin pages.

The linkding surface shows each user only their own bookmarks, admins included; this surface
is for administrators only (403 for everyone else, services too) and only reads.
"""

from __future__ import annotations

from flask import request
from flask_smorest import Blueprint

from shelf_identity import allow
from shelf_kit.db import session

from .. import bookmarks as service
from .. import profiles, queries
from .. import stats as stats_
from ..schemas.admin import (
    AdminBookmarkPageSchema,
    AdminListQuerySchema,
    AdminStatsSchema,
)
from .common import dialect

blp = Blueprint("admin", __name__, description="For administrators only: everyone's bookmarks")


@blp.route("/v1/admin/bookmarks", methods=["GET"])
@allow(blp, "admin")
@blp.arguments(AdminListQuerySchema, location="query")
@blp.response(200, AdminBookmarkPageSchema)
def list_bookmarks(params):
    """Every user's bookmarks, archived ones included: search `q` (linkding's language, strict
    tags), `owner` (a username), `broken`, `archived`, sort and pages; each with its owner."""
    statement = queries.everyones(owner=params.get("owner"), archived=params["archived"])
    statement = queries.filtered(statement, params, dialect=dialect(), lax_tags=False)
    page = queries.Page(
        session(),
        statement,
        limit=params["limit"],
        offset=params["offset"],
        url=request.url,
        load_tags=True,
    )
    owners = profiles.usernames(session(), {bookmark.owner_id for bookmark in page.items})
    return page.envelope(
        [
            {**service.as_internal(bookmark), "owner": owners.get(bookmark.owner_id)}
            for bookmark in page.items
        ]
    )


@blp.route("/v1/admin/stats", methods=["GET"])
@allow(blp, "admin")
@blp.response(200, AdminStatsSchema)
def stats():
    """Counts over every user's bookmarks, for the admin dashboard: `broken` is every broken
    link (what the users' broken views list, archived ones included), `broken_archived` the
    archived ones among them."""
    return stats_.everyones(session())

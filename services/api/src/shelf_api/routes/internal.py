"""The service-only surface tasks uses (/v1/internal/...): page through bookmarks, write what
a page fetch found, record link checks, run import batches, export for backups."""

from __future__ import annotations

import logging

from flask import Response, current_app
from flask_smorest import Blueprint

from shelf_identity import allow
from shelf_kit import Problem
from shelf_kit.db import get_database, session, utcnow

from .. import bookmarks as service
from .. import exports, imports, purge, queries
from ..models import Bookmark
from ..schemas.internal import (
    BatchResultSchema,
    BatchSchema,
    ImportFailureSchema,
    InternalBookmarkSchema,
    InternalListQuerySchema,
    InternalPageSchema,
    LinkCheckResultSchema,
    LinkCheckSchema,
    MetadataUpdateSchema,
    OwnersSchema,
)
from ..schemas.linkding import ExportQuerySchema, ImportProgressSchema
from ..urls import normalize_url

blp = Blueprint("internal", __name__, description="For Shelf's services only (tasks)")
log = logging.getLogger("shelf.api.internal")
BROKEN_AFTER = 2  # failed checks in a row


def any_bookmark(bookmark_id: int) -> Bookmark:
    bookmark = service.find_any(session(), bookmark_id)
    if bookmark is None:
        raise Problem(404, "Not Found", f"Bookmark {bookmark_id} does not exist.")
    return bookmark


@blp.route("/v1/internal/bookmarks", methods=["GET"])
@allow(blp, "service")
@blp.arguments(InternalListQuerySchema, location="query")
@blp.response(200, InternalPageSchema)
def list_bookmarks(params):
    """Every owner's bookmarks (or one owner's), by id, `limit` at a time after `after_id`."""
    statement = queries.by_id_after(params["after_id"], owner_id=params.get("owner_id"))
    rows = list(session().scalars(statement.limit(params["limit"])))
    full = len(rows) == params["limit"]
    return {
        "results": [service.as_internal(row) for row in rows],
        "next_after_id": rows[-1].id if full else None,
    }


@blp.route("/v1/internal/bookmarks/<id:bookmark_id>", methods=["GET"])
@allow(blp, "service")
@blp.response(200, InternalBookmarkSchema)
def get_bookmark(bookmark_id):
    """One bookmark, whoever owns it."""
    return service.as_internal(any_bookmark(bookmark_id))


@blp.route("/v1/internal/bookmarks/<id:bookmark_id>/metadata", methods=["PATCH"])
@allow(blp, "service")
@blp.arguments(MetadataUpdateSchema)
@blp.response(200, InternalBookmarkSchema)
@blp.alt_response(409, description="The bookmark's URL changed since the fetch")
def write_metadata(data, bookmark_id):
    """What fetching the page found. Title and description fill only what the owner left
    empty; an answer for a URL the bookmark no longer has is refused (409)."""
    bookmark = any_bookmark(bookmark_id)
    data = {
        key: value.replace("\x00", "") if isinstance(value, str) else value
        for key, value in data.items()
    }  # pages may hold NULs; Postgres cannot store them
    if data.get("url") and normalize_url(data["url"]) != bookmark.url_normalized:
        raise Problem(409, "Conflict", "The bookmark's URL changed since this page was fetched.")
    if data.get("title") is not None:
        title = data["title"][:512]
        bookmark.website_title = title
        if not bookmark.title:
            bookmark.title = title
    if data.get("description") is not None:
        bookmark.website_description = data["description"]
        if not bookmark.description:
            bookmark.description = data["description"][:10_000]
    for key in ("favicon_url", "preview_image_url"):
        if key in data:
            setattr(bookmark, key, data[key] or None)
    if data.get("page_text") is not None:
        bookmark.page_text = data["page_text"]
    session().commit()
    return service.as_internal(bookmark)


@blp.route("/v1/internal/bookmarks/<id:bookmark_id>/link-check", methods=["POST"])
@allow(blp, "service")
@blp.arguments(LinkCheckSchema)
@blp.response(200, LinkCheckResultSchema)
def link_check(data, bookmark_id):
    """Record a link check: two failures in a row make the link broken, a success clears it."""
    bookmark = any_bookmark(bookmark_id)
    bookmark.last_checked_at = utcnow()
    if data["ok"]:
        bookmark.link_check_failures = 0
        bookmark.is_broken = False
    else:
        bookmark.link_check_failures = (bookmark.link_check_failures or 0) + 1
        bookmark.is_broken = bookmark.link_check_failures >= BROKEN_AFTER
    session().commit()
    return {"is_broken": bookmark.is_broken}


@blp.route("/v1/internal/imports/<id:import_id>/batches", methods=["POST"])
@allow(blp, "service")
@blp.arguments(BatchSchema)
@blp.response(200, BatchResultSchema)
@blp.alt_response(409, description="The import failed (see its detail)")
def import_batch(data, import_id):
    """Import the next `size` entries of a large import (idempotent: api keeps the cursor).
    A failed import takes no more batches (409)."""
    return imports.run_batch(session(), import_id, size=data["size"])


@blp.route("/v1/internal/imports/<id:import_id>/failure", methods=["POST"])
@allow(blp, "service")
@blp.arguments(ImportFailureSchema)
@blp.response(200, ImportProgressSchema)
def import_failure(data, import_id):
    """Mark a large import failed, with why (tasks discarded or cancelled its job; contract
    C3). Idempotent; an import already done stays done. Its progress shows the detail."""
    return imports.progress(imports.fail(session(), import_id, data["detail"]))


@blp.route("/v1/internal/users", methods=["GET"])
@allow(blp, "service")
@blp.response(200, OwnersSchema)
def owners():
    """The owners who have bookmarks (for backups)."""
    return {"owner_ids": queries.owner_ids(session())}


@blp.route("/v1/internal/users/<id:owner_id>", methods=["DELETE"])
@allow(blp, "service")
@blp.response(204)
def purge_user(owner_id):
    """Delete everything api keeps for a user auth deleted: bookmarks, tags, bundles, their
    profile and username, imports, assets and their files, outbox messages about them.
    Idempotent: 204 whether or not anything was there (contract C2)."""
    deleted = purge.purge_owner(get_database(current_app), owner_id)
    log.info("purged a deleted user's data", extra={"owner_id": owner_id, "bookmarks": deleted})


@blp.route("/v1/internal/users/<id:owner_id>/export", methods=["GET"])
@allow(blp, "service")
@blp.arguments(ExportQuerySchema, location="query")
@blp.response(200, description="The export file")
def export(params, owner_id):
    """One owner's bookmarks as an export file (for backups)."""
    body, mimetype, filename = exports.export(session(), owner_id, params["format"])
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )

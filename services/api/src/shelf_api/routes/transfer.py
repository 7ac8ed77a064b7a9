"""Import and export (Shelf additions beside linkding's API, which has none):
POST /api/bookmarks/import/, GET /api/bookmarks/import/<id>/, GET /api/bookmarks/export/."""

from __future__ import annotations

from flask import Response, current_app

from shelf_identity import allow
from shelf_kit import upload_limit
from shelf_kit.db import session

from .. import bookmark_files, exports, imports
from ..errors import Invalid
from ..schemas.linkding import (
    ExportQuerySchema,
    ImportProgressSchema,
    ImportResultSchema,
    ImportSchema,
)
from .common import commit, committed, linkding_blueprint, not_found, owner_id

blp = linkding_blueprint("transfer", __name__, "Import and export (Shelf additions)")


@blp.route("/api/bookmarks/import/", methods=["POST"])
@upload_limit("SHELF_API_IMPORT_MAX_BYTES")
@allow(blp, "user")
@blp.arguments(ImportSchema, location="multipart")
@blp.response(201, ImportResultSchema)
@blp.alt_response(202, schema=ImportResultSchema, description="A large file: imported by a job")
def import_file(form):
    """Import a bookmark file (multipart, part `file`). Duplicates merge by URL; existing
    bookmarks gain the file's tags and fill an empty title or description. A file that cannot
    be read is refused whole (400 naming the line); nothing is written. Written 500 bookmarks
    a transaction, so other users' writes go in between; one cut short is finished by
    importing the file again."""
    upload = form["file"]
    data = upload.read(current_app.config["SHELF_API_IMPORT_MAX_BYTES"] + 1)
    if len(data) > current_app.config["SHELF_API_IMPORT_MAX_BYTES"]:
        raise Invalid({"file": ["The file is too large."]})
    try:
        kind, entries, skipped = bookmark_files.read(
            data, upload.filename or "", folders_as_tags=form["folders_as_tags"]
        )
    except bookmark_files.ImportFileError as error:
        raise Invalid({"file": [str(error)]}) from None
    entries = imports.merge_duplicates(entries)
    warnings = imports.checked(entries)
    answer = {"format": kind, "total": len(entries), "skipped": skipped, "warnings": warnings}
    if len(entries) > current_app.config["SHELF_API_IMPORT_JOB_THRESHOLD"]:
        record = imports.start_job(session(), owner_id(), kind, upload.filename or "", entries)
        commit(wake_relay=True)
        return {**answer, "import_": imports.progress(record)}, 202
    answer.update(
        imports.import_now(
            session(), owner_id(), entries, lambda write: committed(write, wake_relay=True)
        )
    )
    return answer


@blp.route("/api/bookmarks/import/<id:import_id>/", methods=["GET"])
@allow(blp, "user")
@blp.response(200, ImportProgressSchema)
def import_progress(import_id):
    """How far a large import has got."""
    record = imports.own_import(session(), owner_id(), import_id)
    if record is None:
        raise not_found()
    return imports.progress(record)


@blp.route("/api/bookmarks/export/", methods=["GET"])
@allow(blp, "user")
@blp.arguments(ExportQuerySchema, location="query")
@blp.response(200, description="The export file (html, json or csv)")
def export(params):
    """All the caller's bookmarks (archived ones too) as a file: Netscape HTML (re-importable
    into browsers and linkding), JSON or CSV."""
    body, mimetype, filename = exports.export(session(), owner_id(), params["format"])
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )

"""linkding's bookmark assets (/api/bookmarks/<id>/assets/...) and the browser extension's
snapshot upload (/api/bookmarks/singlefile/)."""

from __future__ import annotations

from flask import request, send_file

from shelf_identity import allow
from shelf_kit import upload_limit
from shelf_kit.db import session

from .. import assets as files
from .. import bookmarks as service
from .. import queries
from ..models import Asset
from ..schemas.linkding import (
    AssetPageSchema,
    AssetSchema,
    AssetUploadSchema,
    MessageSchema,
    PageQuerySchema,
    SingleFileSchema,
)
from .bookmarks import own_bookmark
from .common import commit, committed, linkding_blueprint, not_found, owner_id

blp = linkding_blueprint("assets", __name__, "linkding's bookmark assets")


def own_asset(bookmark_id: int, asset_id: int) -> Asset:
    asset = files.find_own(session(), owner_id(), bookmark_id, asset_id)
    if asset is None:
        raise not_found()
    return asset


def keep(asset: Asset) -> Asset:
    """Commit the new asset's row; without a row, its file goes."""
    try:
        session().add(asset)
        commit()
    except BaseException:
        session().rollback()
        files.remove(asset.file)
        raise
    return asset


@blp.route("/api/bookmarks/<id:bookmark_id>/assets/", methods=["GET"])
@allow(blp, "user")
@blp.arguments(PageQuerySchema, location="query")
@blp.response(200, AssetPageSchema)
def list_assets(params, bookmark_id):
    """A bookmark's assets, oldest first."""
    own_bookmark(bookmark_id)
    page = queries.Page(
        session(),
        files.of_bookmark(bookmark_id),
        limit=params["limit"],
        offset=params["offset"],
        url=request.url,
    )
    return page.envelope(page.items)


@blp.route("/api/bookmarks/<id:bookmark_id>/assets/<id:asset_id>/", methods=["GET"])
@allow(blp, "user")
@blp.response(200, AssetSchema)
def get_asset(bookmark_id, asset_id):
    """One asset."""
    return own_asset(bookmark_id, asset_id)


@blp.route("/api/bookmarks/<id:bookmark_id>/assets/<id:asset_id>/download/", methods=["GET"])
@allow(blp, "user")
@blp.response(200, description="The file, with its content type")
def download(bookmark_id, asset_id):
    """The asset's file, as an attachment (never rendered on Shelf's own address)."""
    asset = own_asset(bookmark_id, asset_id)
    path = files.path_of(asset)
    if not path.exists():
        raise not_found()
    response = send_file(
        path,
        mimetype=asset.content_type,
        as_attachment=True,
        download_name=asset.display_name or path.name,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox"
    return response


@blp.route("/api/bookmarks/<id:bookmark_id>/assets/upload/", methods=["POST"])
@upload_limit("SHELF_API_ASSET_MAX_BYTES")
@allow(blp, "user")
@blp.arguments(AssetUploadSchema, location="files")
@blp.response(201, AssetSchema)
def upload(files_, bookmark_id):
    """Keep a file with a bookmark (multipart, part `file`)."""
    bookmark = own_bookmark(bookmark_id)
    upload = files_["file"]
    return keep(
        files.new_asset(
            bookmark, asset_type="upload", upload=upload, display_name=upload.filename or "upload"
        )
    )


@blp.route("/api/bookmarks/<id:bookmark_id>/assets/<id:asset_id>/", methods=["DELETE"])
@allow(blp, "user")
@blp.response(204)
def delete_asset(bookmark_id, asset_id):
    """Delete an asset and its file."""
    asset = own_asset(bookmark_id, asset_id)
    name = asset.file
    session().delete(asset)
    commit()
    files.remove(name)


@blp.route("/api/bookmarks/singlefile/", methods=["POST"])
@upload_limit("SHELF_API_ASSET_MAX_BYTES")
@allow(blp, "user")
@blp.arguments(SingleFileSchema, location="multipart")
@blp.response(201, MessageSchema)
def singlefile(form):
    """The browser extension's snapshot (multipart `url` and `file`): kept as a snapshot of
    the caller's bookmark of that URL, which is created if needed."""
    bookmark, _created = committed(
        lambda: service.create_or_update(session(), owner_id(), {"url": form["url"]}),
        wake_relay=True,
    )
    upload = form["file"]
    keep(
        files.new_asset(
            bookmark,
            asset_type="snapshot",
            upload=upload,
            display_name=f"HTML snapshot from {bookmark.date_added:%Y-%m-%d}",
        )
    )
    return {"message": "Snapshot uploaded successfully."}

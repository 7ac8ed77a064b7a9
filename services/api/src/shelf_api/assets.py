"""Asset files: written under SHELF_API_ASSETS_DIR before their row is committed, removed
after their row (or their bookmark) is deleted. A file whose row never committed is removed
at once; names are random, so a stray file can never be served as another asset."""

from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path
from typing import IO

from flask import current_app
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from .errors import Invalid
from .models import Asset, Bookmark

CHUNK = 1024 * 1024


def folder() -> Path:
    return Path(current_app.config["SHELF_API_ASSETS_DIR"])


def store(stream: IO[bytes], *, suffix: str = "") -> tuple[str, int]:
    """Copy the upload to a new file; (relative name, size). Too large: 400, nothing kept."""
    limit = current_app.config["SHELF_API_ASSET_MAX_BYTES"]
    name = f"{uuid.uuid4().hex}{suffix}"
    path = folder() / name
    path.parent.mkdir(parents=True, exist_ok=True)
    size = 0
    try:
        with open(path, "xb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise Invalid({"file": ["The file is too large."]})
                out.write(chunk)
    except BaseException:
        remove(name)
        raise
    return name, size


def remove(name: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.remove(folder() / name)


def path_of(asset: Asset) -> Path:
    return folder() / asset.file


def new_asset(bookmark: Bookmark, *, asset_type: str, upload, display_name: str) -> Asset:
    suffix = ".html" if asset_type == "snapshot" else ""
    name, size = store(upload.stream, suffix=suffix)
    content_type = (upload.mimetype or "application/octet-stream")[:128]
    if asset_type == "snapshot":
        content_type = "text/html"
    return Asset(
        bookmark_id=bookmark.id,
        owner_id=bookmark.owner_id,
        asset_type=asset_type,
        content_type=content_type,
        display_name=display_name[:512],
        file=name,
        file_size=size,
        status="complete",
    )


def find_own(session: Session, owner_id: int, bookmark_id: int, asset_id: int) -> Asset | None:
    return session.scalars(
        select(Asset).where(
            Asset.id == asset_id, Asset.bookmark_id == bookmark_id, Asset.owner_id == owner_id
        )
    ).first()


def of_bookmark(bookmark_id: int) -> Select:
    """A bookmark's assets, oldest first."""
    return select(Asset).where(Asset.bookmark_id == bookmark_id).order_by(Asset.id)


def files_of(session: Session, bookmark_id: int) -> list[str]:
    """The names of a bookmark's asset files (to remove once its row is deleted)."""
    return list(session.scalars(select(Asset.file).where(Asset.bookmark_id == bookmark_id)))

"""Exporting an owner's bookmarks: Netscape bookmark HTML (what browsers import, and what
linkding exports: tags in TAGS, the description in <DD>, notes wrapped in linkding's
markers), JSON (linkding's bookmark objects) and CSV."""

from __future__ import annotations

import csv
import html
import io
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .bookmarks import as_linkding
from .models import Bookmark

FORMATS = {
    "html": ("text/html", "bookmarks.html"),
    "json": ("application/json", "bookmarks.json"),
    "csv": ("text/csv", "bookmarks.csv"),
}
CSV_COLUMNS = (
    "url",
    "title",
    "description",
    "notes",
    "tags",
    "unread",
    "shared",
    "is_archived",
    "date_added",
    "date_modified",
)


def owned(session: Session, owner_id: int) -> list[Bookmark]:
    return list(
        session.scalars(
            select(Bookmark)
            .where(Bookmark.owner_id == owner_id)
            .order_by(Bookmark.id)
            .options(selectinload(Bookmark.tags))
        )
    )


def export(session: Session, owner_id: int, format: str) -> tuple[str, str, str]:
    """(body, mimetype, filename)."""
    bookmarks = [as_linkding(bookmark) for bookmark in owned(session, owner_id)]
    mimetype, filename = FORMATS[format]
    body = {"html": to_html, "json": to_json, "csv": to_csv}[format](bookmarks)
    return body, mimetype + "; charset=utf-8", filename


def _stamp(value) -> str:
    return str(int(value.timestamp()))


def to_html(bookmarks: list[dict[str, Any]]) -> str:
    lines = [
        "<!DOCTYPE NETSCAPE-Bookmark-file-1>",
        '<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=UTF-8">',
        "<TITLE>Bookmarks</TITLE>",
        "<H1>Bookmarks</H1>",
        "<DL><p>",
    ]
    for item in bookmarks:
        attrs = (
            f'HREF="{html.escape(item["url"])}" ADD_DATE="{_stamp(item["date_added"])}" '
            f'LAST_MODIFIED="{_stamp(item["date_modified"])}" '
            f'PRIVATE="{0 if item["shared"] else 1}" TOREAD="{1 if item["unread"] else 0}" '
            f'TAGS="{html.escape(",".join(item["tag_names"]))}"'
        )
        lines.append(f"<DT><A {attrs}>{html.escape(item['title'])}</A>")
        description = item["description"]
        if item["notes"]:
            description += f"[linkding-notes]{item['notes']}[/linkding-notes]"
        if description:
            lines.append(f"<DD>{html.escape(description)}")
    lines.append("</DL><p>")
    return "\n".join(lines) + "\n"


def _jsonable(item: dict[str, Any]) -> dict[str, Any]:
    out = dict(item)
    for key in ("date_added", "date_modified"):
        out[key] = item[key].isoformat().replace("+00:00", "Z")
    return out


def to_json(bookmarks: list[dict[str, Any]]) -> str:
    return json.dumps([_jsonable(item) for item in bookmarks], indent=2, ensure_ascii=False) + "\n"


def _cell(text: str) -> str:
    """Text a spreadsheet would run as a formula (titles come from the web) gets a quote."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(bookmarks: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for item in bookmarks:
        row = _jsonable(item)
        text = [
            row["url"],
            row["title"],
            row["description"],
            row["notes"],
            " ".join(row["tag_names"]),
        ]
        flags = [str(row[key]).lower() for key in ("unread", "shared", "is_archived")]
        writer.writerow([*map(_cell, text), *flags, row["date_added"], row["date_modified"]])
    return buffer.getvalue()

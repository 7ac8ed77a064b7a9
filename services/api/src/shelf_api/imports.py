"""Writing imported entries: duplicates merged by normalized URL, in the file and with what
the owner already has, never destroying anything (an existing bookmark gains the imported
tags and fills an empty title or description; nothing else changes), so repeating an import
changes nothing.

Small files are imported at once, in transactions of CHUNK entries. Files with more entries than
SHELF_API_IMPORT_JOB_THRESHOLD are kept in `imports` and run by a tasks job
(`import_bookmarks`), which calls `run_batch` until it is done: each batch writes its
bookmarks and advances the cursor in one transaction, so a repeated or resumed batch never
duplicates.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from shelf_kit import Problem
from shelf_kit.db import utcnow

from . import tag_names
from .bookmarks import fetch_metadata_batch_message
from .models import Bookmark, Import, ImportEntry, Tag, bookmark_tags
from .outbox import job_message
from .urls import normalize_url

# The mapped tables, as Core sees them (imports write in Core statements).
BOOKMARKS = cast(Table, Bookmark.__table__)
TAGS = cast(Table, Tag.__table__)
CHUNK = 500
DETAIL_LENGTH = 2000


def merge_duplicates(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per normalized URL: the first, with every copy's tags and the first
    non-empty title and description, and the earliest date."""
    merged: dict[str, dict[str, Any]] = {}
    for item in entries:
        key = normalize_url(item["url"])
        first = merged.get(key)
        if first is None:
            merged[key] = {**item, "tag_names": list(item["tag_names"])}
            continue
        first["tag_names"] += item["tag_names"]  # tag_names.split, in checked(), dedupes
        for field in ("title", "description", "notes"):
            first[field] = first[field] or item[field]
        dates = [d for d in (first["date_added"], item["date_added"]) if d]
        first["date_added"] = min(dates) if dates else None
        first["unread"] = first["unread"] or item["unread"]
    return list(merged.values())


def checked(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Make every entry's tags follow the rules (tag_names.py); what that changed, by line:
    `{"line", "url", "reason"}` each (the import's answer lists them as `warnings`)."""
    warnings: list[dict[str, Any]] = []
    for item in entries:
        item["tag_names"], changes = tag_names.imported(item["tag_names"])
        warnings.extend(
            {"line": item["line"], "url": item["url"][:200], "reason": change} for change in changes
        )
    return warnings


class _Writer:
    """Writes checked entries (see `checked`), CHUNK at a time, in a few statements a chunk
    (SQLAlchemy Core, executemany): the chunk's bookmarks that exist, their tags, the tags the
    chunk names and those it makes, then the new bookmarks, their tag links, the gains of the
    existing ones and one outbox message for the pages of the new ones. Ten thousand ORM
    objects flushed one by one cost three times the CPU of the whole import now."""

    def __init__(self, session: Session, owner_id: int) -> None:
        self.session = session
        self.owner_id = owner_id
        self.tag_ids: dict[str, int] = {}  # folded name -> id, as the chunks find or make them
        self.created = 0
        self.updated = 0

    def write(self, entries: list[dict[str, Any]]) -> tuple[int, int]:
        """(created, updated) by these entries."""
        before = (self.created, self.updated)
        for start in range(0, len(entries), CHUNK):
            self.write_chunk(entries[start : start + CHUNK])
        return self.created - before[0], self.updated - before[1]

    def write_chunk(self, chunk: list[dict[str, Any]]) -> None:
        keys = [normalize_url(item["url"]) for item in chunk]
        ids_by_name = self.resolve_tags(
            {name for item in chunk for name in item["tag_names"]}, chunk
        )
        rows = self.existing(keys)
        new: list[dict[str, Any]] = []
        for key, item in zip(keys, chunk, strict=True):
            row = rows.get(key)
            tag_ids = [ids_by_name[name] for name in item["tag_names"]]
            if row is None:
                rows[key] = self.new_row(key, item, tag_ids)
                new.append(rows[key])
            else:  # one the owner has, or (a file not merged) one made by an entry above
                self.merge(row, item, tag_ids)
        if new:
            self.insert_bookmarks(new)
        changed = [row for row in rows.values() if row.get("changed")]
        if changed:
            self.session.execute(
                update(BOOKMARKS).where(BOOKMARKS.c.id == bindparam("row_id")),
                [
                    {
                        "row_id": row["id"],
                        "title": row["title"],
                        "description": row["description"],
                        "notes": row["notes"],
                        "date_modified": row["date_modified"],
                    }
                    for row in changed
                ],
            )
        links = [
            {"bookmark_id": row["id"], "tag_id": tag_id}
            for row in rows.values()
            for tag_id in row["new_tags"]
        ]
        if links:
            self.session.execute(insert(bookmark_tags), links)
        if new:
            self.session.add(
                fetch_metadata_batch_message(self.owner_id, [row["id"] for row in new])
            )

    def resolve_tags(self, names: set[str], chunk: list[dict[str, Any]]) -> dict[str, int]:
        """The tag id of each of `names`: the owner's tags by folded name, in one query, and
        those missing made in one statement, spelled as the chunk first names them."""
        folded = {name: tag_names.fold(name) for name in names}
        self.make_missing_tags(folded, chunk)
        return {name: self.tag_ids[key] for name, key in folded.items()}

    def make_missing_tags(self, folded: dict[str, str], chunk: list[dict[str, Any]]) -> None:
        wanted: dict[str, str] = {}  # folded -> the first spelling, in the chunk's order
        for item in chunk:
            for name in item["tag_names"]:
                wanted.setdefault(folded[name], name)
        missing = [key for key in wanted if key not in self.tag_ids]
        if not missing:
            return
        self.tag_ids.update(
            self.session.execute(
                select(Tag.name_folded, Tag.id).where(
                    Tag.owner_id == self.owner_id, Tag.name_folded.in_(missing)
                )
            ).all()
        )
        made = [
            {
                "owner_id": self.owner_id,
                "name": wanted[key],
                "name_folded": key,
                "date_added": utcnow(),
            }
            for key in missing
            if key not in self.tag_ids
        ]
        if made:
            self.tag_ids.update(
                self.session.execute(
                    insert(TAGS).returning(TAGS.c.name_folded, TAGS.c.id),
                    made,
                ).all()
            )

    def existing(self, keys: list[str]) -> dict[str, dict[str, Any]]:
        """The owner's bookmarks with these normalized URLs, with their tag ids, by URL."""
        rows = {
            row.url_normalized: {
                "id": row.id,
                "title": row.title,
                "description": row.description,
                "notes": row.notes,
                "tags": set(),
                "new_tags": [],
                "changed": False,
            }
            for row in self.session.execute(
                select(
                    Bookmark.id,
                    Bookmark.url_normalized,
                    Bookmark.title,
                    Bookmark.description,
                    Bookmark.notes,
                ).where(Bookmark.owner_id == self.owner_id, Bookmark.url_normalized.in_(keys))
            )
        }
        if rows:
            by_id = {row["id"]: row for row in rows.values()}
            for bookmark_id, tag_id in self.session.execute(
                select(bookmark_tags.c.bookmark_id, bookmark_tags.c.tag_id).where(
                    bookmark_tags.c.bookmark_id.in_(list(by_id))
                )
            ):
                by_id[bookmark_id]["tags"].add(tag_id)
        return rows

    def new_row(self, key: str, item: dict[str, Any], tag_ids: list[int]) -> dict[str, Any]:
        added = datetime.fromisoformat(item["date_added"]) if item["date_added"] else utcnow()
        self.created += 1
        tags = list(dict.fromkeys(tag_ids))
        return {
            "owner_id": self.owner_id,
            "url": item["url"],
            "url_normalized": key,
            "title": item["title"],
            "description": item["description"],
            "notes": item["notes"],
            "unread": item["unread"],
            "shared": item["shared"],
            "is_archived": item["is_archived"],
            "date_added": added,
            "date_modified": added,
            "tags": set(tags),
            "new_tags": tags,
        }

    def insert_bookmarks(self, new: list[dict[str, Any]]) -> None:
        """One statement for the chunk's new bookmarks; their ids, matched by normalized URL
        (unique per owner), into their rows. The FTS5 triggers index them on SQLite."""
        table = BOOKMARKS
        columns = (
            "owner_id",
            "url",
            "url_normalized",
            "title",
            "description",
            "notes",
            "unread",
            "shared",
            "is_archived",
            "date_added",
            "date_modified",
        )
        ids: dict[str, int] = dict(
            self.session.execute(
                insert(table).returning(table.c.url_normalized, table.c.id),
                [{column: row[column] for column in columns} for row in new],
            ).all()
        )
        for row in new:
            row["id"] = ids[row["url_normalized"]]

    def merge(self, row: dict[str, Any], item: dict[str, Any], tag_ids: list[int]) -> None:
        """The bookmark gains the entry's tags (while it has fewer than the limit), and its
        title, description or notes where empty."""
        changed = False
        for tag_id in tag_ids:
            if tag_id not in row["tags"] and len(row["tags"]) < tag_names.MAX_PER_BOOKMARK:
                row["tags"].add(tag_id)
                row["new_tags"].append(tag_id)
                changed = True
        for field in ("title", "description", "notes"):
            if item[field] and not row[field]:
                row[field] = item[field]
                changed = True
        if changed:
            row["date_modified"] = utcnow()
            if "id" in row:  # a bookmark the owner had: its row is updated
                row["changed"] = True
            self.updated += 1


def import_now(
    session: Session,
    owner_id: int,
    entries: list[dict[str, Any]],
    commit: Callable[[Callable[[], tuple[int, int]]], tuple[int, int]],
) -> dict[str, int]:
    """Write every entry, CHUNK at a time, each chunk in a transaction of its own: `commit`
    runs a chunk's writing and commits it, and runs it once more when a concurrent request
    made the same bookmark or tag first (then on a writer that reads the owner's tags again).

    Resumable, not atomic: one transaction for a whole file held SQLite's only write lock for
    as long as the file took (10 s for 10,000 bookmarks), and every other user's writes waited;
    between two chunks they go. An import cut short keeps the chunks it committed, and
    importing the same file again finishes it without a duplicate: entries merge by URL, an
    existing bookmark only gains."""
    created = updated = 0
    writer = _Writer(session, owner_id)
    for start in range(0, len(entries), CHUNK):
        tries = 0

        def write(chunk=entries[start : start + CHUNK]) -> tuple[int, int]:
            nonlocal writer, tries
            tries += 1
            if tries > 1:  # rolled back: the tags it knew may not exist
                writer = _Writer(session, owner_id)
            return writer.write(chunk)

        made, gained = commit(write)
        created += made
        updated += gained
    return {"created": created, "updated": updated}


def start_job(
    session: Session, owner_id: int, kind: str, filename: str, entries: list[dict[str, Any]]
) -> Import:
    """Keep a large import, an entry a row, and ask tasks (through the outbox) to run it in
    batches."""
    record = Import(
        owner_id=owner_id,
        format=kind,
        filename=filename[:255],
        total=len(entries),
        processed=0,
        state="pending",
    )
    session.add(record)
    session.flush()
    for start in range(0, len(entries), CHUNK):
        session.execute(
            insert(ImportEntry),
            [
                {"import_id": record.id, "position": position, "entry": item}
                for position, item in enumerate(entries[start : start + CHUNK], start)
            ],
        )
    session.add(
        job_message(
            {
                "kind": "import_bookmarks",
                "args": {"import_id": record.id},
                "idempotency_key": f"import_bookmarks:{record.id}",
                "created_by": owner_id,
            }
        )
    )
    return record


def locked_import(session: Session, import_id: int) -> Import:
    statement = select(Import).where(Import.id == import_id)
    if session.get_bind().dialect.name != "sqlite":
        statement = statement.with_for_update()  # one batch of an import at a time
    record = session.scalars(statement).first()
    if record is None:
        raise Problem(404, "Not Found", f"Import {import_id} does not exist.")
    return record


def run_batch(session: Session, import_id: int, *, size: int) -> dict[str, Any]:
    """The next `size` entries, from the cursor on. Done, its entries go. A failed import
    stays failed (409): importing the file again finishes it, duplicates merging."""
    record = locked_import(session, import_id)
    if record.state == "failed":
        raise Problem(409, "Conflict", f"Import {import_id} failed: {record.detail}")
    if record.state != "done":
        batch: list[dict[str, Any]] = list(
            session.scalars(
                select(ImportEntry.entry)
                .where(ImportEntry.import_id == import_id, ImportEntry.position >= record.processed)
                .order_by(ImportEntry.position)
                .limit(size)
            )
        )
        writer = _Writer(session, record.owner_id)
        writer.write(batch)
        record.processed += len(batch)
        record.created += writer.created
        record.updated += writer.updated
        record.state = "done" if record.processed >= record.total else "running"
        record.updated_at = utcnow()
        if record.state == "done":
            forget_entries(session, import_id)
    answer = {"processed": record.processed, "total": record.total, "done": record.state == "done"}
    session.commit()
    return answer


def fail(session: Session, import_id: int, detail: str) -> Import:
    """Mark an import failed, saying why (contract C3: tasks discarded or cancelled its job);
    a done import stays done. What it imported stays; its other entries go."""
    record = locked_import(session, import_id)
    if record.state != "done":
        record.state = "failed"
        record.detail = detail[:DETAIL_LENGTH]
        record.updated_at = utcnow()
        forget_entries(session, import_id)
    session.commit()
    return record


def forget_entries(session: Session, import_id: int) -> None:
    session.execute(delete(ImportEntry).where(ImportEntry.import_id == import_id))


def progress(record: Import) -> dict[str, Any]:
    return {
        "id": record.id,
        "state": record.state,
        "format": record.format,
        "filename": record.filename,
        "total": record.total,
        "processed": record.processed,
        "created": record.created,
        "updated": record.updated,
        "job_id": record.job_id,
        "detail": record.detail,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
    }


def own_import(session: Session, owner_id: int, import_id: int) -> Import | None:
    return session.scalars(
        select(Import).where(Import.id == import_id, Import.owner_id == owner_id)
    ).first()


def count_owned(session: Session, owner_id: int) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(Bookmark).where(Bookmark.owner_id == owner_id)
        )
        or 0
    )

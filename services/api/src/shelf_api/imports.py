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
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session, selectinload

from shelf_kit import Problem
from shelf_kit.db import utcnow

from . import tag_names
from .bookmarks import fetch_metadata_batch_message
from .models import Bookmark, Import, ImportEntry, Tag
from .outbox import job_message
from .urls import normalize_url

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
    warnings = []
    for item in entries:
        item["tag_names"], changes = tag_names.imported(item["tag_names"])
        warnings.extend({"line": item["line"], "url": item["url"][:200], "reason": change}
                        for change in changes)
    return warnings


class _Writer:
    """Writes checked entries (see `checked`)."""

    def __init__(self, session: Session, owner_id: int) -> None:
        self.session = session
        self.owner_id = owner_id
        self.tags: dict[str, Tag] = {tag.name_folded: tag for tag in session.scalars(
            select(Tag).where(Tag.owner_id == owner_id))}
        self.created = 0
        self.updated = 0

    def tag(self, name: str) -> Tag:
        key = tag_names.fold(name)
        tag = self.tags.get(key)
        if tag is None:
            tag = Tag(owner_id=self.owner_id, name=name)
            self.session.add(tag)
            self.tags[key] = tag
        return tag

    def write(self, entries: list[dict[str, Any]]) -> tuple[int, int]:
        """(created, updated) by these entries."""
        before = (self.created, self.updated)
        for start in range(0, len(entries), CHUNK):
            chunk = entries[start:start + CHUNK]
            keys = [normalize_url(item["url"]) for item in chunk]
            existing = {bookmark.url_normalized: bookmark for bookmark in self.session.scalars(
                select(Bookmark).where(Bookmark.owner_id == self.owner_id,
                                       Bookmark.url_normalized.in_(keys))
                .options(selectinload(Bookmark.tags)))}
            created = []
            for key, item in zip(keys, chunk, strict=True):
                bookmark = existing.get(key)
                if bookmark is None:
                    existing[key] = self.create(item)
                    created.append(existing[key])
                else:
                    self.merge(bookmark, item)
            self.session.flush()  # once per chunk: the new bookmarks get their ids
            if created:
                self.session.add(fetch_metadata_batch_message(created))
        return self.created - before[0], self.updated - before[1]

    def create(self, item: dict[str, Any]) -> Bookmark:
        added = datetime.fromisoformat(item["date_added"]) if item["date_added"] else utcnow()
        bookmark = Bookmark(owner_id=self.owner_id, url=item["url"], title=item["title"],
                            description=item["description"], notes=item["notes"],
                            unread=item["unread"], shared=item["shared"],
                            is_archived=item["is_archived"], date_added=added,
                            date_modified=added,
                            tags=[self.tag(name) for name in item["tag_names"]])
        self.session.add(bookmark)
        self.created += 1
        return bookmark

    def merge(self, bookmark: Bookmark, item: dict[str, Any]) -> None:
        """The bookmark gains the entry's tags (while it has fewer than the limit), and its
        title, description or notes where empty."""
        changed = False
        have = set(bookmark.tags)
        for name in item["tag_names"]:
            tag = self.tag(name)
            if tag not in have and len(have) < tag_names.MAX_PER_BOOKMARK:
                bookmark.tags.append(tag)
                have.add(tag)
                changed = True
        for field in ("title", "description", "notes"):
            if item[field] and not getattr(bookmark, field):
                setattr(bookmark, field, item[field])
                changed = True
        if changed:
            bookmark.date_modified = utcnow()
            self.updated += 1


def import_now(session: Session, owner_id: int, entries: list[dict[str, Any]],
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

        def write(chunk=entries[start:start + CHUNK]) -> tuple[int, int]:
            nonlocal writer, tries
            tries += 1
            if tries > 1:  # rolled back: the tags it knew may not exist
                writer = _Writer(session, owner_id)
            return writer.write(chunk)

        made, gained = commit(write)
        created += made
        updated += gained
    return {"created": created, "updated": updated}


def start_job(session: Session, owner_id: int, kind: str, filename: str,
              entries: list[dict[str, Any]]) -> Import:
    """Keep a large import, an entry a row, and ask tasks (through the outbox) to run it in
    batches."""
    record = Import(owner_id=owner_id, format=kind, filename=filename[:255],
                    total=len(entries), processed=0, state="pending")
    session.add(record)
    session.flush()
    for start in range(0, len(entries), CHUNK):
        session.execute(insert(ImportEntry), [
            {"import_id": record.id, "position": position, "entry": item}
            for position, item in enumerate(entries[start:start + CHUNK], start)])
    session.add(job_message({
        "kind": "import_bookmarks", "args": {"import_id": record.id},
        "idempotency_key": f"import_bookmarks:{record.id}", "created_by": owner_id}))
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
        batch = list(session.scalars(
            select(ImportEntry.entry).where(ImportEntry.import_id == import_id,
                                            ImportEntry.position >= record.processed)
            .order_by(ImportEntry.position).limit(size)))
        writer = _Writer(session, record.owner_id)
        writer.write(batch)
        record.processed += len(batch)
        record.created += writer.created
        record.updated += writer.updated
        record.state = "done" if record.processed >= record.total else "running"
        record.updated_at = utcnow()
        if record.state == "done":
            forget_entries(session, import_id)
    answer = {"processed": record.processed, "total": record.total,
              "done": record.state == "done"}
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
    return {"id": record.id, "state": record.state, "format": record.format,
            "filename": record.filename, "total": record.total, "processed": record.processed,
            "created": record.created, "updated": record.updated, "job_id": record.job_id,
            "detail": record.detail,
            "created_at": record.created_at, "updated_at": record.updated_at}


def own_import(session: Session, owner_id: int, import_id: int) -> Import | None:
    return session.scalars(select(Import).where(Import.id == import_id,
                                                Import.owner_id == owner_id)).first()


def count_owned(session: Session, owner_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Bookmark)
                          .where(Bookmark.owner_id == owner_id)) or 0

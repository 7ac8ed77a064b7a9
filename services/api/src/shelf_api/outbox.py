"""api's outbox: messages for tasks written beside the changes they are about (see
`bookmarks.enqueue_fetch_metadata`), delivered to tasks' `POST /v1/jobs` by shelf-kit's relay
(`shelf_kit.outbox`, which says how relays share the table) until tasks accepts them, then
deleted.

Each web process runs one relay thread (started on the first request when
SHELF_API_OUTBOX_RELAY is true), or `shelf-api relay` runs one on its own.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, update

from shelf_kit.db import Database
from shelf_kit.outbox import Deliver, Relay

from .models import Import, OutboxMessage


def job_message(payload: dict[str, Any]) -> OutboxMessage:
    """The message that enqueues this job (tasks' POST /v1/jobs body), at its priority."""
    return OutboxMessage(kind=payload["kind"], payload=payload, priority=payload.get("priority", 0))


def relay(database: Database, deliver: Deliver, **options: Any) -> Relay:
    """The relay over api's outbox; `options` are shelf_kit.outbox.Relay's (poll_seconds, ...)."""
    return Relay(database, deliver, OutboxMessage, service="api", on_delivered=delivered, **options)


def delivered(connection: Connection, payload: dict[str, Any], job_id: int | None) -> None:
    """In the transaction that marks a message delivered: an import's progress points at its
    job, and the message goes (tasks has the job; the row was 200 bytes kept for nothing)."""
    point_import_at_job(connection, payload, job_id)
    connection.execute(delete(OutboxMessage).where(OutboxMessage.delivered_at.is_not(None)))


def point_import_at_job(
    connection: Connection, payload: dict[str, Any], job_id: int | None
) -> None:
    """An import run by a tasks job: its progress points at the job from now on."""
    if payload.get("kind") == "import_bookmarks" and job_id is not None:
        connection.execute(
            update(Import).where(Import.id == payload["args"]["import_id"]).values(job_id=job_id)
        )

"""The outbox: the mail auth sends is written in the same transaction as the reset token it
carries (`add`), and a relay delivers it to tasks' `POST /v1/jobs` until tasks accepts it, so a
tasks outage delays a reset mail but never loses it, and never shows in auth's answers.

The relay is shelf-kit's (`shelf_kit.outbox`, which says how relays share the table): one
thread per web process, started by its first request when SHELF_AUTH_OUTBOX_RELAY is true and
woken after every commit that wrote a message (`wake`); `shelf-auth relay` runs one on its own.
A message whose content expires (a reset link) is dropped, with a warning, once it has expired.

A delivered message keeps only its kind and idempotency key: the reset link it carried is
tasks' to keep from then on, not auth's.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import and_, delete, or_
from sqlalchemy.orm import Session

from shelf_kit import outbox as kit_outbox
from shelf_kit.db import Database, rows_changed, utcnow

from . import extensions
from .models import OutboxMessage

KEEP_DELIVERED = timedelta(days=7)  # then the purge deletes them


def add(session: Session, job: dict[str, Any], *, expires_at: datetime | None = None) -> None:
    """Ask tasks to run `job` (the body of POST /v1/jobs), in the caller's transaction."""
    session.add(OutboxMessage(kind=job["kind"], payload=job, expires_at=expires_at))


def wake() -> None:
    """Have this process's relay deliver now (call it after a commit that added messages)."""
    relay = extensions.relay(current_app)
    if relay is not None:
        relay.wake()


def purge(*, session: Session, now: datetime | None = None) -> int:
    """Delete messages delivered more than KEEP_DELIVERED ago, and expired undelivered ones."""
    now = now or utcnow()
    return rows_changed(
        session,
        delete(OutboxMessage).where(
            or_(
                OutboxMessage.delivered_at <= now - KEEP_DELIVERED,
                and_(OutboxMessage.delivered_at.is_(None), OutboxMessage.expires_at <= now),
            )
        ),
    )


def delivered_form(payload: dict[str, Any]) -> dict[str, Any]:
    """What a delivered message keeps: enough to find its job in tasks, nothing secret."""
    return {"kind": payload.get("kind"), "idempotency_key": payload.get("idempotency_key")}


def relay(database: Database, deliver: kit_outbox.Deliver, **options: Any) -> kit_outbox.Relay:
    """The relay over auth's outbox; `options` are shelf_kit.outbox.Relay's (poll_seconds, ...)."""
    return kit_outbox.Relay(
        database, deliver, OutboxMessage, service="auth", delivered_form=delivered_form, **options
    )

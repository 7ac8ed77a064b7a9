"""The outbox: the mail auth sends is written in the same transaction as the reset token it
carries (`add`), and a relay delivers it to tasks' `POST /v1/jobs` until tasks accepts it, so a
tasks outage delays a reset mail but never loses it, and never shows in auth's answers.

Each web process runs one relay thread, started by its first request when
SHELF_AUTH_OUTBOX_RELAY is true and woken after every commit that wrote a message (`wake`);
`shelf-auth relay` runs one on its own. Any number may run: a relay claims due messages in one
statement that pushes their next attempt past a lease (Postgres: `FOR UPDATE SKIP LOCKED` in
the claim's subquery; SQLite: the single UPDATE holds the write lock), so two relays never
send the same message at once. A relay that dies mid-delivery loses its lease and the message
is sent again; tasks' idempotency key makes that harmless. Failures back off exponentially
(with jitter) up to a cap and never give up, but for a message whose content expires (a reset
link): that one is dropped, with a warning, once it has expired.

A delivered message keeps only its kind and idempotency key: the reset link it carried is
tasks' to keep from then on, not auth's.
"""

from __future__ import annotations

import atexit
import logging
import random
import threading
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from prometheus_client import Counter, Gauge
from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from shelf_http import ServiceClient, ServiceError
from shelf_kit import bound_request_id
from shelf_kit.db import Database, utcnow

from .models import OutboxMessage

log = logging.getLogger("shelf.auth.outbox")
JOBS_PATH = "/v1/jobs"
EXTENSION = "shelf_auth_relay"
# /readyz calls the outbox failed (auth stays ready, but "degraded") once a message has
# waited this long: tasks is down, or refuses what auth sends.
STALLED_AFTER = timedelta(minutes=10)
KEEP_DELIVERED = timedelta(days=7)  # then the purge deletes them

WAITING = Gauge("shelf_outbox_messages_waiting", "Outbox messages not delivered yet",
                ["service"], multiprocess_mode="livemax")
DELIVERIES = Counter("shelf_outbox_deliveries_total",
                     "Outbox deliveries by outcome: delivered, failed (retried later), expired",
                     ["service", "outcome"])


def add(session: Session, job: dict[str, Any], *, expires_at: datetime | None = None) -> None:
    """Ask tasks to run `job` (the body of POST /v1/jobs), in the caller's transaction."""
    session.add(OutboxMessage(kind=job["kind"], payload=job, expires_at=expires_at))


def wake() -> None:
    """Have this process's relay deliver now (call it after a commit that added messages)."""
    relay = current_app.extensions.get(EXTENSION)
    if relay is not None:
        relay.wake()


def waiting(session: Session) -> tuple[int, datetime | None]:
    """How many messages wait for delivery, and when the oldest of them was written."""
    count, oldest = session.execute(select(func.count(), func.min(OutboxMessage.created_at))
                                    .where(OutboxMessage.delivered_at.is_(None))).one()
    return count, oldest


class OutboxBacklog(Exception):
    """A message has waited longer than STALLED_AFTER."""


def check(database: Database) -> str:
    """The readiness check: how much waits, failing (not critically) when it waits too long."""
    with database.transaction() as session:
        count, oldest = waiting(session)
    WAITING.labels("auth").set(count)
    if oldest is None:
        return "0 waiting"
    age = int((utcnow() - oldest).total_seconds())
    if age > STALLED_AFTER.total_seconds():
        raise OutboxBacklog(f"{count} messages waiting, the oldest for {age} s")
    return f"{count} waiting, the oldest for {age} s"


def purge(*, session: Session, now: datetime | None = None) -> int:
    """Delete messages delivered more than KEEP_DELIVERED ago, and expired undelivered ones."""
    now = now or utcnow()
    return session.execute(delete(OutboxMessage).where(or_(
        OutboxMessage.delivered_at <= now - KEEP_DELIVERED,
        and_(OutboxMessage.delivered_at.is_(None), OutboxMessage.expires_at <= now)))).rowcount


def delivered_form(payload: dict[str, Any]) -> dict[str, Any]:
    """What a delivered message keeps: enough to find its job in tasks, nothing secret."""
    return {"kind": payload.get("kind"), "idempotency_key": payload.get("idempotency_key")}


class Relay:
    def __init__(self, database: Database, tasks: ServiceClient, *, poll_seconds: float = 2.0,
                 max_backoff_seconds: float = 300.0, lease_seconds: float = 60.0,
                 batch_size: int = 50) -> None:
        self.database = database
        self.tasks = tasks
        self.poll_seconds = poll_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self.lease_seconds = lease_seconds
        self.batch_size = batch_size
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # -- the thread ------------------------------------------------------------------------

    def start(self) -> None:
        """Start the relay thread once per process (safe to call on every request)."""
        if self._thread is not None:
            return
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self.run_forever, name="outbox-relay",
                                                daemon=True)
                self._thread.start()
                # A gunicorn worker that is told to stop exits through the interpreter's
                # exit: let the relay finish the delivery in hand first.
                atexit.register(self.stop)

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        """Finish the delivery in hand and stop (a message half sent is sent again later)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def run_forever(self) -> None:
        log.info("outbox relay started")
        while not self._stop.is_set():
            try:
                delivered = self.run_once()
            except Exception:  # the database is away, say: log, wait, try again
                log.exception("outbox relay pass failed")
                delivered = 0
            if delivered < self.batch_size:  # a full batch means more may be waiting
                self._wake.wait(self.poll_seconds)
                self._wake.clear()
        log.info("outbox relay stopped")

    # -- one pass ---------------------------------------------------------------------------

    def run_once(self) -> int:
        """Drop what expired, deliver what is due; the number delivered."""
        self.drop_expired()
        delivered = 0
        for message_id, payload, attempt in self.claim():
            if self._stop.is_set():
                break  # its lease runs out and a relay that runs takes it
            with bound_request_id(f"outbox-{message_id}-{attempt}"):
                try:
                    answer = self.tasks.post(JOBS_PATH, json=payload)
                except ServiceError as error:
                    self._failed(message_id, attempt, error)
                    continue
                self._delivered(message_id, payload, _job_id(answer))
            delivered += 1
        with self.database.transaction() as session:
            WAITING.labels("auth").set(waiting(session)[0])
        return delivered

    def claim(self) -> list[tuple[int, dict[str, Any], int]]:
        """Claim due messages: (id, payload, attempt) each, leased to this relay."""
        now = utcnow()
        due = (select(OutboxMessage.id)
               .where(OutboxMessage.delivered_at.is_(None), OutboxMessage.next_attempt_at <= now,
                      or_(OutboxMessage.expires_at.is_(None), OutboxMessage.expires_at > now))
               .order_by(OutboxMessage.id).limit(self.batch_size))
        if not self.database.is_sqlite:
            due = due.with_for_update(skip_locked=True)
        statement = (update(OutboxMessage)
                     .where(OutboxMessage.id.in_(due.scalar_subquery()))
                     .values(next_attempt_at=now + timedelta(seconds=self.lease_seconds),
                             attempts=OutboxMessage.attempts + 1)
                     .returning(OutboxMessage.id, OutboxMessage.payload, OutboxMessage.attempts))
        with self.database.engine.begin() as connection:
            rows = connection.execute(statement).all()
        return sorted((row[0], row[1], row[2]) for row in rows)

    def drop_expired(self) -> int:
        """Delete undelivered messages whose content no longer works (a reset link that has
        expired: the person asks for a new one)."""
        statement = (delete(OutboxMessage)
                     .where(OutboxMessage.delivered_at.is_(None),
                            OutboxMessage.expires_at <= utcnow())
                     .returning(OutboxMessage.id, OutboxMessage.kind, OutboxMessage.attempts))
        with self.database.engine.begin() as connection:
            rows = connection.execute(statement).all()
        for message_id, kind, attempts in rows:
            DELIVERIES.labels("auth", "expired").inc()
            log.warning("outbox message expired undelivered after %d attempts; dropped",
                        attempts, extra={"outbox_id": message_id, "kind": kind})
        return len(rows)

    def backoff(self, attempt: int) -> float:
        base = min(self.max_backoff_seconds, 2.0 ** attempt)
        return base * random.uniform(0.5, 1.0)

    def _delivered(self, message_id: int, payload: dict[str, Any], job_id: int | None) -> None:
        with self.database.engine.begin() as connection:
            connection.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                               .values(delivered_at=utcnow(), last_error=None,
                                       payload=delivered_form(payload)))
        DELIVERIES.labels("auth", "delivered").inc()
        log.info("outbox message delivered", extra={
            "outbox_id": message_id, "kind": payload.get("kind"), "job_id": job_id})

    def _failed(self, message_id: int, attempt: int, error: Exception) -> None:
        delay = self.backoff(attempt)
        DELIVERIES.labels("auth", "failed").inc()
        log.warning("outbox delivery failed (attempt %d, next in %.1fs): %s", attempt, delay,
                    error, extra={"outbox_id": message_id})
        with self.database.engine.begin() as connection:
            connection.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                               .values(next_attempt_at=utcnow() + timedelta(seconds=delay),
                                       last_error=str(error)[:2000]))


def _job_id(answer) -> int | None:
    try:
        body = answer.json()
    except ValueError:
        return None
    return body.get("id") if isinstance(body, dict) else None

"""The outbox relay: delivers messages written beside the changes they are about (see
`bookmarks.enqueue_fetch_metadata`) to tasks' `POST /v1/jobs`, until tasks accepts them.

Each web process runs one relay thread (started on the first request when
SHELF_API_OUTBOX_RELAY is true), or `shelf-api relay` runs one on its own. Any number may run:
a relay claims due messages in one statement that pushes their next attempt past a lease
(Postgres: `FOR UPDATE SKIP LOCKED` in the claim's subquery; SQLite: the single UPDATE holds
the write lock), so two relays never send the same message at once. A relay that dies
mid-delivery loses its lease and the message is sent again; tasks' idempotency key makes
that harmless. Failures back off exponentially (with jitter) up to a cap, and never give up.
"""

from __future__ import annotations

import logging
import random
import threading
from datetime import timedelta

from sqlalchemy import select, update

from shelf_http import ServiceClient, ServiceError
from shelf_kit import bound_request_id
from shelf_kit.db import Database, utcnow

from .models import Import, OutboxMessage

log = logging.getLogger("shelf.api.outbox")
JOBS_PATH = "/v1/jobs"


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

    def wake(self) -> None:
        """Deliver now rather than at the next poll (after a commit that wrote messages)."""
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

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

    # -- one pass ---------------------------------------------------------------------------

    def claim(self) -> list[tuple[int, dict, int]]:
        """Claim due messages: (id, payload, attempt) each, leased to this relay."""
        now = utcnow()
        due = (select(OutboxMessage.id)
               .where(OutboxMessage.delivered_at.is_(None), OutboxMessage.next_attempt_at <= now)
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

    def run_once(self) -> int:
        """Deliver what is due; the number delivered."""
        delivered = 0
        for message_id, payload, attempt in self.claim():
            with bound_request_id(f"outbox-{message_id}-{attempt}"):
                try:
                    answer = self.tasks.post(JOBS_PATH, json=payload)
                except ServiceError as error:
                    self._failed(message_id, attempt, error)
                    continue
            self._delivered(message_id, payload, _job_id(answer))
            delivered += 1
            log.info("outbox message delivered", extra={
                "outbox_id": message_id, "kind": payload.get("kind"),
                "job_id": _job_id(answer)})
        return delivered

    def backoff(self, attempt: int) -> float:
        base = min(self.max_backoff_seconds, 2.0 ** attempt)
        return base * random.uniform(0.5, 1.0)

    def _delivered(self, message_id: int, payload: dict, job_id: int | None) -> None:
        with self.database.engine.begin() as connection:
            connection.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                               .values(delivered_at=utcnow(), last_error=None))
            if payload.get("kind") == "import_bookmarks" and job_id is not None:
                # The import's progress points at its job from now on.
                connection.execute(update(Import).where(Import.id == payload["args"]["import_id"])
                                   .values(job_id=job_id))

    def _failed(self, message_id: int, attempt: int, error: Exception) -> None:
        delay = self.backoff(attempt)
        log.warning("outbox delivery failed (attempt %d, next in %.1fs): %s", attempt, delay,
                    error, extra={"outbox_id": message_id})
        with self.database.engine.begin() as connection:
            connection.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                               .values(next_attempt_at=utcnow() + timedelta(seconds=delay),
                                       last_error=str(error)[:2000]))


def _job_id(answer) -> int | None:
    try:
        return answer.json().get("id")
    except ValueError:
        return None

"""The outbox relay: delivers messages written beside the changes they are about with the
service's own delivery function (in practice tasks' `POST /v1/jobs`, made in the service's
`clients/tasks.py`), until the receiver accepts them (DESIGN.md section 4).

A service keeps its messages in its own `outbox` table (a mapped class with the columns `id`,
`payload` (the body of POST /v1/jobs), `attempts`, `next_attempt_at`, `delivered_at`,
`last_error`, and optionally `expires_at` and `priority`), writes them in the transaction of the
change they are about, and runs a `Relay` over that table.

Due messages go in order of `priority` (an integer, lower first, as tasks' jobs; contract C4)
when the table has that column, then of id: a message about a bookmark added by hand does not
wait behind a backlog of an import's.

Each web process runs one relay thread, started by its first request and woken after every
commit that wrote a message (`wake`); a service's `relay` command runs one on its own. Any
number may run: a relay claims due messages in one statement that pushes their next attempt
past a lease (Postgres: `FOR UPDATE SKIP LOCKED` in the claim's subquery; SQLite: the single
UPDATE holds the write lock), so two relays never send the same message at once. A relay that
dies mid-delivery loses its lease and the message is sent again; tasks' idempotency key makes
that harmless. Failures back off exponentially (with jitter) up to a cap and never give up, but
for a message whose content expires (a table with `expires_at`): that one is dropped, with a
warning, once it has expired.
"""

from __future__ import annotations

import atexit
import logging
import random
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from prometheus_client import Counter, Gauge
from sqlalchemy import Connection, delete, func, or_, select, update
from sqlalchemy.orm import Session

from shelf_http import ServiceClient, ServiceError

from .db import Database, utcnow
from .request_id import bound_request_id

# Delivers one message: its payload and the request id its delivery runs under (stable for a
# message's attempt); returns the id the receiver gave it (or None), raises ServiceError if the
# receiver did not take it. The service that owns the receiver's address and path makes it.
Deliver = Callable[[dict[str, Any], str], int | None]
# The readiness check calls the outbox failed (not critically: the service stays ready, but
# "degraded") once a message has waited this long: tasks is down, or refuses what it is sent.
STALLED_AFTER = timedelta(minutes=10)

WAITING = Gauge(
    "shelf_outbox_messages_waiting",
    "Outbox messages not delivered yet",
    ["service"],
    multiprocess_mode="livemax",
)
DELIVERIES = Counter(
    "shelf_outbox_deliveries_total",
    "Outbox deliveries by outcome: delivered, failed (retried later), expired",
    ["service", "outcome"],
)

# Called in the transaction that marks a message delivered: (connection, payload, job id).
OnDelivered = Callable[[Connection, dict[str, Any], int | None], None]
# A service's mapped outbox class: the columns above (its attributes are read by name).
OutboxModel = type[Any]


def post_to(client: ServiceClient, path: str) -> Deliver:
    """The usual delivery: POST the payload as JSON to `path` with `client` (the service names
    both: api and auth give tasks' /v1/jobs); the id the answer carries, if it carries one."""

    def deliver(payload: dict[str, Any], request_id: str) -> int | None:
        answer = client.post(path, json=payload)
        try:
            body = answer.json()
        except ValueError:
            return None
        found = body.get("id") if isinstance(body, dict) else None
        return found if isinstance(found, int) else None

    return deliver


def waiting(session: Session, model: OutboxModel) -> tuple[int, datetime | None]:
    """How many messages wait for delivery, and when the oldest of them was written."""
    row = session.execute(
        select(func.count(), func.min(model.created_at)).where(model.delivered_at.is_(None))
    ).one()
    count: int = row[0]
    oldest: datetime | None = row[1]
    return count, oldest


class OutboxBacklog(Exception):
    """A message has waited longer than STALLED_AFTER."""


class Relay:
    def __init__(
        self,
        database: Database,
        deliver: Deliver,
        model: OutboxModel,
        *,
        service: str,
        poll_seconds: float = 2.0,
        max_backoff_seconds: float = 300.0,
        lease_seconds: float = 60.0,
        batch_size: int = 50,
        on_delivered: OnDelivered | None = None,
        delivered_form: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    ) -> None:
        """`on_delivered` runs in the transaction that marks a message delivered;
        `delivered_form` is what a delivered message keeps of its payload (all of it if None)."""
        self.database = database
        self.deliver = deliver
        self.model = model
        self.service = service
        self.poll_seconds = poll_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self.lease_seconds = lease_seconds
        self.batch_size = batch_size
        self.on_delivered = on_delivered
        self.delivered_form = delivered_form
        self.expires = hasattr(model, "expires_at")
        self.prioritized = hasattr(model, "priority")
        self.log = logging.getLogger(f"shelf.{service}.outbox")
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
                self._thread = threading.Thread(
                    target=self.run_forever, name="outbox-relay", daemon=True
                )
                self._thread.start()
                # A gunicorn worker that is told to stop exits through the interpreter's
                # exit: let the relay finish the delivery in hand first.
                atexit.register(self.stop)

    def wake(self) -> None:
        """Deliver now rather than at the next poll (after a commit that wrote messages)."""
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

    def check(self) -> str:
        """The readiness check (add it as not critical): how much waits, failing once the
        oldest message has waited longer than STALLED_AFTER."""
        with self.database.transaction() as session:
            count, oldest = waiting(session, self.model)
        WAITING.labels(self.service).set(count)
        if oldest is None:
            return "0 waiting"
        age = int((utcnow() - oldest).total_seconds())
        if age > STALLED_AFTER.total_seconds():
            raise OutboxBacklog(f"{count} messages waiting, the oldest for {age} s")
        return f"{count} waiting, the oldest for {age} s"

    def run_forever(self) -> None:
        self.log.info("outbox relay started")
        while not self._stop.is_set():
            try:
                delivered = self.run_once()
            except Exception:  # the database is away, say: log, wait, try again
                self.log.exception("outbox relay pass failed")
                delivered = 0
            if delivered < self.batch_size:  # a full batch means more may be waiting
                self._wake.wait(self.poll_seconds)
                self._wake.clear()
        self.log.info("outbox relay stopped")

    # -- one pass ---------------------------------------------------------------------------

    def run_once(self) -> int:
        """Drop what expired, deliver what is due; the number delivered."""
        if self.expires:
            self.drop_expired()
        delivered = 0
        for message_id, payload, attempt in self.claim():
            if self._stop.is_set():
                break  # its lease runs out and a relay that runs takes it
            request_id = f"outbox-{message_id}-{attempt}"
            with bound_request_id(request_id):
                try:
                    job_id = self.deliver(payload, request_id)
                except ServiceError as error:
                    self._failed(message_id, attempt, error)
                    continue
                self._delivered(message_id, payload, job_id)
            delivered += 1
        with self.database.transaction() as session:
            WAITING.labels(self.service).set(waiting(session, self.model)[0])
        return delivered

    def claim(self) -> list[tuple[int, dict[str, Any], int]]:
        """Claim due messages: (id, payload, attempt) each, leased to this relay."""
        model = self.model
        now = utcnow()
        order = (model.priority, model.id) if self.prioritized else (model.id,)
        due = (
            select(model.id)
            .where(model.delivered_at.is_(None), model.next_attempt_at <= now)
            .order_by(*order)
            .limit(self.batch_size)
        )
        if self.expires:
            due = due.where(or_(model.expires_at.is_(None), model.expires_at > now))
        if not self.database.is_sqlite:
            due = due.with_for_update(skip_locked=True)
        statement = (
            update(model)
            .where(model.id.in_(due.scalar_subquery()))
            .values(
                next_attempt_at=now + timedelta(seconds=self.lease_seconds),
                attempts=model.attempts + 1,
            )
            .returning(*order, model.payload, model.attempts)
        )
        with self.database.engine.begin() as connection:
            rows = connection.execute(statement).all()
        # RETURNING keeps no order: deliver as claimed, by (priority,) id.
        rows = sorted(rows, key=lambda row: tuple(row[: len(order)]))
        return [(row.id, row.payload, row.attempts) for row in rows]

    def drop_expired(self) -> int:
        """Delete undelivered messages whose content no longer works (a reset link that has
        expired: the person asks for a new one)."""
        model = self.model
        statement = (
            delete(model)
            .where(model.delivered_at.is_(None), model.expires_at <= utcnow())
            .returning(model.id, model.kind, model.attempts)
        )
        with self.database.engine.begin() as connection:
            rows = connection.execute(statement).all()
        for message_id, kind, attempts in rows:
            DELIVERIES.labels(self.service, "expired").inc()
            self.log.warning(
                "outbox message expired undelivered after %d attempts; dropped",
                attempts,
                extra={"outbox_id": message_id, "kind": kind},
            )
        return len(rows)

    def backoff(self, attempt: int) -> float:
        base = min(self.max_backoff_seconds, 2.0**attempt)
        return base * random.uniform(0.5, 1.0)

    def _delivered(self, message_id: int, payload: dict[str, Any], job_id: int | None) -> None:
        values: dict[str, Any] = {"delivered_at": utcnow(), "last_error": None}
        if self.delivered_form is not None:
            values["payload"] = self.delivered_form(payload)
        with self.database.engine.begin() as connection:
            connection.execute(
                update(self.model).where(self.model.id == message_id).values(**values)
            )
            if self.on_delivered is not None:
                self.on_delivered(connection, payload, job_id)
        DELIVERIES.labels(self.service, "delivered").inc()
        self.log.info(
            "outbox message delivered",
            extra={"outbox_id": message_id, "kind": payload.get("kind"), "job_id": job_id},
        )

    def _failed(self, message_id: int, attempt: int, error: Exception) -> None:
        delay = self.backoff(attempt)
        DELIVERIES.labels(self.service, "failed").inc()
        self.log.warning(
            "outbox delivery failed (attempt %d, next in %.1fs): %s",
            attempt,
            delay,
            error,
            extra={"outbox_id": message_id},
        )
        with self.database.engine.begin() as connection:
            connection.execute(
                update(self.model)
                .where(self.model.id == message_id)
                .values(
                    next_attempt_at=utcnow() + timedelta(seconds=delay),
                    last_error=str(error)[:2000],
                )
            )

"""The outbox relay over a service's own table, delivering to a real HTTP server standing in
for tasks' POST /v1/jobs, on SQLite and (when configured) Postgres."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask, jsonify, request
from sqlalchemy import JSON, Integer, String, Text, select, update
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shelf_http import ServiceClient
from shelf_kit.db import Database, UtcDateTime, utcnow
from shelf_kit.outbox import STALLED_AFTER, Deliver, OutboxBacklog, Relay, post_to
from shelf_kit.testing import LoopbackServer, database_backends, temporary_database


class Base(DeclarativeBase):
    pass


class Message(Base):
    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)


class PrioritizedMessage(Base):
    """An outbox with priorities (api's and auth's, contract C4): lower goes first."""

    __tablename__ = "prioritized_outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)


class Tasks:
    """What tasks' POST /v1/jobs does for the relay: keeps the job, answers 201 with its id."""

    def __init__(self) -> None:
        self.jobs: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        app = Flask("tasks")

        @app.post("/v1/jobs")
        def create_job():
            with self.lock:
                self.jobs.append(request.get_json())
                return jsonify(id=len(self.jobs)), 201

        self.server = LoopbackServer(app)


@pytest.fixture(params=database_backends())
def database(request, tmp_path):
    with temporary_database(request.param, "outbox", str(tmp_path)) as url:
        database = Database(url)
        Base.metadata.create_all(database.engine)
        yield database
        database.engine.dispose()


@pytest.fixture
def tasks():
    tasks = Tasks()
    yield tasks
    tasks.server.stop()


def add(database: Database, *payloads: dict[str, Any], expires_at=None) -> None:
    with database.transaction() as session:
        for payload in payloads:
            session.add(Message(kind=payload["kind"], payload=payload, expires_at=expires_at))


def rows(database: Database) -> list[Message]:
    with database.transaction() as session:
        return list(session.scalars(select(Message).order_by(Message.id)))


def relay(database: Database, tasks: Tasks, **options: Any) -> Relay:
    return Relay(database, deliver_to(tasks.server.url), Message, service="demo", **options)


def deliver_to(url: str) -> Deliver:
    """What a service's clients/tasks.py gives its relay: POST /v1/jobs, the job's id back."""
    return post_to(ServiceClient("tasks", url, retries=0), "/v1/jobs")


def test_messages_wait_while_tasks_is_down_and_arrive_once_when_it_is_back(database, tasks):
    delivered: list[tuple[str, int | None]] = []
    outbox = relay(
        database,
        tasks,
        on_delivered=lambda connection, payload, job_id: delivered.append(
            (payload["args"]["n"], job_id)
        ),
        delivered_form=lambda payload: {"kind": payload["kind"]},
    )
    add(database, *({"kind": "send", "args": {"n": n, "secret": "link"}} for n in range(3)))

    assert outbox.run_once() == 0  # nothing listens where tasks should be
    assert [(m.attempts, m.delivered_at, bool(m.last_error)) for m in rows(database)] == [
        (1, None, True)
    ] * 3
    assert outbox.run_once() == 0  # backing off: not due yet, not even tried
    assert [m.attempts for m in rows(database)] == [1, 1, 1]

    tasks.server.start()
    with database.transaction() as session:  # the backoff has run out
        session.execute(update(Message).values(next_attempt_at=utcnow()))
    assert outbox.run_once() == 3
    assert outbox.run_once() == 0  # delivered once, never again
    assert [job["args"]["n"] for job in tasks.jobs] == [0, 1, 2]
    assert delivered == [(0, 1), (1, 2), (2, 3)]
    messages = rows(database)
    assert all(m.delivered_at is not None and m.last_error is None for m in messages)
    assert [m.payload for m in messages] == [{"kind": "send"}] * 3  # the secret is not kept


def test_a_message_of_higher_priority_overtakes_a_backlog(database, tasks):
    # An import's 120 fetch jobs wait (tasks was down); then a bookmark is added by hand.
    with database.transaction() as session:
        for n in range(120):
            session.add(
                PrioritizedMessage(
                    kind="fetch", priority=10, payload={"kind": "fetch", "args": {"n": n}}
                )
            )
        session.add(
            PrioritizedMessage(
                kind="fetch", priority=0, payload={"kind": "fetch", "args": {"n": "by hand"}}
            )
        )
        session.add(
            PrioritizedMessage(
                kind="fetch", priority=5, payload={"kind": "fetch", "args": {"n": "soon"}}
            )
        )
    tasks.server.start()
    outbox = Relay(
        database,
        deliver_to(tasks.server.url),
        PrioritizedMessage,
        service="demo",
        batch_size=50,
    )
    assert outbox.run_once() == 50
    sent = [job["args"]["n"] for job in tasks.jobs]
    assert sent == ["by hand", "soon", *range(48)]  # the tasks came back: the first batch
    while outbox.run_once():
        pass
    assert [job["args"]["n"] for job in tasks.jobs][50:] == list(range(48, 120))


def test_an_expired_message_is_dropped_undelivered(database, tasks):
    tasks.server.start()
    add(database, {"kind": "late"}, expires_at=utcnow() - timedelta(seconds=1))
    add(database, {"kind": "fresh"}, expires_at=utcnow() + timedelta(hours=1))
    assert relay(database, tasks).run_once() == 1
    assert [job["kind"] for job in tasks.jobs] == ["fresh"]
    assert [m.kind for m in rows(database)] == ["fresh"]


def test_relays_side_by_side_send_each_message_once(database, tasks):
    tasks.server.start()
    add(database, *({"kind": "send", "args": {"n": n}} for n in range(40)))
    relays = [relay(database, tasks, batch_size=6) for _ in range(3)]

    def drain(outbox: Relay) -> None:
        while outbox.run_once():
            pass

    threads = [threading.Thread(target=drain, args=(outbox,)) for outbox in relays]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(job["args"]["n"] for job in tasks.jobs) == list(range(40))
    assert all(m.attempts == 1 for m in rows(database))


def test_the_thread_delivers_when_woken_and_stops(database, tasks):
    tasks.server.start()
    outbox = relay(database, tasks, poll_seconds=30)
    outbox.start()
    try:
        add(database, {"kind": "send"})
        outbox.wake()
        deadline = utcnow() + timedelta(seconds=10)
        while not tasks.jobs and utcnow() < deadline:
            threading.Event().wait(0.05)
        assert [job["kind"] for job in tasks.jobs] == ["send"]  # long before the 30 s poll
    finally:
        outbox.stop()
    assert not outbox.running


def test_the_readiness_check_says_what_waits_and_fails_once_it_has_waited_too_long(database, tasks):
    outbox = relay(database, tasks)
    assert outbox.check() == "0 waiting"
    add(database, {"kind": "send"})
    assert outbox.check().startswith("1 waiting, the oldest for ")
    with database.transaction() as session:
        session.execute(update(Message).values(created_at=utcnow() - STALLED_AFTER * 2))
    with pytest.raises(OutboxBacklog, match="1 messages waiting"):
        outbox.check()

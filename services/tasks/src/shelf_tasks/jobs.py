"""The queue: enqueue, claim, heartbeat, finish, rescue, retry and cancel jobs.

Every transition is one UPDATE guarded by the state it expects (and, for a running job, by the
worker holding it and the attempt it claimed), so a late or duplicate caller changes nothing:
a worker that lost its lease cannot complete a job another worker now runs.

Claims are atomic. Postgres: `UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED)`, so
concurrent workers take different jobs without waiting on each other. SQLite: the same single
UPDATE ... RETURNING statement inside `BEGIN IMMEDIATE`, which holds the database's one write
lock from the start, so two claims never see the same waiting row.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Select, and_, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shelf_kit.db import Database, rows_changed, utcnow

from .endings import job_ended
from .models import Job, JobState

# States in which a job runs once its run_at has come.
WAITING_STATES = (JobState.AVAILABLE, JobState.SCHEDULED, JobState.RETRYABLE)
FINISHED_STATES = (JobState.COMPLETED, JobState.DISCARDED, JobState.CANCELLED)
ERROR_LENGTH = 2000  # characters of an error message kept per attempt
# Attempts given back because the job was interrupted (its worker died, a service it needs was
# restarting), per job, before interruptions count as failed attempts: see `interrupted`.
MAX_INTERRUPTIONS = 10
NOT_COUNTED = "not counted as a failed attempt"


class TransitionRefused(Exception):
    """The job is not in a state that allows this (e.g. cancelling a completed job)."""


@contextmanager
def write_transaction(database: Database) -> Iterator[Connection]:
    """A connection in a transaction that commits on success; on SQLite, an IMMEDIATE one
    (the write lock taken at BEGIN, waiting up to the busy timeout for it)."""
    if not database.is_sqlite:
        with database.engine.begin() as connection:
            yield connection
        return
    with database.engine.connect() as connection:
        # pysqlite would BEGIN (deferred) on its own; with it out of the way we say IMMEDIATE.
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            yield connection
        except BaseException:
            connection.exec_driver_sql("ROLLBACK")
            raise
        connection.exec_driver_sql("COMMIT")


def backoff_seconds(
    attempt: int, *, base: float, cap: float, rng: random.Random | None = None
) -> float:
    """Seconds before attempt `attempt + 1`: base * 2^(attempt-1), capped, with "equal jitter"
    (between half and all of it), so jobs that failed together do not retry together."""
    ceiling = min(cap, base * 2 ** max(0, attempt - 1))
    return ceiling / 2 + (rng or random).uniform(0, ceiling / 2)


def error_entry(attempt: int, error: str, *, at: datetime | None = None) -> dict[str, Any]:
    return {"attempt": attempt, "at": (at or utcnow()).isoformat(), "error": error[:ERROR_LENGTH]}


# --- enqueueing -------------------------------------------------------------------------------


def enqueue(
    session: Session,
    *,
    kind: str,
    args: dict[str, Any] | None = None,
    run_at: datetime | None = None,
    max_attempts: int = 5,
    queue: str = "default",
    priority: int = 0,
    idempotency_key: str | None = None,
    created_by: int | None = None,
    request_id: str | None = None,
) -> tuple[Job, bool]:
    """Add a job and commit; (the job, True). With an idempotency key used before, nothing is
    added: (the first job with that key, False)."""
    now = utcnow()
    run_at = run_at or now
    job = Job(
        kind=kind,
        args=args or {},
        queue=queue,
        priority=priority,
        state=JobState.SCHEDULED if run_at > now else JobState.AVAILABLE,
        attempt=0,
        max_attempts=max_attempts,
        run_at=run_at,
        errors=[],
        progress=0,
        idempotency_key=idempotency_key,
        created_by=created_by,
        request_id=request_id,
        created_at=now,
        updated_at=now,
    )
    session.add(job)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        if idempotency_key is None:
            raise
        existing = session.scalar(select(Job).where(Job.idempotency_key == idempotency_key))
        if existing is None:  # pragma: no cover - the conflicting job was purged meanwhile
            raise
        return existing, False
    return job, True


# --- a worker's side ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimedJob:
    id: int
    kind: str
    args: dict[str, Any]
    attempt: int
    max_attempts: int
    errors: list[dict[str, Any]]
    created_by: int | None
    created_at: datetime
    request_id: str | None
    priority: int
    run_at: datetime
    interruptions: int = 0


_CLAIMED_COLUMNS = (
    Job.id,
    Job.kind,
    Job.args,
    Job.attempt,
    Job.max_attempts,
    Job.errors,
    Job.created_by,
    Job.created_at,
    Job.request_id,
    Job.priority,
    Job.run_at,
    Job.interruptions,
)


def claim(
    database: Database,
    *,
    worker_id: str,
    limit: int,
    lease_seconds: float,
    queues: Sequence[str] = ("default",),
    kinds: Sequence[str] | None = None,
    now: datetime | None = None,
) -> list[ClaimedJob]:
    """Take up to `limit` due jobs (by priority, then run_at, then id) and lease them."""
    if limit <= 0:
        return []
    now = now or utcnow()
    due = (
        select(Job.id)
        .where(Job.state.in_(WAITING_STATES), Job.run_at <= now, Job.queue.in_(queues))
        .order_by(Job.priority, Job.run_at, Job.id)
        .limit(limit)
    )
    if kinds is not None:
        due = due.where(Job.kind.in_(kinds))
    if not database.is_sqlite:
        due = due.with_for_update(skip_locked=True)
    statement = (
        update(Job)
        .where(Job.id.in_(due.scalar_subquery()), Job.state.in_(WAITING_STATES))
        .values(
            state=JobState.RUNNING,
            attempt=Job.attempt + 1,
            worker_id=worker_id,
            lease_expires_at=now + timedelta(seconds=lease_seconds),
            updated_at=now,
        )
        .returning(*_CLAIMED_COLUMNS)
    )
    with write_transaction(database) as connection:
        rows = connection.execute(statement).all()
    claimed = [ClaimedJob(**row._mapping) for row in rows]
    return sorted(claimed, key=lambda job: (job.priority, job.run_at, job.id))


def _held(job: ClaimedJob, worker_id: str):
    # (attempt, interruptions) names one claim: a claim adds an attempt, an interruption gives
    # it back and adds an interruption, so no two claims of a job have the same pair.
    return and_(
        Job.id == job.id,
        Job.state == JobState.RUNNING,
        Job.worker_id == worker_id,
        Job.attempt == job.attempt,
        Job.interruptions == job.interruptions,
    )


def heartbeat(
    database: Database, *, worker_id: str, jobs: Sequence[ClaimedJob], lease_seconds: float
) -> set[int]:
    """Extend the leases of `jobs`; the ids still held (the others were cancelled, or
    rescued by another worker after this one missed its heartbeats)."""
    if not jobs:
        return set()
    held = set()
    now = utcnow()
    with write_transaction(database) as connection:
        for job in jobs:
            result = connection.execute(
                update(Job)
                .where(_held(job, worker_id))
                .values(lease_expires_at=now + timedelta(seconds=lease_seconds))
            )
            if result.rowcount:
                held.add(job.id)
    return held


def set_progress(
    database: Database, job: ClaimedJob, *, worker_id: str, percent: int, message: str | None
) -> bool:
    with write_transaction(database) as connection:
        result = connection.execute(
            update(Job)
            .where(_held(job, worker_id))
            .values(progress=percent, progress_message=(message or None) and message[:500])
        )
    return bool(result.rowcount)


def _ended(connection: Connection, job: ClaimedJob, state: str, why: str) -> None:
    if state in FINISHED_STATES:
        job_ended(
            connection,
            job_id=job.id,
            kind=job.kind,
            args=job.args,
            state=state,
            why=why,
            created_by=job.created_by,
            request_id=job.request_id,
        )


def complete(database: Database, job: ClaimedJob, *, worker_id: str, result: Any) -> bool:
    now = utcnow()
    with write_transaction(database) as connection:
        outcome = connection.execute(
            update(Job)
            .where(_held(job, worker_id))
            .values(
                state=JobState.COMPLETED,
                result=result,
                progress=100,
                finished_at=now,
                lease_expires_at=None,
                updated_at=now,
            )
        )
        if outcome.rowcount:
            _ended(connection, job, JobState.COMPLETED, "completed")
    return bool(outcome.rowcount)


def fail(
    database: Database,
    job: ClaimedJob,
    *,
    worker_id: str,
    error: str,
    permanent: bool = False,
    retry_base: float,
    retry_max: float,
) -> str | None:
    """Record the error; retryable (with backoff) or, out of attempts, discarded. The new
    state, or None when the job was no longer this worker's."""
    now = utcnow()
    errors = [*job.errors, error_entry(job.attempt, error, at=now)]
    if permanent or job.attempt >= job.max_attempts:
        values = {"state": JobState.DISCARDED, "finished_at": now}
    else:
        delay = backoff_seconds(job.attempt, base=retry_base, cap=retry_max)
        values = {"state": JobState.RETRYABLE, "run_at": now + timedelta(seconds=delay)}
    with write_transaction(database) as connection:
        outcome = connection.execute(
            update(Job)
            .where(_held(job, worker_id))
            .values(errors=errors, lease_expires_at=None, updated_at=now, **values)
        )
        if outcome.rowcount:
            _ended(connection, job, values["state"], error)
    return values["state"] if outcome.rowcount else None


def interrupted(
    database: Database,
    job: ClaimedJob,
    *,
    worker_id: str,
    error: str,
    retry_base: float,
    retry_max: float,
    limit: int = MAX_INTERRUPTIONS,
) -> str | None:
    """The attempt ended through no fault of the job (a service it needs is restarting): it
    waits again, with a backoff that grows with its interruptions, and the attempt is given
    back. Past `limit` interruptions it is an ordinary failure, so a job whose dependency never
    comes back still ends, after its attempts and their backoffs."""
    if job.interruptions >= limit:
        return fail(
            database,
            job,
            worker_id=worker_id,
            error=error,
            retry_base=retry_base,
            retry_max=retry_max,
        )
    now = utcnow()
    delay = backoff_seconds(job.interruptions + 1, base=retry_base, cap=retry_max)
    with write_transaction(database) as connection:
        outcome = connection.execute(
            update(Job)
            .where(_held(job, worker_id))
            .values(
                state=JobState.RETRYABLE,
                run_at=now + timedelta(seconds=delay),
                attempt=Job.attempt - 1,
                interruptions=Job.interruptions + 1,
                errors=[*job.errors, error_entry(job.attempt, f"{error} ({NOT_COUNTED})", at=now)],
                worker_id=None,
                lease_expires_at=None,
                updated_at=now,
            )
        )
    return JobState.RETRYABLE if outcome.rowcount else None


def release(database: Database, job: ClaimedJob, *, worker_id: str) -> bool:
    """Give a running job back unfinished (a worker shutting down): it waits again, and the
    attempt does not count."""
    now = utcnow()
    with write_transaction(database) as connection:
        outcome = connection.execute(
            update(Job)
            .where(_held(job, worker_id))
            .values(
                state=JobState.AVAILABLE,
                attempt=Job.attempt - 1,
                worker_id=None,
                lease_expires_at=None,
                run_at=now,
                updated_at=now,
            )
        )
    return bool(outcome.rowcount)


def rescue_expired(
    database: Database, *, now: datetime | None = None, limit: int = MAX_INTERRUPTIONS
) -> list[tuple[int, str]]:
    """Running jobs whose lease ran out (their worker died or lost the database) wait again,
    the lost attempt recorded as an error but given back (an interruption), up to `limit`
    interruptions; past that a lost lease counts as a failed attempt, so a job that kills its
    worker every time ends discarded instead of taking workers down forever."""
    now = now or utcnow()
    with database.engine.connect() as connection:
        expired = connection.execute(
            select(*_CLAIMED_COLUMNS, Job.worker_id).where(
                Job.state == JobState.RUNNING, Job.lease_expires_at < now
            )
        ).all()
    rescued = []
    for row in expired:
        job = ClaimedJob(
            **{name: value for name, value in row._mapping.items() if name != "worker_id"}
        )
        error = (
            f"lease expired: worker {row.worker_id} stopped heartbeating (it died or lost "
            "the database)"
        )
        values: dict[str, Any]
        if job.interruptions < limit:
            error = f"{error}; {NOT_COUNTED}"
            values = {
                "state": JobState.AVAILABLE,
                "run_at": now,
                "attempt": job.attempt - 1,
                "interruptions": job.interruptions + 1,
            }
        elif job.attempt >= job.max_attempts:
            values = {"state": JobState.DISCARDED, "finished_at": now}
        else:
            values = {"state": JobState.AVAILABLE, "run_at": now}
        with write_transaction(database) as connection:
            outcome = connection.execute(
                update(Job)
                .where(
                    Job.id == job.id,
                    Job.state == JobState.RUNNING,
                    Job.attempt == job.attempt,
                    Job.interruptions == job.interruptions,
                    Job.lease_expires_at < now,
                )
                .values(
                    errors=[*job.errors, error_entry(job.attempt, error, at=now)],
                    worker_id=None,
                    lease_expires_at=None,
                    updated_at=now,
                    **values,
                )
            )
            if outcome.rowcount:
                _ended(connection, job, values["state"], error)
        if outcome.rowcount:
            rescued.append((job.id, str(values["state"])))
    return rescued


# --- people's side (the HTTP API) -------------------------------------------------------------


def listed(
    *,
    created_by: int | None = None,
    state: str | None = None,
    kind: str | None = None,
    queue: str | None = None,
) -> Select:
    """Jobs, newest first; each given filter narrows them."""
    statement = select(Job).order_by(Job.id.desc())
    if created_by is not None:
        statement = statement.where(Job.created_by == created_by)
    for column, value in ((Job.state, state), (Job.kind, kind), (Job.queue, queue)):
        if value is not None:
            statement = statement.where(column == value)
    return statement


def page(session: Session, statement: Select, *, limit: int, offset: int) -> tuple[list[Job], int]:
    """One page of `statement`'s jobs, and how many there are in all."""
    total = session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    return list(session.scalars(statement.limit(limit).offset(offset))), total or 0


def retry(session: Session, job_id: int) -> Job:
    """Run a job again now. A discarded or cancelled job gets one more attempt; a waiting job
    moves to now; a completed one runs again (handlers are idempotent)."""
    now = utcnow()
    job = session.get(Job, job_id)
    if job is None:
        raise LookupError(job_id)
    if job.state == JobState.RUNNING:
        raise TransitionRefused("The job is running; cancel it first or let it finish.")
    if job.state == JobState.AVAILABLE:
        return job
    changed = rows_changed(
        session,
        update(Job)
        .where(Job.id == job_id, Job.state == job.state)
        .values(
            state=JobState.AVAILABLE,
            run_at=now,
            finished_at=None,
            max_attempts=max(job.max_attempts, job.attempt + 1),
            updated_at=now,
        ),
    )
    if not changed:
        session.rollback()
        raise TransitionRefused("The job changed meanwhile; look at it again.")
    session.commit()
    session.refresh(job)
    return job


def cancel(session: Session, job_id: int) -> Job:
    """Cancel a waiting or running job. A running handler is told to stop, and whatever it
    does after this is not recorded."""
    now = utcnow()
    job = session.get(Job, job_id)
    if job is None:
        raise LookupError(job_id)
    if job.state in FINISHED_STATES:
        raise TransitionRefused(f"The job is {job.state} already.")
    changed = rows_changed(
        session,
        update(Job)
        .where(Job.id == job_id, Job.state == job.state)
        .values(state=JobState.CANCELLED, finished_at=now, lease_expires_at=None, updated_at=now),
    )
    if not changed:
        session.rollback()
        raise TransitionRefused("The job changed meanwhile; look at it again.")
    job_ended(
        session.connection(),
        job_id=job.id,
        kind=job.kind,
        args=job.args,
        state=JobState.CANCELLED,
        why="cancelled",
        created_by=job.created_by,
        request_id=job.request_id,
    )
    session.commit()
    session.refresh(job)
    return job


def purge_finished(database: Database, *, older_than: datetime) -> int:
    """Delete completed, discarded and cancelled jobs that finished before `older_than`."""
    with write_transaction(database) as connection:
        result = connection.execute(
            delete(Job).where(Job.state.in_(FINISHED_STATES), Job.finished_at < older_than)
        )
    return result.rowcount

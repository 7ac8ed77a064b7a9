"""tasks' tables: jobs, cron schedules, and the fires that turned a schedule into a job."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shelf_kit.db import UtcDateTime, utcnow

# Constraint names are the same on every database, so later migrations can name what they alter.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# A 64-bit id on Postgres; SQLite's rowid (INTEGER PRIMARY KEY) is 64-bit already.
Id = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class JobState(StrEnum):
    """Where a job is in its life (river's states).

    available -> running -> completed; running -> retryable (runs again at run_at) or discarded
    (attempts used up); scheduled waits for its run_at; cancelled by a person.
    """

    SCHEDULED = "scheduled"
    AVAILABLE = "available"
    RUNNING = "running"
    RETRYABLE = "retryable"
    COMPLETED = "completed"
    DISCARDED = "discarded"
    CANCELLED = "cancelled"


def _in(column: str, values: list[str]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint(_in("state", [state.value for state in JobState]), name="state"),
        CheckConstraint("progress BETWEEN 0 AND 100", name="progress"),
        CheckConstraint("attempt >= 0 AND max_attempts >= 1", name="attempts"),
        # The claim: due jobs of a queue, by priority, then oldest first.
        Index("ix_jobs_claim", "state", "queue", "priority", "run_at", "id"),
        # A user's own jobs (import progress), and purging finished jobs by age.
        Index("ix_jobs_created_by", "created_by"),
        Index("ix_jobs_finished_at", "finished_at"),
        # Ids are never reused (on SQLite too), so a logged job id names one job forever.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    kind: Mapped[str] = mapped_column(String(100))
    args: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    queue: Mapped[str] = mapped_column(String(100), default="default")
    # Lower runs first (as with river and nice); 0 is normal.
    priority: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(16), default=JobState.AVAILABLE.value)
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    # Attempts that ended through no fault of the job (its worker died, a service it needs was
    # restarting): given back, not counted in `attempt`, up to SHELF_TASKS_MAX_INTERRUPTIONS.
    interruptions: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    run_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # While running: the worker (hostname:pid) holding the job, and until when it holds it.
    lease_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    worker_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # One entry per failed attempt: {"attempt", "at", "error"}.
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    result: Mapped[Any] = mapped_column(JSON(none_as_null=True), nullable=True)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    progress_message: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # Enqueueing twice with one key makes one job; jobs without a key never collide.
    idempotency_key: Mapped[str | None] = mapped_column(String(255), nullable=True, unique=True)
    # The user (an id auth issued) the job works for, if any; tasks keeps no user table.
    created_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # The request that enqueued it: its handler's logs and outbound calls carry the same id.
    request_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class Schedule(Base):
    """A cron schedule: every time `cron` fires, the scheduler enqueues a `kind` job."""

    __tablename__ = "schedules"
    __table_args__ = ({"sqlite_autoincrement": True},)  # ids are never reused

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(100))
    args: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    cron: Mapped[str] = mapped_column(String(100))  # five fields, in UTC: "0 3 * * *"
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class ScheduleFire(Base):
    """One tick of a schedule. The (schedule, fire time) pair is unique, so however many
    schedulers run, each tick becomes one job."""

    __tablename__ = "schedule_fires"
    __table_args__ = (
        UniqueConstraint("schedule_id", "fire_time"),
        {"sqlite_autoincrement": True},
    )  # ids are never reused

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedules.id", ondelete="CASCADE"))
    fire_time: Mapped[datetime] = mapped_column(UtcDateTime)
    # The job it made; purging old jobs keeps the fire (so the tick is not made again).
    job_id: Mapped[int | None] = mapped_column(
        Id, ForeignKey("jobs.id", ondelete="SET NULL"), nullable=True, index=True
    )

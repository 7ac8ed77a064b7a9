"""The worker process: looks for due jobs every poll interval.

This version finds and counts due jobs; claiming them (with a lease, atomically), running their
handlers and retrying failures come next, in `tick()`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shelf_kit.db import Database, utcnow

from .loop import Loop
from .models import Job, JobState

# States in which a job runs once its run_at has come.
WAITING_STATES = (JobState.AVAILABLE, JobState.SCHEDULED, JobState.RETRYABLE)


def count_due_jobs(session: Session, *, now: datetime) -> int:
    return session.scalar(
        select(func.count(Job.id)).where(Job.state.in_(WAITING_STATES), Job.run_at <= now))


class Worker(Loop):
    name = "worker"

    def __init__(self, *, database: Database, poll_interval: float, concurrency: int,
                 lease_seconds: int, ident: str | None = None) -> None:
        super().__init__(database=database, interval=poll_interval, ident=ident)
        self.concurrency = concurrency
        self.lease_seconds = lease_seconds

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "concurrency": self.concurrency,
                "lease_seconds": self.lease_seconds,
                "database": self.database.url.get_backend_name()}

    def tick(self) -> None:
        with self.database.transaction() as session:
            due = count_due_jobs(session, now=utcnow())
        if due:
            self.log.debug("%d jobs due", due, extra={"worker_id": self.ident, "due": due})
        else:
            self.log.debug("no jobs due", extra={"worker_id": self.ident, "due": 0})

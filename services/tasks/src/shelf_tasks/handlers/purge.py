"""purge (daily): finished jobs older than SHELF_TASKS_RETENTION_DAYS, old schedule fires,
and, through auth's API, expired sessions and other leftovers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, select

from shelf_kit.db import utcnow

from .. import jobs
from ..models import ScheduleFire
from ..registry import JobContext, Registry


def purge(job: JobContext) -> dict[str, Any]:
    database = job.services.database
    cutoff = utcnow() - timedelta(days=int(job.config["SHELF_TASKS_RETENTION_DAYS"]))
    deleted_jobs = jobs.purge_finished(database, older_than=cutoff)
    # Each schedule's newest fire stays: it is how the scheduler knows what it fired last.
    newest = select(func.max(ScheduleFire.id)).group_by(ScheduleFire.schedule_id)
    with jobs.write_transaction(database) as connection:
        deleted_fires = connection.execute(
            delete(ScheduleFire).where(
                ScheduleFire.fire_time < cutoff, ScheduleFire.id.not_in(newest)
            )
        ).rowcount
    auth = job.services.auth.purge()
    return {"jobs": deleted_jobs, "schedule_fires": deleted_fires, "auth": auth}


def register(registry: Registry) -> None:
    registry.handler("purge", time_limit=600, max_attempts=5)(purge)

"""The scheduler process: every few seconds, turns the cron schedules' due fires into jobs.

A fire is the pair (schedule, fire time), unique in `schedule_fires`. The fire's row and its job
are inserted in one transaction, so when several schedulers see the same fire, one commits and
the others' transactions (job included) roll back: each fire makes exactly one job.

What fires: for each enabled schedule, the latest time at or before now that its expression
names, if that time is later than both the schedule's last recorded fire and its last edit.
So a restart neither doubles a fire (it is recorded) nor skips one: a fire missed while no
scheduler ran is made when one starts again. Only the most recent missed fire is made, once;
older ones are not caught up (a nightly backup down for three nights runs once, not three
times). A schedule enabled or edited fires from its next time on, not for times before the edit.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from shelf_kit.db import Database, utcnow

from .jobs import write_transaction
from .loop import Loop
from .models import Job, JobState, Schedule, ScheduleFire
from .registry import Registry, build_registry
from .schedules import previous_fire, seed

# Cron's resolution is a minute; waking every few seconds fires a tick a few seconds late at most.
INTERVAL = 5.0


class Scheduler(Loop):
    name = "scheduler"

    def __init__(
        self,
        *,
        database: Database,
        interval: float = INTERVAL,
        ident: str | None = None,
        registry: Registry | None = None,
        clock: Callable[[], datetime] = utcnow,
        seed_schedules: bool = True,
    ) -> None:
        super().__init__(database=database, interval=interval, ident=ident)
        self.registry = registry if registry is not None else build_registry({})
        self.clock = clock
        self.seeded = not seed_schedules

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "database": self.database.url.get_backend_name()}

    def tick(self) -> None:
        if not self.seeded:
            for name in seed(self.database):
                self.log.info(
                    "schedule %s added", name, extra={"scheduler_id": self.ident, "schedule": name}
                )
            self.seeded = True
        now = self.clock()
        with self.database.transaction() as session:
            schedules = list(
                session.scalars(
                    select(Schedule).where(Schedule.enabled.is_(True)).order_by(Schedule.id)
                )
            )
            last_fires = dict(
                session.execute(
                    select(ScheduleFire.schedule_id, func.max(ScheduleFire.fire_time)).group_by(
                        ScheduleFire.schedule_id
                    )
                ).all()
            )
        self.log.debug(
            "%d schedules enabled",
            len(schedules),
            extra={"scheduler_id": self.ident, "enabled": len(schedules)},
        )
        for schedule in schedules:
            try:
                due = previous_fire(schedule.cron, now)
            except (ValueError, KeyError) as error:
                self.log.error(
                    "schedule %s has an invalid expression %r: %s",
                    schedule.name,
                    schedule.cron,
                    error,
                    extra={"scheduler_id": self.ident},
                )
                continue
            last = last_fires.get(schedule.id)
            if last is not None and last.tzinfo is None:  # SQLite's max() loses the type
                last = datetime.fromisoformat(str(last)).replace(tzinfo=now.tzinfo)
            if due <= schedule.updated_at or (last is not None and due <= last):
                continue
            self.fire(schedule, due, now=now)

    def fire(self, schedule: Schedule, fire_time: datetime, *, now: datetime) -> int | None:
        """Enqueue the job for one fire; its id, or None when another scheduler made it."""
        handler = self.registry.get(schedule.kind)
        stamp = f"{fire_time:%Y%m%dT%H%M%SZ}"
        try:
            with write_transaction(self.database) as connection:
                job_id = connection.execute(
                    insert(Job)
                    .values(
                        kind=schedule.kind,
                        args=dict(schedule.args or {}),
                        queue="default",
                        priority=0,
                        state=JobState.AVAILABLE,
                        attempt=0,
                        max_attempts=handler.max_attempts if handler else 5,
                        run_at=now,
                        errors=[],
                        progress=0,
                        idempotency_key=f"schedule:{schedule.id}:{stamp}",
                        request_id=f"schedule-{schedule.name}-{stamp}"[:200],
                        created_at=now,
                        updated_at=now,
                    )
                    .returning(Job.id)
                ).scalar_one()
                connection.execute(
                    insert(ScheduleFire).values(
                        schedule_id=schedule.id, fire_time=fire_time, job_id=job_id
                    )
                )
        except IntegrityError:
            self.log.debug(
                "schedule %s fire %s was made by another scheduler",
                schedule.name,
                fire_time.isoformat(),
                extra={"scheduler_id": self.ident},
            )
            return None
        self.log.info(
            "schedule %s fired for %s: job %s",
            schedule.name,
            fire_time.isoformat(),
            job_id,
            extra={
                "scheduler_id": self.ident,
                "schedule": schedule.name,
                "fire_time": fire_time.isoformat(),
                "job_id": job_id,
                "delay_ms": round((now - fire_time).total_seconds() * 1000),
            },
        )
        return job_id

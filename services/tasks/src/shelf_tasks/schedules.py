"""Cron schedules: the ones Shelf seeds from code, validating expressions, and fire times.

Expressions have five fields (minute hour day-of-month month day-of-week) and are read in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from croniter import CroniterBadCronError, croniter
from sqlalchemy import Row, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shelf_kit.db import Database, utcnow

from .models import Schedule, ScheduleFire


@dataclass(frozen=True)
class Seed:
    name: str
    kind: str
    cron: str
    args: dict[str, Any] = field(default_factory=dict)


SEEDS = (
    Seed("backup", "backup", "0 3 * * *"),  # nightly, 03:00 UTC
    Seed("check_links", "check_links", "0 4 * * *"),  # daily, 04:00 UTC
    Seed("purge", "purge", "30 4 * * *"),  # daily, 04:30 UTC
)


class InvalidCron(ValueError):
    pass


def by_name(session: Session) -> list[Schedule]:
    return list(session.scalars(select(Schedule).order_by(Schedule.name)))


def last_fire(session: Session, schedule_id: int) -> Row[datetime, int | None] | None:
    """The schedule's newest fire: its time and the job it made."""
    return session.execute(
        select(ScheduleFire.fire_time, ScheduleFire.job_id)
        .where(ScheduleFire.schedule_id == schedule_id)
        .order_by(ScheduleFire.fire_time.desc())
        .limit(1)
    ).first()


def validate_cron(expression: str, *, fields: tuple[int, ...] = (5,)) -> str:
    """The expression, normalised to single spaces; InvalidCron saying why otherwise."""
    parts = expression.split()
    if len(parts) not in fields:
        raise InvalidCron(
            f"a cron expression has {' or '.join(map(str, fields))} fields "
            f"(minute hour day month weekday), not {len(parts)}"
        )
    normalised = " ".join(parts)
    try:
        croniter(normalised, utcnow())
    except (CroniterBadCronError, ValueError, KeyError) as error:
        raise InvalidCron(f"not a valid cron expression: {error}") from None
    return normalised


def previous_fire(expression: str, now: datetime) -> datetime:
    """The latest time at or before `now` the expression fires (croniter's get_prev is strictly
    before, so it starts from a microsecond later)."""
    return croniter(expression, now + timedelta(microseconds=1)).get_prev(datetime)


def next_fire(expression: str, now: datetime) -> datetime:
    return croniter(expression, now).get_next(datetime)


def seed(database: Database) -> list[str]:
    """Add the schedules of SEEDS that are missing (by name); never change existing ones, so an
    operator's edits stay. The names added."""
    added = []
    with database.transaction() as session:
        existing = set(session.scalars(select(Schedule.name)))
    for entry in SEEDS:
        if entry.name in existing:
            continue
        now = utcnow()
        try:
            with database.transaction() as session:
                session.add(
                    Schedule(
                        name=entry.name,
                        kind=entry.kind,
                        cron=entry.cron,
                        args=dict(entry.args),
                        enabled=True,
                        created_at=now,
                        updated_at=now,
                    )
                )
        except IntegrityError:
            continue  # another process seeded it just now
        added.append(entry.name)
    return added

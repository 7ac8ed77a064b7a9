"""The scheduler's rules, with a clock the test moves: which fires it makes, and which not."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from shelf_kit.db import get_database
from shelf_tasks.models import Job, Schedule, ScheduleFire
from shelf_tasks.registry import build_registry
from shelf_tasks.scheduler import Scheduler
from shelf_tasks.schedules import SEEDS, InvalidCron, seed, validate_cron

MONDAY = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def database(app):
    return get_database(app)


@pytest.fixture
def clock():
    return Clock(MONDAY)


def scheduler(database, clock):
    return Scheduler(
        database=database, clock=clock, seed_schedules=False, registry=build_registry({})
    )


def add_schedule(database, *, cron="0 3 * * *", kind="backup", created=MONDAY, **values):
    with database.transaction() as session:
        schedule = Schedule(
            name=values.pop("name", "nightly"),
            kind=kind,
            cron=cron,
            args={},
            created_at=created,
            updated_at=created,
            **values,
        )
        session.add(schedule)
    return schedule.id


def fires(database):
    with database.transaction() as session:
        return [
            (row.fire_time, row.kind, row.max_attempts)
            for row in session.execute(
                select(ScheduleFire.fire_time, Job.kind, Job.max_attempts)
                .join(Job, Job.id == ScheduleFire.job_id)
                .order_by(ScheduleFire.fire_time)
            )
        ]


def at(hour, minute=0, day=23):
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def test_a_fire_becomes_one_job_however_often_the_scheduler_looks(database, clock):
    add_schedule(database)
    one = scheduler(database, clock)
    for minute in (0, 1, 30):  # 02:59 and earlier nothing; then 03:00 once
        clock.now = at(2, 59) if minute == 0 else at(3, minute)
        one.tick()
    assert fires(database) == [(at(3), "backup", 3)]  # the kind's own max_attempts


def test_two_schedulers_looking_at_once_make_one_job(database, clock):
    add_schedule(database)
    clock.now = at(3, 0)
    first, second = scheduler(database, clock), scheduler(database, clock)
    due = at(3)
    with database.transaction() as session:
        schedule = session.scalars(select(Schedule)).one()
    assert first.fire(schedule, due, now=clock.now) is not None
    assert second.fire(schedule, due, now=clock.now) is None
    with database.transaction() as session:
        assert len(session.scalars(select(Job)).all()) == 1


def test_a_restart_catches_up_the_most_recent_missed_fire_only(database, clock):
    add_schedule(database)
    clock.now = at(3, 1)
    scheduler(database, clock).tick()
    # Down for three nights; a new scheduler starts on Thursday at noon.
    clock.now = at(12, day=26)
    restarted = scheduler(database, clock)
    restarted.tick()
    restarted.tick()
    assert [fire for fire, _kind, _ in fires(database)] == [at(3), at(3, day=26)]


def test_a_new_or_edited_schedule_starts_from_its_next_time(database, clock):
    add_schedule(database, created=at(10))  # created after today's 03:00
    clock.now = at(11)
    scheduler(database, clock).tick()
    assert fires(database) == []
    clock.now = at(3, 0, day=24)
    scheduler(database, clock).tick()
    assert [fire for fire, _kind, _ in fires(database)] == [at(3, day=24)]


def test_a_disabled_schedule_does_not_fire(database, clock):
    add_schedule(database, enabled=False)
    clock.now = at(4)
    scheduler(database, clock).tick()
    assert fires(database) == []


def test_seeding_adds_shelfs_schedules_once_and_keeps_an_operators_edits(database):
    assert seed(database) == [entry.name for entry in SEEDS]
    with database.transaction() as session:
        backup = session.scalars(select(Schedule).where(Schedule.name == "backup")).one()
        backup.cron, backup.enabled = "0 1 * * *", False
    assert seed(database) == []
    with database.transaction() as session:
        rows = {s.name: (s.kind, s.cron, s.enabled) for s in session.scalars(select(Schedule))}
    assert rows == {
        "backup": ("backup", "0 1 * * *", False),
        "check_links": ("check_links", "0 4 * * *", True),
        "purge": ("purge", "30 4 * * *", True),
    }


@pytest.mark.parametrize(
    "expression", ["", "* * * *", "61 * * * *", "* * * * * *", "0 3 * * mon-frii", "every day"]
)
def test_cron_expressions_are_checked(expression):
    with pytest.raises(InvalidCron):
        validate_cron(expression)


def test_a_valid_expression_is_normalised():
    assert validate_cron("  0   3 * *  MON-FRI ") == "0 3 * * MON-FRI"


def test_each_fire_is_logged_with_how_late_it_was(database, clock, caplog):
    add_schedule(database, cron="*/5 * * * *")
    clock.now = at(0, 5) + timedelta(seconds=2)
    scheduler(database, clock).tick()
    [line] = [r for r in caplog.records if r.getMessage().startswith("schedule nightly fired")]
    assert (line.fire_time, line.delay_ms) == (at(0, 5).isoformat(), 2000)

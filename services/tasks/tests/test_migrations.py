from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import create_engine, insert, inspect
from sqlalchemy.exc import IntegrityError

from shelf_kit.migrations import alembic_config, schema_differences
from shelf_tasks.app import MIGRATIONS
from shelf_tasks.models import Base, Job, JobState, Schedule, ScheduleFire


@pytest.fixture
def engine(database_url):
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


def add_job(engine, **values):
    with engine.begin() as connection:
        result = connection.execute(insert(Job).values(kind="test.noop", **values))
        return result.inserted_primary_key[0]


def test_migrations_produce_the_models_schema(database_url):
    assert schema_differences(database_url, Base.metadata) == []


def test_jobs_take_every_state_and_only_those(engine):
    for state in JobState:
        add_job(engine, state=state.value)
    with pytest.raises(IntegrityError):
        add_job(engine, state="finished")


def test_progress_stays_between_0_and_100(engine):
    add_job(engine, progress=100)
    with pytest.raises(IntegrityError):
        add_job(engine, progress=101)
    with pytest.raises(IntegrityError):
        add_job(engine, progress=-1)


def test_a_job_needs_at_least_one_attempt(engine):
    with pytest.raises(IntegrityError):
        add_job(engine, max_attempts=0)


def test_an_idempotency_key_names_one_job_and_jobs_without_one_never_collide(engine):
    add_job(engine, idempotency_key="import:42")
    add_job(engine)
    add_job(engine)  # a second job without a key
    with pytest.raises(IntegrityError):
        add_job(engine, idempotency_key="import:42")


def test_each_fire_of_a_schedule_is_recorded_once(engine):
    fire_time = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    with engine.begin() as connection:
        schedule_id = connection.execute(insert(Schedule).values(
            name="check-links", kind="links.check", cron="0 3 * * *")).inserted_primary_key[0]
        connection.execute(insert(ScheduleFire).values(schedule_id=schedule_id,
                                                       fire_time=fire_time))
        connection.execute(insert(ScheduleFire).values(  # the next tick is another fire
            schedule_id=schedule_id, fire_time=fire_time.replace(day=25)))
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(insert(ScheduleFire).values(schedule_id=schedule_id,
                                                       fire_time=fire_time))


def test_schedule_names_are_unique(engine):
    values = {"name": "backup", "kind": "backup.export", "cron": "0 4 * * *"}
    with engine.begin() as connection:
        connection.execute(insert(Schedule).values(**values))
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(insert(Schedule).values(**values))


def test_downgrade_removes_every_table(database_url, engine):
    command.downgrade(alembic_config(MIGRATIONS, database_url), "base")
    tables = set(inspect(engine).get_table_names()) - {"alembic_version", "sqlite_sequence"}
    assert tables == set()

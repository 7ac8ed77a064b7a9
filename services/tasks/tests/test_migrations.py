from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import create_engine, delete, func, insert, inspect, select
from sqlalchemy.exc import IntegrityError

from shelf_kit.migrations import alembic_config, schema_differences, upgrade
from shelf_kit.testing import database_backends, temporary_database
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
        schedule_id = connection.execute(
            insert(Schedule).values(name="check-links", kind="links.check", cron="0 3 * * *")
        ).inserted_primary_key[0]
        connection.execute(
            insert(ScheduleFire).values(schedule_id=schedule_id, fire_time=fire_time)
        )
        connection.execute(
            insert(ScheduleFire).values(  # the next tick is another fire
                schedule_id=schedule_id, fire_time=fire_time.replace(day=25)
            )
        )
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(
            insert(ScheduleFire).values(schedule_id=schedule_id, fire_time=fire_time)
        )


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


NEW_ROWS = {
    Job: lambda n: {"kind": "noop", "args": {"n": n}},
    Schedule: lambda n: {"name": f"s{n}", "kind": "noop", "cron": "0 3 * * *"},
}


def add_row(engine, model, n, schedule_id=None):
    values = (
        NEW_ROWS[model](n)
        if model in NEW_ROWS
        else {"schedule_id": schedule_id, "fire_time": datetime(2026, 1, n, tzinfo=UTC)}
    )
    with engine.begin() as connection:
        return connection.execute(insert(model).values(**values)).inserted_primary_key[0]


def remove(engine, model, row_id):
    with engine.begin() as connection:
        connection.execute(delete(model).where(model.id == row_id))


@pytest.mark.parametrize("model", [Job, Schedule, ScheduleFire])
def test_a_deleted_rows_id_is_never_given_again(engine, model):
    """A deleted highest id handed to the next row would make it the deleted one's (a job a
    user may read, a schedule's fire): every table counts on from the highest id it gave."""
    schedule_id = add_row(engine, Schedule, 28) if model is ScheduleFire else None
    first = add_row(engine, model, 1, schedule_id)
    last = add_row(engine, model, 2, schedule_id)
    remove(engine, model, last)
    assert add_row(engine, model, 3, schedule_id) > last > first


@pytest.fixture(params=database_backends())
def previous_head(request, tmp_path):
    """A database made by the migrations as they were before ids were protected (0002)."""
    with temporary_database(request.param, "tasks_0002", str(tmp_path)) as url:
        upgrade(MIGRATIONS, url, "0002")
        engine = create_engine(url)
        yield url, engine
        engine.dispose()


def test_the_migration_keeps_every_row_and_stops_id_reuse(previous_head):
    url, engine = previous_head
    columns = ("id", "kind", "args", "state", "attempt", "idempotency_key")
    with engine.begin() as connection:
        for n in range(1, 5):
            connection.exec_driver_sql(
                "INSERT INTO jobs (kind, args, queue, priority, state, attempt, max_attempts, "
                "run_at, errors, progress, idempotency_key, created_at, updated_at) VALUES "
                f"('noop', '{{\"n\": {n}}}', 'default', 0, 'completed', 1, 5, "
                f"'2026-11-30 10:00:00', '[]', 100, 'key-{n}', '2026-11-30 10:00:00', "
                "'2026-11-30 10:00:00')"
            )
        for n in range(1, 4):
            connection.exec_driver_sql(
                "INSERT INTO schedules (name, kind, args, cron, enabled, created_at, "
                f"updated_at) VALUES ('s{n}', 'noop', '{{}}', '0 3 * * *', true, "
                "'2026-11-30 10:00:00', '2026-11-30 10:00:00')"
            )
        for n in range(1, 4):
            connection.exec_driver_sql(
                "INSERT INTO schedule_fires (schedule_id, fire_time, job_id) VALUES "
                f"(1, '2026-11-0{n} 03:00:00', {n})"
            )
        connection.exec_driver_sql("DELETE FROM jobs WHERE id = 4")
    with engine.connect() as connection:
        jobs_before = connection.exec_driver_sql(
            f"SELECT {', '.join(columns)} FROM jobs ORDER BY id"
        ).all()
        schedules_before = connection.exec_driver_sql(
            "SELECT id, name FROM schedules ORDER BY id"
        ).all()
        fires_before = connection.exec_driver_sql(
            "SELECT id, schedule_id, job_id FROM schedule_fires ORDER BY id"
        ).all()

    upgrade(MIGRATIONS, url)

    assert schema_differences(url, Base.metadata) == []
    with engine.connect() as connection:
        assert (
            connection.exec_driver_sql(f"SELECT {', '.join(columns)} FROM jobs ORDER BY id").all()
            == jobs_before
        )
        assert (
            connection.exec_driver_sql("SELECT id, name FROM schedules ORDER BY id").all()
            == schedules_before
        )
        assert (
            connection.exec_driver_sql(
                "SELECT id, schedule_id, job_id FROM schedule_fires ORDER BY id"
            ).all()
            == fires_before
        )
        assert set(connection.scalars(select(Job.interruptions))) == {0}
    assert add_row(engine, Job, 5) == 5  # job 4 was deleted before the migration: not reused
    for model in (Schedule, ScheduleFire):
        remove(engine, model, 3)
        assert add_row(engine, model, 9, schedule_id=1) == 4
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(ScheduleFire)) == 3

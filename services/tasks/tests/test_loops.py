"""The worker's and the scheduler's loops, in this process: what a tick sees, how they stop."""

import logging
import os
import signal
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from shelf_kit import ConfigError
from shelf_kit.background import start_background, stop_background
from shelf_kit.db import Database, get_database, utcnow
from shelf_tasks import create_app
from shelf_tasks.loop import process_id, run_together, stopping_on_signals
from shelf_tasks.models import Job, JobState, Schedule
from shelf_tasks.registry import build_registry
from shelf_tasks.scheduler import Scheduler
from shelf_tasks.worker import Worker


def make_worker(database, poll_interval=60.0):
    return Worker(
        database=database,
        poll_interval=poll_interval,
        concurrency=4,
        lease_seconds=60,
        registry=build_registry({"SHELF_TASKS_TEST_HANDLERS": True}),
    )


def start(loop):
    thread = threading.Thread(target=loop.run, daemon=True)
    thread.start()
    return thread


def wait_until(condition, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def messages(caplog, logger):
    return [record.getMessage() for record in caplog.records if record.name == logger]


def test_a_worker_claims_the_jobs_that_are_due_and_runs_them(app, caplog):
    caplog.set_level(logging.DEBUG, logger="shelf.tasks.worker")
    database = get_database(app)
    now, hour = utcnow(), timedelta(hours=1)
    with database.transaction() as session:
        session.add_all(
            [
                Job(kind="noop", state=JobState.AVAILABLE, run_at=now - hour),
                Job(kind="noop", state=JobState.RETRYABLE, run_at=now - hour),
                Job(kind="noop", state=JobState.SCHEDULED, run_at=now + hour),  # not yet
                Job(kind="noop", state=JobState.COMPLETED, run_at=now - hour),  # done
                Job(
                    kind="noop",
                    state=JobState.RUNNING,
                    run_at=now - hour,  # someone else's
                    worker_id="elsewhere:1",
                    lease_expires_at=now + hour,
                ),
            ]
        )
    worker = make_worker(database)
    assert worker.tick() == 2
    wait_until(lambda: worker.running == 0)
    with database.transaction() as session:
        states = sorted(session.scalars(select(Job.state)))
    assert states == ["completed", "completed", "completed", "running", "scheduled"]


def test_a_worker_with_nothing_to_do_says_so_quietly(app, caplog):
    caplog.set_level(logging.DEBUG, logger="shelf.tasks.worker")
    make_worker(get_database(app)).tick()
    [record] = [r for r in caplog.records if r.name == "shelf.tasks.worker"]
    assert (record.levelno, record.getMessage()) == (logging.DEBUG, "no jobs due")


def test_a_scheduler_sees_the_enabled_schedules(app, caplog):
    caplog.set_level(logging.DEBUG, logger="shelf.tasks.scheduler")
    database = get_database(app)
    with database.transaction() as session:
        session.add_all(
            [
                Schedule(name="check-links", kind="links.check", cron="0 3 * * 0"),
                Schedule(name="backup", kind="backup.export", cron="0 4 * * *"),
                Schedule(name="old", kind="backup.export", cron="0 5 * * *", enabled=False),
            ]
        )
    Scheduler(database=database, seed_schedules=False).tick()
    assert messages(caplog, "shelf.tasks.scheduler") == ["2 schedules enabled"]


@pytest.mark.parametrize(
    "make_loop",
    [make_worker, lambda db: Scheduler(database=db, interval=60)],
    ids=["worker", "scheduler"],
)
def test_a_stop_request_ends_the_wait_between_ticks_at_once(app, make_loop):
    loop = make_loop(get_database(app))
    thread = start(loop)
    wait_until(lambda: loop.ticks == 1)
    asked = time.monotonic()
    loop.request_stop("test")
    thread.join(timeout=2)
    assert not thread.is_alive()
    assert time.monotonic() - asked < 1  # not the 60 s interval
    assert (loop.ticks, loop.stop_reason) == (1, "test")


def test_a_tick_in_progress_finishes_before_the_loop_ends(app, caplog):
    caplog.set_level(logging.DEBUG, logger="shelf.tasks.worker")

    class AskedToStopMidTick(Worker):
        def tick(self):
            self.request_stop("SIGTERM")
            super().tick()

    worker = AskedToStopMidTick(
        database=get_database(app),
        poll_interval=0.01,
        concurrency=1,
        lease_seconds=60,
        registry=build_registry({}),
    )
    worker.run()
    assert messages(caplog, "shelf.tasks.worker") == [
        "worker started",
        "no jobs due",
        "worker stopped",
    ]
    stopped = caplog.records[-1]
    assert (stopped.reason, stopped.ticks, stopped.worker_id) == ("SIGTERM", 1, process_id())


def test_a_worker_keeps_trying_while_its_database_is_unusable(tmp_path, caplog):
    caplog.set_level(logging.DEBUG, logger="shelf.tasks.worker")
    database = Database(f"sqlite:///{tmp_path}/never-migrated.db")
    worker = make_worker(database, poll_interval=0.01)
    thread = start(worker)
    try:
        wait_until(lambda: worker.ticks >= 3)
    finally:
        worker.request_stop("test")
        thread.join(timeout=2)
        database.dispose()
    assert not thread.is_alive()
    failures = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(failures) >= 3
    assert "no such table: jobs" in failures[0].getMessage()


def test_sigterm_and_sigint_ask_the_loop_to_stop_then_the_old_handlers_return(app):
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop = make_worker(get_database(app))
        with stopping_on_signals(loop):
            os.kill(os.getpid(), signum)
            wait_until(lambda loop=loop: loop.stopping)
        assert loop.stop_reason == signal.Signals(signum).name
    assert {sig: signal.getsignal(sig) for sig in before} == before


def test_a_signal_stops_every_loop_of_the_process(app):
    """`worker --scheduler`: one SIGTERM asks both the worker and its scheduler thread to stop."""
    loops = [make_worker(get_database(app)), Scheduler(database=get_database(app), interval=60)]
    with stopping_on_signals(*loops):
        os.kill(os.getpid(), signal.SIGTERM)
        wait_until(lambda: all(loop.stopping for loop in loops))
    assert [loop.stop_reason for loop in loops] == ["SIGTERM", "SIGTERM"]


def test_a_loop_that_fails_in_its_thread_stops_the_process_s_other_loops(app, caplog):
    """A bug in the scheduler thread must not leave a worker running without its scheduler
    (a process with one loop ends on such an error): the worker stops, the error is raised."""

    class Broken(Scheduler):
        def tick(self):
            raise ZeroDivisionError("a bug")

    worker = make_worker(get_database(app))
    with pytest.raises(ZeroDivisionError):
        run_together([worker, Broken(database=get_database(app), interval=60)])
    assert worker.stop_reason == "scheduler failed"
    assert "scheduler failed; stopping the process" in messages(caplog, "shelf.tasks.scheduler")


def test_a_worker_refuses_a_concurrency_of_zero(database_url):
    app = create_app(
        {
            "SHELF_ENV": "test",
            "SHELF_TASKS_DATABASE_URL": database_url,
            "SHELF_TASKS_WORKER_CONCURRENCY": 0,
        }
    )
    result = app.test_cli_runner().invoke(args=["worker"])
    app.extensions["shelf_db"].dispose()
    assert result.exit_code == 2
    assert "SHELF_TASKS_WORKER_CONCURRENCY must be more than 0" in result.output


def web_app(database_url, **settings):
    return create_app(
        {
            "SHELF_ENV": "test",
            "SHELF_TASKS_DATABASE_URL": database_url,
            "SHELF_TASKS_TEST_HANDLERS": True,
            "SHELF_TASKS_POLL_INTERVAL": 0.2,
            **settings,
        }
    )


def test_a_web_process_told_to_run_jobs_runs_them_beside_its_requests(database_url, caplog):
    """make run's tasks: the gunicorn worker starts the loops (shelf_kit.gunicorn_conf) and
    stops them when it exits; a job enqueued over HTTP is run by the same process."""
    caplog.set_level(logging.INFO)
    app = web_app(database_url, SHELF_TASKS_WEB_RUNS_JOBS=True)
    database = get_database(app)
    with database.transaction() as session:
        session.add(Job(kind="noop", state=JobState.AVAILABLE, run_at=utcnow()))
    start_background(app)
    try:

        def states():
            with database.transaction() as session:
                return list(session.scalars(select(Job.state)))

        wait_until(lambda: states() == ["completed"], timeout=60)
        wait_until(lambda: "scheduler started" in messages(caplog, "shelf.tasks.scheduler"), 60)
    finally:
        stop_background(app, "the web worker is exiting")
        database.dispose()
    for role in ("worker", "scheduler"):
        assert f"{role} stopped" in messages(caplog, f"shelf.tasks.{role}")
    assert not [t for t in threading.enumerate() if t.name == "jobs"]


def test_a_web_process_runs_no_jobs_unless_told_to(database_url):
    app = web_app(database_url)
    database = get_database(app)
    with database.transaction() as session:
        session.add(Job(kind="noop", state=JobState.AVAILABLE, run_at=utcnow()))
    start_background(app)
    try:
        assert app.test_client().get("/healthz").status_code == 200
        with database.transaction() as session:
            assert list(session.scalars(select(Job.state))) == ["available"]
    finally:
        stop_background(app, "done")
        database.dispose()
    assert not [t for t in threading.enumerate() if t.name == "jobs"]


def test_a_web_process_that_runs_jobs_checks_their_settings_at_start(database_url):
    with pytest.raises(ConfigError, match="SHELF_TASKS_WORKER_CONCURRENCY must be more than 0"):
        web_app(database_url, SHELF_TASKS_WEB_RUNS_JOBS=True, SHELF_TASKS_WORKER_CONCURRENCY=0)

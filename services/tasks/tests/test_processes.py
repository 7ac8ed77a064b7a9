"""The worker and the scheduler as real processes: they start, run jobs, survive a kill -9,
share one database, and stop cleanly; and the worker with the scheduler as a thread of it
(`shelf-tasks worker --scheduler`, what `make run` starts) does all of it in one process."""

import json
import signal
import smtplib
import socket
import subprocess
import time
from datetime import timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from processes import ServiceProcess
from sqlalchemy import func, select

from shelf_kit.db import Database, utcnow
from shelf_kit.testing import free_port
from shelf_tasks import jobs
from shelf_tasks.models import Job, JobState, Schedule, ScheduleFire


@pytest.fixture
def environment(database_url, nowhere, tmp_path):
    return {
        "SHELF_TASKS_DATABASE_URL": database_url,
        # Outside tests a secret has no default (`make run` makes its own).
        "SHELF_TASKS_CLIENT_SECRET": "a-secret-of-this-test",
        "SHELF_AUTH_URL": nowhere,
        "SHELF_API_URL": nowhere,
        "SHELF_DATA_DIR": str(tmp_path / "var"),
        "SHELF_LOG_LEVEL": "DEBUG",
        "SHELF_TASKS_TEST_HANDLERS": "true",
        # Far longer than the test may take: stopping must not wait for the next poll.
        "SHELF_TASKS_POLL_INTERVAL": "30",
    }


@pytest.fixture
def database(database_url):
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def fast(environment):
    """A worker that polls often, with a short lease and short backoffs."""
    return environment | {
        "SHELF_TASKS_POLL_INTERVAL": "0.1",
        "SHELF_TASKS_LEASE_SECONDS": "1",
        "SHELF_TASKS_RETRY_BASE_SECONDS": "0.05",
        "SHELF_TASKS_RETRY_MAX_SECONDS": "0.2",
        "SHELF_LOG_LEVEL": "INFO",
    }


def enqueue(database, kind, **values):
    with database.sessions() as session:
        return jobs.enqueue(session, kind=kind, **values)[0].id


def job(database, job_id):
    with database.sessions() as session:
        return session.get(Job, job_id)


def wait_until(condition, timeout=30.0, what="the condition"):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


COMMANDS = {
    # command: {loop: (what its first poll logs, the name of its id in the log)}
    "worker": {"worker": ("no jobs due", "worker_id")},
    "scheduler": {"scheduler": ("3 schedules enabled", "scheduler_id")},  # Shelf's schedules
    "worker --scheduler": {
        "worker": ("no jobs due", "worker_id"),
        "scheduler": ("3 schedules enabled", "scheduler_id"),
    },
}


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
@pytest.mark.parametrize("command", COMMANDS)
def test_starts_polls_its_database_and_stops_cleanly(command, signum, environment, tmp_path):
    loops = COMMANDS[command]
    with ServiceProcess(command.split(), env=environment, cwd=tmp_path) as process:
        started = {}
        for loop, (first_poll, id_field) in loops.items():
            started[loop] = process.wait_for_log(
                lambda line, loop=loop: line["message"] == f"{loop} started"
            )
            assert started[loop][id_field] == f"{socket.gethostname()}:{process.pid}"
            assert started[loop]["service"] == "tasks"
            assert started[loop]["level"] == "info"
            process.wait_for_log(lambda line, first_poll=first_poll: line["message"] == first_poll)

        # Stopped by itself (code 0) within docker's grace (stop raises past it); how fast
        # depends on the machine, so no test asserts it.
        code = process.stop(signum)

        assert code == 0, process.output()
        for loop, (_first_poll, id_field) in loops.items():
            [stopped] = process.logged(f"{loop} stopped")
            assert stopped["reason"] == signum.name
            assert stopped[id_field] == started[loop][id_field]
        assert not any(
            line.get("level") in ("warning", "error")
            for line in process.lines
            if isinstance(line, dict)
        ), process.output()


def test_worker_start_up_line_tells_how_it_is_configured(environment, tmp_path):
    environment |= {
        "SHELF_TASKS_WORKER_CONCURRENCY": "2",
        "SHELF_TASKS_LEASE_SECONDS": "90",
        "SHELF_LOG_LEVEL": "INFO",
        "SHELF_TASKS_QUEUES": "default, mail",
    }
    with ServiceProcess(["worker"], env=environment, cwd=tmp_path) as process:
        started = process.wait_for_log(lambda line: line["message"] == "worker started")
        configured = (
            started["concurrency"],
            started["lease_seconds"],
            started["interval"],
            started["queues"],
        )
        assert configured == (2, 90, 30, ["default", "mail"])
        assert {"fetch_metadata", "send_email", "noop"} <= set(started["kinds"])
        code = process.stop()
    assert code == 0
    assert process.logged("no jobs due") == []  # DEBUG lines stay out at INFO


def test_a_job_whose_worker_is_killed_runs_again_and_completes_once(fast, database, tmp_path):
    """A worker killed mid-job (a deploy, a crash elsewhere) costs the job no attempt: it runs
    again as the same attempt, with the interruption recorded."""
    log = tmp_path / "runs.jsonl"
    job_id = enqueue(database, "record", args={"path": str(log), "seconds": 2})
    with ServiceProcess(["worker"], env=fast, cwd=tmp_path) as first:
        wait_until(lambda: [r["event"] for r in records(log)] == ["start"], what="the first run")
        first.stop(signal.SIGKILL)  # no chance to release or record anything
    assert job(database, job_id).state == JobState.RUNNING
    with ServiceProcess(["worker"], env=fast, cwd=tmp_path) as second:
        wait_until(lambda: job(database, job_id).state == JobState.COMPLETED, what="completion")
        second.wait_for_log(
            lambda line: line["message"].startswith(f"job {job_id} lost its worker")
        )
        assert second.stop() == 0
    runs = records(log)
    assert [(r["event"], r["pid"], r["attempt"]) for r in runs] == [
        ("start", first.pid, 1),
        ("start", second.pid, 1),
        ("end", second.pid, 1),
    ]
    row = job(database, job_id)
    assert (row.attempt, row.interruptions, row.result) == (1, 1, {"pid": second.pid})
    assert (
        f"worker {socket.gethostname()}:{first.pid} stopped heartbeating" in row.errors[0]["error"]
    )
    assert "not counted as a failed attempt" in row.errors[0]["error"]


def test_a_job_that_kills_its_worker_every_time_ends_discarded(fast, database, tmp_path):
    """The bound on free interruptions: a job that takes its worker down each time (a crash
    in a library, the OOM killer) is given SHELF_TASKS_MAX_INTERRUPTIONS free runs, then its
    own attempts, and is discarded; it does not take workers down forever."""
    environment = fast | {"SHELF_TASKS_MAX_INTERRUPTIONS": "2"}
    job_id = enqueue(database, "die", max_attempts=2)
    workers = []
    for _ in range(8):  # 2 free runs + 2 attempts, then a worker that finds it discarded
        with ServiceProcess(["worker"], env=environment, cwd=tmp_path) as process:
            workers.append(process.pid)
            wait_until(
                lambda: (
                    process.popen.poll() is not None  # it took the job and died
                    or job(database, job_id).state == JobState.DISCARDED
                ),  # or ended it
                what="the worker to die or the job to be discarded",
            )
            if process.popen.poll() is None:
                assert process.stop() == 0
                break
            assert process.popen.returncode == -signal.SIGKILL
    row = job(database, job_id)
    assert (row.state, row.attempt, row.interruptions) == (JobState.DISCARDED, 2, 2)
    assert len(workers) == 5, workers
    assert [("not counted" in e["error"]) for e in row.errors] == [True, True, False, False]


def test_two_workers_never_run_the_same_job_at_once(fast, database, tmp_path):
    log = tmp_path / "runs.jsonl"
    environment = fast | {"SHELF_TASKS_WORKER_CONCURRENCY": "4", "SHELF_TASKS_LEASE_SECONDS": "30"}
    ids = [enqueue(database, "record", args={"path": str(log), "seconds": 0.02}) for _ in range(80)]
    with (
        ServiceProcess(["worker"], env=environment, cwd=tmp_path) as one,
        ServiceProcess(["worker"], env=environment, cwd=tmp_path) as two,
    ):
        wait_until(
            lambda: all(job(database, i).state == JobState.COMPLETED for i in ids),
            what="every job to complete",
        )
        assert one.stop() == 0 and two.stop() == 0
    runs = records(log)
    starts = [r["job"] for r in runs if r["event"] == "start"]
    ends = [r["job"] for r in runs if r["event"] == "end"]
    assert sorted(starts) == sorted(ids) and sorted(ends) == sorted(ids)  # each exactly once
    assert {r["attempt"] for r in runs} == {1}
    assert {r["pid"] for r in runs} == {one.pid, two.pid}  # both took part


def test_a_job_that_always_fails_is_discarded_with_every_error(fast, database, tmp_path):
    job_id = enqueue(database, "fail", args={"message": "the page is gone"}, max_attempts=3)
    with ServiceProcess(["worker"], env=fast, cwd=tmp_path) as process:
        wait_until(lambda: job(database, job_id).state == JobState.DISCARDED, what="discard")
        process.wait_for_log(lambda line: line["message"].startswith(f"job {job_id} discarded"))
        assert process.stop() == 0
    row = job(database, job_id)
    assert row.attempt == 3 and row.finished_at is not None
    assert [(e["attempt"], e["error"]) for e in row.errors] == [
        (n, "RuntimeError: the page is gone") for n in (1, 2, 3)
    ]
    retried = [
        line
        for line in process.lines
        if isinstance(line, dict) and line["message"].startswith(f"job {job_id} failed, will retry")
    ]
    assert len(retried) == 2


def test_sigterm_lets_running_jobs_finish_and_releases_what_cannot(fast, database, tmp_path):
    environment = fast | {"SHELF_TASKS_SHUTDOWN_SECONDS": "1.5", "SHELF_TASKS_LEASE_SECONDS": "30"}
    short = enqueue(database, "sleep", args={"seconds": 0.8})
    long = enqueue(database, "sleep", args={"seconds": 60})
    with ServiceProcess(["worker"], env=environment, cwd=tmp_path) as process:
        wait_until(
            lambda: (
                job(database, long).state == JobState.RUNNING
                and job(database, short).state == JobState.RUNNING
            ),
            what="both to run",
        )
        # Within docker's grace (stop raises past it), although a job still had 60 s to run.
        code = process.stop(signal.SIGTERM)
    assert code == 0, process.output()
    assert job(database, short).state == JobState.COMPLETED
    released = job(database, long)
    assert (released.state, released.attempt, released.worker_id) == (JobState.AVAILABLE, 0, None)
    assert process.logged(f"job {long} released: it waits for another worker")


@pytest.mark.parametrize("command", ["worker", "worker --scheduler"])
def test_sigterm_with_the_default_settings_fits_inside_a_supervisors_grace(
    command, environment, database, tmp_path
):
    """Issue 11, item 14: honcho sends SIGKILL ~5 s after SIGTERM (or Ctrl-C); the worker
    waited 8 s before releasing, so it was killed and its running job lost an attempt.
    Stopped as honcho stops it, the worker now releases the job and exits by itself, and so
    does its scheduler thread when it has one."""
    environment |= {"SHELF_TASKS_POLL_INTERVAL": "0.1", "SHELF_LOG_LEVEL": "INFO"}
    stuck = enqueue(database, "sleep", args={"seconds": 60})
    with ServiceProcess(command.split(), env=environment, cwd=tmp_path) as process:
        wait_until(lambda: job(database, stuck).state == JobState.RUNNING, what="the job to run")
        try:
            code = process.stop(signal.SIGTERM, timeout=5)  # honcho's grace
        except subprocess.TimeoutExpired:
            process.popen.kill()  # what honcho does next
            pytest.fail(f"still running 5 s after SIGTERM: {process.output()}")
    assert code == 0, process.output()
    released = job(database, stuck)
    assert (released.state, released.attempt, released.errors) == (JobState.AVAILABLE, 0, [])
    assert process.logged(f"job {stuck} released: it waits for another worker")
    loops = ["worker", "scheduler"] if "--scheduler" in command else ["worker"]
    assert [line["reason"] for loop in loops for line in process.logged(f"{loop} stopped")] == [
        "SIGTERM"
    ] * len(loops), process.output()


@pytest.mark.parametrize("command", ["scheduler", "worker --scheduler"])
def test_two_schedulers_make_exactly_one_job_per_fire(command, environment, database, tmp_path):
    """Two scheduler processes, or two workers each with a scheduler thread (make run's worker,
    scaled to two): each fire of a schedule makes one job, and the workers run each once."""
    environment |= {
        "SHELF_TASKS_SCHEDULER_INTERVAL": "0.1",
        "SHELF_LOG_LEVEL": "INFO",
        "SHELF_TASKS_POLL_INTERVAL": "0.1",
    }
    with database.transaction() as session:
        # Every second (a sixth field, for seconds: the API only takes five).
        session.add(
            Schedule(
                name="tick",
                kind="noop",
                cron="* * * * * *",
                args={"n": 1},
                created_at=utcnow(),
                updated_at=utcnow(),
            )
        )
    with (
        ServiceProcess(command.split(), env=environment, cwd=tmp_path) as one,
        ServiceProcess(command.split(), env=environment, cwd=tmp_path) as two,
    ):
        # Both running (a loaded machine can take seconds to start one), then a few fires.
        for process in (one, two):
            process.wait_for_log(lambda line: line["message"] == "scheduler started", 30)
        time.sleep(4)
        assert one.stop() == 0 and two.stop() == 0
    with database.transaction() as session:
        fires = session.execute(
            select(ScheduleFire.fire_time, ScheduleFire.job_id)
            .join(Schedule)
            .where(Schedule.name == "tick")
        ).all()
        made = session.scalar(select(func.count(Job.id)).where(Job.kind == "noop"))
        keys = set(session.scalars(select(Job.idempotency_key).where(Job.kind == "noop")))
        runs = session.execute(select(Job.state, Job.attempt).where(Job.kind == "noop")).all()
    assert len(fires) >= 3
    assert made == len(fires) == len({fire.job_id for fire in fires}) == len(keys)
    times = sorted(fire.fire_time for fire in fires)
    assert all(later - earlier >= timedelta(seconds=1) for earlier, later in pairwise(times))
    fired = [
        line
        for process in (one, two)
        for line in process.lines
        if isinstance(line, dict) and line["message"].startswith("schedule tick fired")
    ]
    assert len(fired) == len(fires)  # no fire was reported by both
    if command.startswith("worker"):  # the workers ran what their schedulers made, once each
        completed = [attempt for state, attempt in runs if state == JobState.COMPLETED]
        assert len(completed) >= 2 and set(completed) == {1}, runs
        logged = [
            line
            for process in (one, two)
            for line in process.lines
            if isinstance(line, dict)
            and line.get("kind") == "noop"
            and line["message"].endswith(" completed")
        ]
        assert len(logged) == len(completed)


def test_the_development_mail_sink_prints_what_it_receives(environment, tmp_path):
    port = free_port()
    with ServiceProcess(["mail-sink", "--port", str(port)], env=environment, cwd=tmp_path) as sink:
        sink.wait_for_log(lambda line: line["message"].startswith("mail sink listening"))
        with smtplib.SMTP("127.0.0.1", port, timeout=5) as client:
            client.sendmail(
                "shelf@localhost",
                ["ada@example.com"],
                "Subject: Hello\r\n\r\nThe link is https://shelf.test/x\r\n",
            )
        received = sink.wait_for_log(lambda line: line["message"].startswith("mail received"))
        assert received["rcpt_tos"] == ["ada@example.com"]
        assert "https://shelf.test/x" in received["content"]
        assert sink.stop() == 0

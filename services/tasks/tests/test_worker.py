"""The worker in this process, with handlers made for each test: concurrency, heartbeats,
time limits, cancelling, request ids and stopping."""

import threading
import time

import pytest

from shelf_kit import current_request_id
from shelf_kit.db import get_database
from shelf_tasks import jobs
from shelf_tasks.models import Job, JobState
from shelf_tasks.registry import Handler, PermanentError, Registry
from shelf_tasks.worker import Worker


def wait_until(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


class Harness:
    def __init__(self, database):
        self.database = database
        self.registry = Registry()
        self.threads = []

    def handle(self, kind, **options):
        def register(function):
            self.registry.add(Handler(kind, function, **options))
            return function

        return register

    def enqueue(self, kind, **values):
        with self.database.sessions() as session:
            return jobs.enqueue(session, kind=kind, **values)[0].id

    def job(self, job_id):
        with self.database.sessions() as session:
            return session.get(Job, job_id)

    def start(self, **options):
        worker = Worker(
            database=self.database,
            poll_interval=0.05,
            registry=self.registry,
            **{
                "concurrency": 4,
                "lease_seconds": 2,
                "retry_base": 0.05,
                "retry_max": 0.1,
                "shutdown_seconds": 5,
                **options,
            },
        )
        thread = threading.Thread(target=worker.run, daemon=True)
        thread.start()
        self.threads.append((worker, thread))
        return worker

    def stop(self):
        for worker, thread in self.threads:
            worker.request_stop("test")
            thread.join(timeout=15)
            assert not thread.is_alive()


@pytest.fixture
def harness(app):
    harness = Harness(get_database(app))
    yield harness
    harness.stop()


def test_runs_as_many_jobs_at_once_as_its_concurrency(harness):
    lock, now_running, most = threading.Lock(), [0], [0]

    @harness.handle("busy")
    def busy(job):
        with lock:
            now_running[0] += 1
            most[0] = max(most[0], now_running[0])
        time.sleep(0.2)
        with lock:
            now_running[0] -= 1

    ids = [harness.enqueue("busy") for _ in range(9)]
    harness.start(concurrency=3)
    wait_until(lambda: all(harness.job(i).state == JobState.COMPLETED for i in ids))
    assert most[0] == 3


def test_the_handlers_result_and_progress_are_kept(harness):
    @harness.handle("count")
    def count(job):
        job.progress(50, "half way")
        assert harness.job(job.id).progress == 50
        return {"counted": job.args["to"]}

    job_id = harness.enqueue("count", args={"to": 3})
    harness.start()
    wait_until(lambda: harness.job(job_id).state == JobState.COMPLETED)
    row = harness.job(job_id)
    assert (row.result, row.progress, row.progress_message) == ({"counted": 3}, 100, "half way")


def test_a_handler_runs_with_the_request_id_of_whoever_enqueued_it(harness):
    seen = {}

    @harness.handle("trace")
    def trace(job):
        seen[job.id] = current_request_id()

    traced = harness.enqueue("trace", request_id="req-from-api-42")
    untraced = harness.enqueue("trace")
    harness.start()
    wait_until(lambda: len(seen) == 2)
    assert seen[traced] == "req-from-api-42"
    assert seen[untraced] and seen[untraced] != "req-from-api-42"


def test_heartbeats_keep_a_long_job_its_own(harness):
    @harness.handle("long")
    def long(job):
        time.sleep(2.5)  # longer than the 1 s lease: only heartbeats keep it

    job_id = harness.enqueue("long")
    harness.start(lease_seconds=1)
    other = harness.start(lease_seconds=1)  # would take it over if the lease expired
    wait_until(lambda: harness.job(job_id).state == JobState.COMPLETED)
    row = harness.job(job_id)
    assert (row.attempt, row.errors) == (1, [])
    assert other.ticks > 5


def test_a_job_over_its_time_limit_is_failed_and_retried(harness):
    calls = []

    @harness.handle("slow", time_limit=0.3, max_attempts=2)
    def slow(job):
        calls.append(job.attempt)
        if job.attempt == 1:  # stuck until the worker gives up on it
            while not job.cancelled.is_set():
                time.sleep(0.01)
            return "too late"
        return "quick"

    job_id = harness.enqueue("slow", max_attempts=2)
    harness.start(lease_seconds=0.4)
    wait_until(lambda: harness.job(job_id).state == JobState.COMPLETED)
    row = harness.job(job_id)
    assert calls == [1, 2]
    assert row.result == "quick"
    assert [e["attempt"] for e in row.errors] == [1]
    assert "time limit of 0.3 s" in row.errors[0]["error"]


def test_a_permanent_error_discards_at_once(harness):
    @harness.handle("hopeless")
    def hopeless(job):
        raise PermanentError("args.url is missing")

    job_id = harness.enqueue("hopeless", max_attempts=5)
    harness.start()
    wait_until(lambda: harness.job(job_id).state == JobState.DISCARDED)
    row = harness.job(job_id)
    assert row.attempt == 1
    assert row.errors[0]["error"] == "args.url is missing"


def test_cancelling_a_running_job_tells_its_handler_and_drops_its_outcome(harness):
    started, stopped = threading.Event(), threading.Event()

    @harness.handle("wait")
    def wait(job):
        started.set()
        while not job.cancelled.is_set():
            time.sleep(0.01)
        stopped.set()
        return "finished anyway"

    job_id = harness.enqueue("wait")
    harness.start(lease_seconds=0.4)
    assert started.wait(5)
    with harness.database.sessions() as session:
        jobs.cancel(session, job_id)
    assert stopped.wait(5)  # the next heartbeat told it
    time.sleep(0.2)
    row = harness.job(job_id)
    assert (row.state, row.result) == (JobState.CANCELLED, None)


def test_stopping_waits_for_running_jobs_then_releases_the_rest(harness):
    @harness.handle("short")
    def short(job):
        time.sleep(0.3)

    @harness.handle("endless")
    def endless(job):
        while not job.cancelled.is_set():
            time.sleep(0.01)

    quick, stuck = harness.enqueue("short"), harness.enqueue("endless")
    worker = harness.start(shutdown_seconds=1)
    wait_until(lambda: worker.running == 2)
    worker.request_stop("SIGTERM")
    harness.stop()
    assert harness.job(quick).state == JobState.COMPLETED
    row = harness.job(stuck)
    assert (row.state, row.attempt, row.worker_id) == (JobState.AVAILABLE, 0, None)

"""The job worker and the scheduler, built from the settings; run by `shelf-tasks worker` or
inside the web process.

A separate worker process (`shelf-tasks worker --scheduler`, one or many; compose runs them
so) is how jobs scale apart from the API. With SHELF_TASKS_WEB_RUNS_JOBS, each gunicorn worker
of tasks' web process runs a job worker and a scheduler in threads beside its requests
(`make run`'s default: one Python process, ~70 MiB, fewer; issue 15). They are the same loops
either way: claims are atomic and each cron fire makes one job, so any mix of the two is safe.
"""

from __future__ import annotations

import threading

from flask import Flask

from shelf_kit import ConfigError
from shelf_kit.background import add_background
from shelf_kit.db import get_database

from .extensions import registry, services
from .loop import Loop, run_together
from .scheduler import Scheduler
from .worker import EXIT_SECONDS, Worker


def positive(app: Flask, name: str) -> float:
    value = app.config[name]
    if value <= 0:
        raise ConfigError(f"{name} must be more than 0, not {value}")
    return value


def build_worker(app: Flask) -> Worker:
    config = app.config
    queues = [name.strip() for name in config["SHELF_TASKS_QUEUES"].split(",") if name.strip()]
    if not queues:
        raise ConfigError("SHELF_TASKS_QUEUES names no queue")
    return Worker(
        database=get_database(app),
        poll_interval=positive(app, "SHELF_TASKS_POLL_INTERVAL"),
        concurrency=int(positive(app, "SHELF_TASKS_WORKER_CONCURRENCY")),
        lease_seconds=positive(app, "SHELF_TASKS_LEASE_SECONDS"),
        registry=registry(app),
        services=services(app),
        config=config,
        queues=queues,
        shutdown_seconds=max(0.0, config["SHELF_TASKS_SHUTDOWN_SECONDS"]),
        retry_base=positive(app, "SHELF_TASKS_RETRY_BASE_SECONDS"),
        retry_max=positive(app, "SHELF_TASKS_RETRY_MAX_SECONDS"),
        max_interruptions=max(0, int(config["SHELF_TASKS_MAX_INTERRUPTIONS"])),
    )


def build_scheduler(app: Flask) -> Scheduler:
    return Scheduler(
        database=get_database(app),
        interval=positive(app, "SHELF_TASKS_SCHEDULER_INTERVAL"),
        registry=registry(app),
    )


def run_jobs_beside_web(app: Flask) -> None:
    """With SHELF_TASKS_WEB_RUNS_JOBS, the web process's gunicorn workers run jobs too.

    The settings are checked now, so a bad one stops start-up as it stops `shelf-tasks worker`."""
    if not app.config["SHELF_TASKS_WEB_RUNS_JOBS"]:
        return
    worker = build_worker(app)
    loops: list[Loop] = [worker, build_scheduler(app)]
    thread = threading.Thread(target=run_together, args=(loops,), name="jobs", daemon=True)

    def stop(reason: str) -> None:
        for loop in loops:
            loop.request_stop(reason)
        if thread.is_alive():
            thread.join(timeout=worker.shutdown_seconds + 3 * EXIT_SECONDS)

    add_background(app, "the job worker and the scheduler", thread.start, stop)

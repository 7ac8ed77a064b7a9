"""`shelf-tasks worker`, `shelf-tasks scheduler` and `shelf-tasks mail-sink`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from shelf_kit.db import get_database

from .extensions import registry, services
from .loop import Loop, run_together, stopping_on_signals
from .scheduler import Scheduler
from .worker import Worker


def _positive(name: str) -> float:
    value = current_app.config[name]
    if value <= 0:
        raise click.UsageError(f"{name} must be more than 0, not {value}")
    return value


def _run(*loops: Loop) -> None:
    with stopping_on_signals(*loops):
        run_together(loops)


@click.command("worker")
@click.option(
    "--scheduler",
    "with_scheduler",
    is_flag=True,
    help="Also run the scheduler, in a thread of this process (what `make run` does: "
    "one process fewer). Safe beside other schedulers: each fire makes one job.",
)
@with_appcontext
def worker(with_scheduler: bool) -> None:
    """Run jobs: claim due jobs, run up to SHELF_TASKS_WORKER_CONCURRENCY at once.

    On SIGTERM or SIGINT it stops claiming, gives the jobs it runs SHELF_TASKS_SHUTDOWN_SECONDS,
    releases the others for another worker (the attempt not counted), logs that it stopped and
    exits 0, well inside a supervisor's grace; the scheduler thread (--scheduler) stops with it.
    """
    _run(_worker(), *([_scheduler()] if with_scheduler else []))


@click.command("scheduler")
@with_appcontext
def scheduler() -> None:
    """Turn the cron schedules into jobs; adds Shelf's schedules that are missing first.

    On SIGTERM or SIGINT the current look finishes, then the scheduler logs that it stopped and
    exits 0. Run as many as you like: each fire makes one job.
    """
    _run(_scheduler())


def _worker() -> Worker:
    config = current_app.config
    queues = [name.strip() for name in config["SHELF_TASKS_QUEUES"].split(",") if name.strip()]
    if not queues:
        raise click.UsageError("SHELF_TASKS_QUEUES names no queue")
    return Worker(
        database=get_database(current_app),
        poll_interval=_positive("SHELF_TASKS_POLL_INTERVAL"),
        concurrency=int(_positive("SHELF_TASKS_WORKER_CONCURRENCY")),
        lease_seconds=_positive("SHELF_TASKS_LEASE_SECONDS"),
        registry=registry(current_app),
        services=services(current_app),
        config=config,
        queues=queues,
        shutdown_seconds=max(0.0, config["SHELF_TASKS_SHUTDOWN_SECONDS"]),
        retry_base=_positive("SHELF_TASKS_RETRY_BASE_SECONDS"),
        retry_max=_positive("SHELF_TASKS_RETRY_MAX_SECONDS"),
        max_interruptions=max(0, int(config["SHELF_TASKS_MAX_INTERRUPTIONS"])),
    )


def _scheduler() -> Scheduler:
    return Scheduler(
        database=get_database(current_app),
        interval=_positive("SHELF_TASKS_SCHEDULER_INTERVAL"),
        registry=registry(current_app),
    )


@click.command("mail-sink")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8025, show_default=True, type=int)
def mail_sink(host: str, port: int) -> None:
    """A development SMTP server that logs every mail it receives (never delivers it)."""
    import signal
    import threading

    from .mail import run_sink

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    run_sink(host, port, stop.is_set)

"""`shelf-tasks worker` and `shelf-tasks scheduler`: the long-running processes."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from shelf_kit.db import get_database

from .loop import Loop, stopping_on_signals
from .scheduler import Scheduler
from .worker import Worker


def _positive(name: str) -> float:
    value = current_app.config[name]
    if value <= 0:
        raise click.UsageError(f"{name} must be more than 0, not {value}")
    return value


def _run(loop: Loop) -> None:
    with stopping_on_signals(loop):
        loop.run()


@click.command("worker")
@with_appcontext
def worker() -> None:
    """Look for due jobs every poll interval; stop on SIGTERM or SIGINT.

    On a signal the current poll finishes, then the worker logs that it stopped and exits 0.
    """
    _run(Worker(
        database=get_database(current_app),
        poll_interval=_positive("SHELF_TASKS_POLL_INTERVAL"),
        concurrency=int(_positive("SHELF_TASKS_WORKER_CONCURRENCY")),
        lease_seconds=int(_positive("SHELF_TASKS_LEASE_SECONDS")),
    ))


@click.command("scheduler")
@with_appcontext
def scheduler() -> None:
    """Look at the cron schedules every few seconds; stop on SIGTERM or SIGINT.

    On a signal the current look finishes, then the scheduler logs that it stopped and exits 0.
    """
    _run(Scheduler(database=get_database(current_app)))

"""`shelf-tasks worker`, `shelf-tasks scheduler` and `shelf-tasks mail-sink`."""

from __future__ import annotations

from collections.abc import Callable

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from shelf_kit import ConfigError

from .loop import Loop, run_together, stopping_on_signals
from .running import build_scheduler, build_worker


def _run(*loops: Loop) -> None:
    with stopping_on_signals(*loops):
        run_together(loops)


@click.command("worker")
@click.option(
    "--scheduler",
    "with_scheduler",
    is_flag=True,
    help="Also run the scheduler, in a thread of this process (one process fewer). Safe "
    "beside other schedulers: each fire makes one job.",
)
@with_appcontext
def worker(with_scheduler: bool) -> None:
    """Run jobs: claim due jobs, run up to SHELF_TASKS_WORKER_CONCURRENCY at once.

    On SIGTERM or SIGINT it stops claiming, gives the jobs it runs SHELF_TASKS_SHUTDOWN_SECONDS,
    releases the others for another worker (the attempt not counted), logs that it stopped and
    exits 0, well inside a supervisor's grace; the scheduler thread (--scheduler) stops with it.
    """
    _run(_built(build_worker), *([_built(build_scheduler)] if with_scheduler else []))


@click.command("scheduler")
@with_appcontext
def scheduler() -> None:
    """Turn the cron schedules into jobs; adds Shelf's schedules that are missing first.

    On SIGTERM or SIGINT the current look finishes, then the scheduler logs that it stopped and
    exits 0. Run as many as you like: each fire makes one job.
    """
    _run(_built(build_scheduler))


def _built(build: Callable[[Flask], Loop]) -> Loop:
    try:
        return build(current_app)
    except ConfigError as error:
        raise click.UsageError(str(error)) from None


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

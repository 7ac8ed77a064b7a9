"""Job kinds for tests only, registered when SHELF_TASKS_TEST_HANDLERS is on (never in
production): "noop", "sleep" {seconds}, "fail" {message}, "record" {path, seconds}, and "die",
which kills its own worker process (SIGKILL) as a crash in a library or the OOM killer would."""

from __future__ import annotations

import json
import os
import signal
import time
from typing import Any

from ..registry import JobContext, Registry


def noop(job: JobContext) -> dict[str, Any]:
    return {"ok": True}


def sleep(job: JobContext) -> dict[str, Any]:
    seconds = float(job.args.get("seconds", 1))
    until = time.monotonic() + seconds
    while time.monotonic() < until and not job.cancelled.is_set():
        time.sleep(min(0.05, max(0.0, until - time.monotonic())))
    return {"slept": seconds}


def fail(job: JobContext) -> None:
    raise RuntimeError(job.args.get("message") or f"failed on attempt {job.attempt}")


def record(job: JobContext) -> dict[str, Any]:
    """Append a start and an end line to args.path (one write each: O_APPEND keeps lines
    whole), sleeping args.seconds between them: a log of who ran what, when."""
    path, pid = job.args["path"], os.getpid()

    def note(event: str) -> None:
        line = (
            json.dumps(
                {
                    "job": job.id,
                    "attempt": job.attempt,
                    "pid": pid,
                    "event": event,
                    "at": time.time(),
                }
            )
            + "\n"
        )
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(descriptor, line.encode())
        finally:
            os.close(descriptor)

    note("start")
    time.sleep(float(job.args.get("seconds", 0)))
    note("end")
    return {"pid": pid}


def die(job: JobContext) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def register(registry: Registry) -> None:
    registry.handler("noop", time_limit=30)(noop)
    registry.handler("sleep", time_limit=60)(sleep)
    registry.handler("fail", time_limit=30, max_attempts=3)(fail)
    registry.handler("record", time_limit=60)(record)
    registry.handler("die", time_limit=30, max_attempts=2)(die)

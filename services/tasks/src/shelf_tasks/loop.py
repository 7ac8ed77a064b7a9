"""What the worker and the scheduler share: a loop that ticks until it is asked to stop.

A stop request (SIGTERM or SIGINT, or `request_stop()` from a test) sets an event; the tick in
progress finishes, the wait between ticks ends at once, and `run()` returns.

Several loops can share a process (`run_together`): `shelf-tasks worker --scheduler` runs the
scheduler in a thread beside the worker, one Python process fewer. A signal asks every loop of
the process to stop.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from shelf_kit.db import Database

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
# Once the first loop of a process has stopped: how long the others have left to finish their
# tick (they were asked to stop at the same moment, so they are normally done already).
JOIN_SECONDS = 1.0


def process_id() -> str:
    """How a worker or scheduler names itself in logs and in the jobs it holds."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Loop:
    """Calls `tick()` at once, then every `interval` seconds, until `request_stop()`.

    A tick that fails on the database (down, restarting, not migrated yet) is logged and
    tried again after the interval; any other error is a bug and ends the process.
    """

    name = "loop"

    def __init__(self, *, database: Database, interval: float, ident: str | None = None) -> None:
        self.database = database
        self.interval = interval
        self.ident = ident or process_id()
        self.ticks = 0
        self.stop_reason: str | None = None
        self._stop = threading.Event()
        self.log = logging.getLogger(f"shelf.tasks.{self.name}")

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def request_stop(self, reason: str) -> None:
        """Finish the current tick, then return from `run()`. Safe from a signal handler."""
        if not self._stop.is_set():
            self.stop_reason = reason
            self._stop.set()

    def describe(self) -> dict[str, Any]:
        """What the start-up line says about this process."""
        return {f"{self.name}_id": self.ident, "interval": self.interval}

    def tick(self) -> int | None:
        """One round of work (a worker says how many jobs it ran)."""
        raise NotImplementedError

    def run(self) -> None:
        self.log.info("%s started", self.name, extra=self.describe())
        while not self._stop.is_set():
            try:
                self.tick()
            except SQLAlchemyError as error:
                reason = str(error).splitlines()[0]
                self.log.warning(
                    "%s tick failed on the database, trying again in %s s: %s",
                    self.name,
                    self.interval,
                    reason,
                    extra={f"{self.name}_id": self.ident, "error": reason},
                )
            self.ticks += 1
            self._stop.wait(self.interval)
        self.log.info(
            "%s stopped",
            self.name,
            extra={f"{self.name}_id": self.ident, "reason": self.stop_reason, "ticks": self.ticks},
        )


@contextmanager
def stopping_on_signals(*loops: Loop, signals=STOP_SIGNALS) -> Iterator[None]:
    """While inside, SIGTERM and SIGINT ask every loop to stop instead of killing the process.

    The handler only sets events: logging from a signal handler can re-enter the stream it
    interrupted. Must be entered from the main thread (Python's rule for signals).
    """

    def handler(signum: int, _frame) -> None:
        for loop in loops:
            loop.request_stop(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, handler) for sig in signals}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def run_together(loops: Sequence[Loop]) -> None:
    """Run the first loop in this thread and each other one in a thread of its own, until they
    are asked to stop. When one ends by an error (a bug), the others are asked to stop too and
    the error is raised here once they have: the process ends, as it would with one loop."""
    failures: list[BaseException] = []

    def stop_all(reason: str) -> None:
        for loop in loops:
            loop.request_stop(reason)

    def run_in_thread(loop: Loop) -> None:
        try:
            loop.run()
        except BaseException as error:
            loop.log.exception("%s failed; stopping the process", loop.name)
            failures.append(error)
            stop_all(f"{loop.name} failed")

    first, *others = loops
    threads = [
        threading.Thread(target=run_in_thread, args=(loop,), name=loop.name, daemon=True)
        for loop in others
    ]
    for thread in threads:
        thread.start()
    try:
        first.run()
    finally:
        stop_all(first.stop_reason or f"{first.name} ended")
        for thread in threads:
            thread.join(timeout=JOIN_SECONDS)
    if failures:
        raise failures[0]

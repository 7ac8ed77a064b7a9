"""Handlers: plain functions registered by job kind.

    @handler("fetch_metadata", time_limit=60)
    def fetch_metadata(job: JobContext) -> dict: ...

A handler takes ids, reloads what it needs, and is idempotent: a job runs at least once, and
again after a worker dies mid-job. What it returns (JSON) becomes the job's `result`; an
exception fails the attempt (retried with backoff); `PermanentError` discards the job at once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


class PermanentError(Exception):
    """The job can never succeed (bad arguments, a refused address): discard it now."""


@dataclass(frozen=True)
class Handler:
    kind: str
    function: Callable[[JobContext], Any]
    time_limit: float = 300.0  # seconds an attempt may run before it is failed
    max_attempts: int = 5  # the default when the enqueuer names none


@dataclass
class JobContext:
    """What a running handler gets: its job, the settings, the clients, and ways to report."""

    id: int
    kind: str
    args: dict[str, Any]
    attempt: int
    max_attempts: int
    created_by: int | None
    created_at: Any
    config: Mapping[str, Any]
    services: Any  # shelf_tasks.clients.Services (api, auth, database)
    deadline: float  # time.monotonic() when the time limit is up
    priority: int = 0
    report_progress: Callable[[int, str | None], bool] = lambda _p, _m: True
    cancelled: threading.Event = field(default_factory=threading.Event)
    log: logging.Logger = field(default_factory=lambda: logging.getLogger("shelf.tasks.job"))

    def progress(self, percent: float, message: str | None = None) -> None:
        """Record progress (0-100) for people watching (import progress bars)."""
        if not self.report_progress(max(0, min(100, int(percent))), message):
            self.cancelled.set()

    @property
    def should_stop(self) -> bool:
        """True when the job was cancelled, lost, or is past its time limit: stop early."""
        return self.cancelled.is_set() or time.monotonic() >= self.deadline

    @property
    def seconds_left(self) -> float:
        return max(0.0, self.deadline - time.monotonic())


class Registry:
    def __init__(self) -> None:
        self.handlers: dict[str, Handler] = {}

    def handler(self, kind: str, **options: Any) -> Callable:
        def register(function: Callable[[JobContext], Any]) -> Callable[[JobContext], Any]:
            self.add(Handler(kind, function, **options))
            return function

        return register

    def add(self, handler: Handler) -> None:
        if handler.kind in self.handlers:
            raise ValueError(f"job kind {handler.kind!r} is registered twice")
        self.handlers[handler.kind] = handler

    def get(self, kind: str) -> Handler | None:
        return self.handlers.get(kind)

    def __contains__(self, kind: str) -> bool:
        return kind in self.handlers

    def kinds(self) -> list[str]:
        return sorted(self.handlers)


def build_registry(config: Mapping[str, Any]) -> Registry:
    """Shelf's handlers, plus the test-only kinds when SHELF_TASKS_TEST_HANDLERS is on."""
    from .handlers import register_handlers, testing

    registry = Registry()
    register_handlers(registry)
    if config.get("SHELF_TASKS_TEST_HANDLERS"):
        testing.register(registry)
    return registry

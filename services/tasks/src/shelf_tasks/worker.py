"""The worker process: claims due jobs and runs up to `concurrency` of them at once, in threads.

- Each tick first rescues jobs whose lease expired (their worker died), then claims as many due
  jobs as it has free slots (atomically: see jobs.py) and starts a thread for each.
- A heartbeat thread extends the leases of the jobs it runs every lease/4 seconds, tells a
  handler to stop when its job was cancelled or taken over, and fails a job that runs past its
  kind's time limit (Python cannot kill a thread: the job is failed and retried, the slot freed,
  the handler told to stop, and whatever it does afterwards is not recorded).
- A finished job frees its slot and wakes the loop, so the next job starts without waiting for
  the poll interval.
- A job whose handler could not reach a service it needs (no answer, or 502/503/504: the
  service is restarting) is *interrupted*, not failed: it waits again with a growing backoff
  and the attempt is given back; so is a job whose worker died (see jobs.rescue_expired). Past
  `max_interruptions` for one job, interruptions count as failed attempts (jobs.py says why).
- On SIGTERM/SIGINT it stops claiming, gives running jobs `shutdown_seconds` (short: a
  supervisor such as honcho kills ~5 s after its signal) to finish, releases those still
  running (they wait again, the attempt not counted) and exits, all within about
  `shutdown_seconds + 1.5 * EXIT_SECONDS` (3.5 s by default).

Handlers run inside `shelf_kit.bound_request_id(<the enqueuing request's id>)`, so their log
lines and their calls to other services carry the id of the request that caused them.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from shelf_http import ServiceUnavailable
from shelf_kit import bound_request_id
from shelf_kit.db import Database

from . import jobs
from .jobs import ClaimedJob
from .loop import Loop
from .registry import Handler, JobContext, PermanentError, Registry, build_registry

UNKNOWN_KIND_TIME_LIMIT = 60.0
RECORD_ATTEMPTS = 5
# On shutdown, after the running jobs' moment: at most this long to record what just finished
# and to stop the heartbeat thread.
EXIT_SECONDS = 1.0
RESTARTING = {502, 503, 504}  # a service answering these is on its way back


def interrupts(error: Exception) -> bool:
    """True when `error` says a service the handler needs is restarting, not that it failed."""
    return isinstance(error, ServiceUnavailable) and (
        error.status is None or error.status in RESTARTING
    )


@dataclass
class Running:
    job: ClaimedJob
    handler: Handler | None
    context: JobContext
    thread: threading.Thread | None = None
    finishing: bool = False  # the handler returned; its outcome is being recorded
    abandoned: bool = False  # failed for its time limit; whatever it does now is dropped


class Worker(Loop):
    name = "worker"

    def __init__(
        self,
        *,
        database: Database,
        poll_interval: float,
        concurrency: int,
        lease_seconds: float,
        registry: Registry | None = None,
        services: Any = None,
        config: Mapping[str, Any] | None = None,
        queues: Sequence[str] = ("default",),
        shutdown_seconds: float = 2.0,
        retry_base: float = 10.0,
        retry_max: float = 3600.0,
        max_interruptions: int = jobs.MAX_INTERRUPTIONS,
        ident: str | None = None,
    ) -> None:
        super().__init__(database=database, interval=poll_interval, ident=ident)
        self.concurrency = concurrency
        self.lease_seconds = lease_seconds
        self.registry = registry if registry is not None else build_registry({})
        self.services = services
        self.config = config or {}
        self.queues = tuple(queues)
        self.shutdown_seconds = shutdown_seconds
        self.retry_base = retry_base
        self.retry_max = retry_max
        self.max_interruptions = max_interruptions
        self.heartbeat_interval = max(0.05, lease_seconds / 4)
        self._running: dict[int, Running] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._heartbeats_done = threading.Event()

    def describe(self) -> dict[str, Any]:
        return {
            **super().describe(),
            "concurrency": self.concurrency,
            "lease_seconds": self.lease_seconds,
            "queues": list(self.queues),
            "kinds": self.registry.kinds(),
            "database": self.database.url.get_backend_name(),
        }

    def request_stop(self, reason: str) -> None:
        super().request_stop(reason)
        self._wake.set()

    @property
    def running(self) -> int:
        with self._lock:
            return len(self._running)

    # --- the loop ------------------------------------------------------------------------------

    def run(self) -> None:
        self.log.info("%s started", self.name, extra=self.describe())
        heartbeats = threading.Thread(target=self._heartbeat_loop, name="heartbeat", daemon=True)
        heartbeats.start()
        try:
            while not self.stopping:
                self._wake.clear()
                claimed = 0
                try:
                    claimed = self.tick()
                except SQLAlchemyError as error:
                    reason = str(error).splitlines()[0]
                    self.log.warning(
                        "%s tick failed on the database, trying again in %s s: %s",
                        self.name,
                        self.interval,
                        reason,
                        extra={"worker_id": self.ident, "error": reason},
                    )
                self.ticks += 1
                if self.stopping:
                    break
                if claimed and self.running < self.concurrency:
                    continue  # there may be more due right now
                self._wake.wait(self.interval)
            self._shutdown()
        finally:
            self._heartbeats_done.set()
            heartbeats.join(timeout=EXIT_SECONDS / 2)
        self.log.info(
            "%s stopped",
            self.name,
            extra={"worker_id": self.ident, "reason": self.stop_reason, "ticks": self.ticks},
        )

    def tick(self) -> int:
        """Rescue expired leases, then claim and start jobs for the free slots; how many."""
        for job_id, state in jobs.rescue_expired(self.database, limit=self.max_interruptions):
            self.log.warning(
                "job %s lost its worker (lease expired); now %s",
                job_id,
                state,
                extra={"worker_id": self.ident, "job_id": job_id, "state": state},
            )
        free = self.concurrency - self.running
        if free <= 0:
            self.log.debug("all %d slots busy", self.concurrency, extra={"worker_id": self.ident})
            return 0
        claimed = jobs.claim(
            self.database,
            worker_id=self.ident,
            limit=free,
            lease_seconds=self.lease_seconds,
            queues=self.queues,
            kinds=self.registry.kinds(),
        )
        if not claimed:
            self.log.debug("no jobs due", extra={"worker_id": self.ident, "due": 0})
            return 0
        for job in claimed:
            self._start(job)
        return len(claimed)

    # --- running one job -------------------------------------------------------------------------

    def _start(self, job: ClaimedJob) -> None:
        handler = self.registry.get(job.kind)
        time_limit = handler.time_limit if handler else UNKNOWN_KIND_TIME_LIMIT
        running = Running(
            job=job,
            handler=handler,
            context=JobContext(
                id=job.id,
                kind=job.kind,
                args=dict(job.args or {}),
                attempt=job.attempt,
                max_attempts=job.max_attempts,
                created_by=job.created_by,
                created_at=job.created_at,
                config=self.config,
                services=self.services,
                deadline=time.monotonic() + time_limit,
                priority=job.priority,
                log=logging.getLogger(f"shelf.tasks.job.{job.kind}"),
            ),
        )
        running.context.report_progress = lambda percent, message: self._progress(
            running, percent, message
        )
        running.thread = threading.Thread(
            target=self._execute, args=(running,), name=f"job-{job.id}", daemon=True
        )
        with self._lock:
            self._running[job.id] = running
        running.thread.start()

    def _about(self, job: ClaimedJob, **more: Any) -> dict[str, Any]:
        return {
            "worker_id": self.ident,
            "job_id": job.id,
            "kind": job.kind,
            "attempt": job.attempt,
            **more,
        }

    def _execute(self, running: Running) -> None:
        job = running.job
        with bound_request_id(job.request_id):
            self.log.info("job %s started: %s", job.id, job.kind, extra=self._about(job))
            started = time.monotonic()
            outcome: tuple[str, Any] = ("completed", None)
            try:
                if running.handler is None:
                    raise LookupError(f"no handler for {job.kind!r} in this worker")
                result = running.handler.function(running.context)
                outcome = ("completed", json.loads(json.dumps(result, default=str)))
            except PermanentError as error:
                outcome = ("permanent", str(error) or type(error).__name__)
            except Exception as error:
                if interrupts(error):
                    outcome = ("interrupted", f"{type(error).__name__}: {error}")
                else:
                    self.log.warning(
                        "job %s raised %s",
                        job.id,
                        type(error).__name__,
                        exc_info=True,
                        extra=self._about(job),
                    )
                    outcome = ("failed", f"{type(error).__name__}: {error}")
            duration_ms = round((time.monotonic() - started) * 1000, 1)
            with self._lock:
                dropped = running.abandoned
                running.finishing = not dropped
            if dropped:
                self.log.warning(
                    "job %s ended after this worker gave it up (time limit or "
                    "shutdown); the outcome is dropped",
                    job.id,
                    extra=self._about(job, duration_ms=duration_ms),
                )
                return
            try:
                self._record(running, outcome, duration_ms)
            finally:
                with self._lock:
                    self._running.pop(job.id, None)
                self._wake.set()

    def _record(self, running: Running, outcome: tuple[str, Any], duration_ms: float) -> None:
        job, (what, value) = running.job, outcome
        for attempt in range(1, RECORD_ATTEMPTS + 1):
            try:
                if what == "completed":
                    recorded = jobs.complete(self.database, job, worker_id=self.ident, result=value)
                    state = "completed" if recorded else None
                elif what == "interrupted":
                    state = jobs.interrupted(
                        self.database,
                        job,
                        worker_id=self.ident,
                        error=value,
                        retry_base=self.retry_base,
                        retry_max=self.retry_max,
                        limit=self.max_interruptions,
                    )
                else:
                    state = jobs.fail(
                        self.database,
                        job,
                        worker_id=self.ident,
                        error=value,
                        permanent=what == "permanent",
                        retry_base=self.retry_base,
                        retry_max=self.retry_max,
                    )
                break
            except SQLAlchemyError as error:
                if attempt == RECORD_ATTEMPTS:
                    self.log.error(
                        "job %s: could not record its outcome (%s); it will run "
                        "again once its lease expires",
                        job.id,
                        str(error).splitlines()[0],
                        extra=self._about(job),
                    )
                    return
                time.sleep(min(2.0, 0.2 * attempt))
        about = self._about(job, duration_ms=duration_ms, state=state)
        if state is None:
            self.log.warning(
                "job %s was cancelled or taken over meanwhile; this attempt's outcome is dropped",
                job.id,
                extra=about,
            )
        elif state == "completed":
            self.log.info("job %s completed", job.id, extra=about)
        elif (
            state == "retryable"
            and what == "interrupted"
            and job.interruptions < self.max_interruptions
        ):
            self.log.warning(
                "job %s interrupted (a service it needs is unavailable), will run "
                "again, the attempt not counted: %s",
                job.id,
                value,
                extra={**about, "error": value},
            )
        elif state == "retryable":
            self.log.warning(
                "job %s failed, will retry: %s", job.id, value, extra={**about, "error": value}
            )
        else:
            self.log.error("job %s discarded: %s", job.id, value, extra={**about, "error": value})

    def _progress(self, running: Running, percent: int, message: str | None) -> bool:
        try:
            return jobs.set_progress(
                self.database, running.job, worker_id=self.ident, percent=percent, message=message
            )
        except SQLAlchemyError:
            return True  # progress is informative; the job goes on

    # --- heartbeats and time limits -------------------------------------------------------------

    def _heartbeat_loop(self) -> None:
        while not self._heartbeats_done.wait(self.heartbeat_interval):
            try:
                self.beat()
            except SQLAlchemyError as error:
                self.log.warning(
                    "heartbeat failed on the database: %s",
                    str(error).splitlines()[0],
                    extra={"worker_id": self.ident},
                )

    def beat(self) -> None:
        """Enforce time limits, then extend the leases of the jobs still running."""
        now = time.monotonic()
        with self._lock:
            late = [
                r
                for r in self._running.values()
                if now >= r.context.deadline and not r.finishing and not r.abandoned
            ]
        for running in late:
            self._time_out(running)
        with self._lock:
            active = [r for r in self._running.values() if not r.finishing]
        held = jobs.heartbeat(
            self.database,
            worker_id=self.ident,
            jobs=[r.job for r in active],
            lease_seconds=self.lease_seconds,
        )
        for running in active:
            if running.job.id in held:
                continue
            with self._lock:
                lost = not running.finishing and self._running.get(running.job.id) is running
            if lost and not running.context.cancelled.is_set():
                running.context.cancelled.set()
                self.log.warning(
                    "job %s is no longer this worker's (cancelled, or its lease "
                    "expired); its handler is asked to stop",
                    running.job.id,
                    extra=self._about(running.job),
                )

    def _time_out(self, running: Running) -> None:
        job = running.job
        with self._lock:
            if running.finishing or running.abandoned:
                return
            running.abandoned = True
            self._running.pop(job.id, None)
        running.context.cancelled.set()
        limit = running.handler.time_limit if running.handler else UNKNOWN_KIND_TIME_LIMIT
        state = jobs.fail(
            self.database,
            job,
            worker_id=self.ident,
            error=f"TimeLimitExceeded: ran longer than its time limit of {limit:g} s",
            retry_base=self.retry_base,
            retry_max=self.retry_max,
        )
        self.log.error(
            "job %s exceeded its time limit of %g s; now %s",
            job.id,
            limit,
            state,
            extra=self._about(job, state=state),
        )
        self._wake.set()

    # --- stopping ---------------------------------------------------------------------------------

    def _shutdown(self) -> None:
        if self.running:
            self.log.info(
                "waiting up to %g s for %d running jobs",
                self.shutdown_seconds,
                self.running,
                extra={"worker_id": self.ident},
            )
        deadline = time.monotonic() + self.shutdown_seconds
        while self.running and time.monotonic() < deadline:
            self._wake.wait(min(0.1, max(0.0, deadline - time.monotonic())))
            self._wake.clear()
        with self._lock:
            left = [r for r in self._running.values() if not r.finishing]
            finishing = [r for r in self._running.values() if r.finishing]
            for running in left:
                running.abandoned = True
                self._running.pop(running.job.id, None)
        for running in left:
            running.context.cancelled.set()
            try:
                released = jobs.release(self.database, running.job, worker_id=self.ident)
            except SQLAlchemyError:
                released = False
            self.log.warning(
                "job %s %s",
                running.job.id,
                "released: it waits for another worker"
                if released
                else "could not be released; it runs again once its lease expires",
                extra=self._about(running.job),
            )
        until = time.monotonic() + EXIT_SECONDS
        for running in finishing:  # recording an outcome takes a moment; let it land
            if running.thread is not None:
                running.thread.join(timeout=max(0.0, until - time.monotonic()))

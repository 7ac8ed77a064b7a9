"""The gunicorn settings of every Shelf web service: `gunicorn -c python:shelf_kit.gunicorn_conf`.

gunicorn logs "Booting worker" when it forks a worker, before the worker has imported the app;
the line below says when the worker can answer. A rolling replacement of workers (TTIN, wait for
"Worker ready", then TTOU; see the top README.md) waits on it, so no moment passes without a
worker that answers.

Workers end with their master. A worker notices on its own that its master is gone only
between waits for connections, up to half of gunicorn's `--timeout` apart, and not at all while
a request holds it: after a `kill -9` of the master its workers kept the listening port for
~30 s, and a new gunicorn could not bind it. So each worker runs a small thread that looks at
its parent once a second; when the master is gone it stops the worker as the master would,
with SIGTERM (the request in hand is finished, exit hooks run), and ends it outright once
`--graceful-timeout` has passed (a request that never ends must not keep the port).

A thread rather than Linux's prctl(PR_SET_PDEATHSIG): the kernel's signal comes at once, but
a SIGTERM only sets a flag while the worker is blocked reading a request (gunicorn restarts
its system calls), so something must still end a stuck worker, and only a thread (or SIGKILL,
which skips the exit hooks) can. The thread does both, the same way on every platform.

Nothing here imports Flask or a service: the master reads this file and stays small (~27 MiB,
the interpreter and gunicorn), and only the worker it forks loads the app. Once it has, the
memory that loading allocated and freed is given back to the system (glibc keeps freed blocks
for reuse otherwise): ~4 MiB of a ~85 MiB worker.

Work an app runs beside its requests (`shelf_kit.background`: tasks' job worker and scheduler
under `make run`) starts once the worker is ready and stops when it exits.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import signal
import threading
import time
from typing import Any

from .background import start_background, stop_background

WATCH_SECONDS = 1.0


def post_worker_init(worker: Any) -> None:
    end_with_master(worker)
    give_back_free_memory()
    start_background(worker.wsgi)
    worker.log.info("Worker ready (pid: %s)", worker.pid)


def worker_exit(server: Any, worker: Any) -> None:
    """The worker is leaving (its requests are done): stop what the app runs beside them."""
    stop_background(getattr(worker, "wsgi", None), "the web worker is exiting")


def give_back_free_memory() -> None:
    """Collect garbage, then return the C heap's free pages to the system (glibc's
    malloc_trim; elsewhere, e.g. musl, nothing happens)."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def end_with_master(worker: Any) -> None:
    """Stop this worker (gracefully, then for good) once its master is gone."""

    def watch() -> None:
        while os.getppid() == worker.ppid:
            time.sleep(WATCH_SECONDS)
        worker.log.warning("Master %s is gone: worker stopping (pid: %s)", worker.ppid, worker.pid)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(worker.cfg.graceful_timeout)
        os._exit(1)

    threading.Thread(target=watch, name="master-watch", daemon=True).start()

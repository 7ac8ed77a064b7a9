"""The gunicorn settings of every Shelf web service: `gunicorn -c python:shelf_kit.gunicorn_conf`.

gunicorn logs "Booting worker" when it forks a worker, before the worker has imported the app;
the line below says when the worker can answer. A rolling replacement of workers (TTIN, wait for
"Worker ready", then TTOU; see the top README.md) waits on it, so no moment passes without a
worker that answers.
"""

from __future__ import annotations

from typing import Any


def post_worker_init(worker: Any) -> None:
    worker.log.info("Worker ready (pid: %s)", worker.pid)

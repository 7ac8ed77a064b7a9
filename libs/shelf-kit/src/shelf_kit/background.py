"""Work a web process does beside its requests, started and stopped with its gunicorn worker.

A service registers it when its app is made (`add_background(app, name, start, stop)`);
gunicorn's hooks in `shelf_kit.gunicorn_conf` start it once the worker has loaded the app and
stop it when the worker exits (SIGTERM from its master, or its master gone), before Python
ends the process. Anything else that makes the app (a test client, a `flask` command) starts
nothing: only a gunicorn worker runs background work.

tasks uses it to run its job worker and scheduler inside its web process (one Python process
fewer for `make run`; issue 15). `stop` must return within a few seconds: gunicorn's graceful
timeout and the supervisor's patience are the limit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

EXTENSION = "shelf_background"
log = logging.getLogger("shelf.background")


@dataclass(frozen=True)
class Background:
    name: str
    start: Callable[[], None]  # starts its threads and returns
    stop: Callable[[str], None]  # asks them to stop (the reason is logged) and waits for them


def add_background(
    app: Any, name: str, start: Callable[[], None], stop: Callable[[str], None]
) -> None:
    app.extensions.setdefault(EXTENSION, []).append(Background(name, start, stop))


def backgrounds(app: Any) -> list[Background]:
    extensions = getattr(app, "extensions", None)
    return list(extensions.get(EXTENSION, [])) if isinstance(extensions, dict) else []


def start_background(app: Any) -> None:
    for work in backgrounds(app):
        log.info("starting %s beside the web app", work.name)
        work.start()


def stop_background(app: Any, reason: str) -> None:
    """Stop in the reverse order of starting; one that fails does not keep the others going."""
    for work in reversed(backgrounds(app)):
        try:
            work.stop(reason)
        except Exception:
            log.exception("%s did not stop cleanly", work.name)

"""Helpers for Shelf's tests: free ports, real HTTP servers on loopback, and throwaway
Postgres databases.

Tests run on SQLite always, and on Postgres too when SHELF_TEST_POSTGRES_URL names a database
on a server the tests may create databases on (CI sets it). Each test session gets databases
of its own, named after that one, and drops them at the end.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

POSTGRES_ENV = "SHELF_TEST_POSTGRES_URL"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _OneAnswerPerConnection(WSGIRequestHandler):
    # HTTP/1.0: the connection closes after each answer, so a stopped server cannot keep
    # answering on a kept-alive connection (a real service that stops closes them too).
    protocol_version = "HTTP/1.0"


class LoopbackServer:
    """A WSGI app (a Flask app) served for real, in a thread, on a loopback port.

    `stop()` closes the listening socket, so connections are refused, as when a service goes
    down; `start()` again serves on the same port, as when it comes back. Each connection
    carries one answer. Also a context manager: `with LoopbackServer(app) as server: ...`.
    """

    def __init__(self, app: Callable[..., Any], port: int | None = None) -> None:
        self.app = app
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> LoopbackServer:
        """Serve (again) on the port; a running server stays as it is."""
        if self._server is None:
            server = make_server(
                "127.0.0.1",
                self.port,
                self.app,
                threaded=True,
                request_handler=_OneAnswerPerConnection,
            )
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"loopback-{self.port}",
                daemon=True,
            )
            thread.start()
            self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        """Stop answering and close the listening socket; does nothing when stopped."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self._server = self._thread = None
        server.shutdown()
        server.server_close()
        thread.join()

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def postgres_test_url() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


def database_backends() -> list[str]:
    """The backends to run database tests on: sqlite, and postgres when configured."""
    return ["sqlite", "postgres"] if postgres_test_url() else ["sqlite"]


@contextmanager
def temporary_postgres_database(base_url: str, label: str) -> Iterator[str]:
    """Create `<base name>_<label>_<random>` next to base_url's database; drop it afterwards."""
    url = make_url(base_url)
    name = f"{url.database}_{label}_{uuid.uuid4().hex[:8]}".lower()
    # A connection per statement: one kept from the CREATE to the DROP would not survive a
    # restart of the server in between (the fault tests restart theirs).
    admin = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def temporary_database(backend: str, label: str, folder: str) -> Iterator[str]:
    """A fresh, empty database URL of the given backend."""
    if backend == "sqlite":
        yield f"sqlite:///{os.path.join(folder, label + '.db')}"
    elif backend == "postgres":
        base = postgres_test_url()
        if not base:
            raise RuntimeError(f"{POSTGRES_ENV} is not set")
        with temporary_postgres_database(base, label) as url:
            yield url
    else:
        raise ValueError(f"unknown database backend {backend!r}")

"""Helpers for Shelf's tests: free ports and throwaway Postgres databases.

Tests run on SQLite always, and on Postgres too when SHELF_TEST_POSTGRES_URL names a database
on a server the tests may create databases on (CI sets it). Each test session gets databases
of its own, named after that one, and drops them at the end.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

POSTGRES_ENV = "SHELF_TEST_POSTGRES_URL"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
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

"""The service's database: one engine, a session per request, SQLite tuned for concurrency.

SQLite (the default, a file under SHELF_DATA_DIR) runs in WAL mode with foreign keys on and a
busy timeout, so several gunicorn workers can share it; Postgres is used as it comes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from flask import Flask, g
from sqlalchemy import (
    CursorResult,
    DateTime,
    Engine,
    Executable,
    TypeDecorator,
    create_engine,
    event,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from .app import kit
from .problems import handle_database_error

log = logging.getLogger("shelf.db")


class Database:
    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        if self.is_sqlite and self.url.database and self.url.database != ":memory:":
            Path(self.url.database).parent.mkdir(parents=True, exist_ok=True)
        options: dict = {"echo": echo, "pool_pre_ping": not self.is_sqlite}
        if self.is_sqlite:
            options["connect_args"] = {"check_same_thread": False, "timeout": 15}
        self.engine: Engine = create_engine(self.url, **options)
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in a transaction, committed on success (for CLIs, workers and tests)."""
        with self.sessions.begin() as session:
            yield session

    def check(self) -> str:
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return self.url.get_backend_name()

    def dispose(self) -> None:
        self.engine.dispose()

    def init_app(self, app: Flask) -> None:
        app.extensions["shelf_db"] = self
        # The database being away (refused, restarting, locked too long) is a 503 naming it.
        app.register_error_handler(OperationalError, handle_database_error)

        @app.teardown_appcontext
        def _close_session(_exc: BaseException | None) -> None:
            session = g.pop("_shelf_db_session", None)
            if session is None:
                return
            try:
                session.close()
            except SQLAlchemyError as error:
                # Closing rolls back what was left open. On a connection the server dropped
                # (a restart) that fails, after the answer was made: the server has rolled it
                # back already, so the answer stands; raising here sent a 500 instead of it.
                log.warning(
                    "closing the request's database session failed: %s",
                    str(error).splitlines()[0],
                    extra={"error": type(error).__name__},
                )


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()


def register_database(app: Flask, url: str) -> Database:
    """The service's database on `app`: a session per request, a 503 naming it while it is
    away, and the readiness check `database` (/readyz)."""
    database = Database(url)
    database.init_app(app)
    kit(app).readiness.add("database", database.check)
    return database


def get_database(app: Flask) -> Database:
    return app.extensions["shelf_db"]


def session() -> Session:
    """The current request's session, opened on first use and closed at teardown."""
    from flask import current_app

    if "_shelf_db_session" not in g:
        g._shelf_db_session = get_database(current_app).sessions()
    return g._shelf_db_session


class UtcDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every database (SQLite stores it naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC times")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def rows_changed(session: Session, statement: Executable) -> int:
    """Run an UPDATE or DELETE in `session`; how many rows it changed."""
    return cast("CursorResult[Any]", session.execute(statement)).rowcount


def utcnow() -> datetime:
    return datetime.now(UTC)

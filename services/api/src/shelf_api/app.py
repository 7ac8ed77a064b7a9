"""The api app factory."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from shelf_kit import create_service_app, kit
from shelf_kit.app import add_dependency
from shelf_kit.db import Database
from shelf_kit.migrations import db_cli

from . import __version__
from .config import SETTINGS

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    app, _api = create_service_app(
        __name__, service="api", version=__version__, settings=SETTINGS,
        test_config=test_config, title="Shelf api",
        description="Bookmarks, tags and bundles (saved searches); the linkding-compatible API.",
    )
    register_database(app)
    register_dependencies(app)
    register_commands(app)
    return app


def register_database(app: Flask) -> None:
    database = Database(app.config["SHELF_API_DATABASE_URL"])
    database.init_app(app)
    kit(app).readiness.add("database", database.check)


def register_dependencies(app: Flask) -> None:
    # Every request carries an identity that auth issued: without auth, api can serve no one.
    add_dependency(app, "auth", app.config["SHELF_AUTH_URL"], critical=True)
    # api tells tasks what to do through its outbox: a tasks outage only delays that work.
    add_dependency(app, "tasks", app.config["SHELF_TASKS_URL"], critical=False)


def register_commands(app: Flask) -> None:
    app.cli.add_command(db_cli(MIGRATIONS))

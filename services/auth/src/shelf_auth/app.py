"""The auth app factory."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from shelf_kit import create_service_app, kit
from shelf_kit.app import add_dependency
from shelf_kit.db import Database
from shelf_kit.migrations import db_cli

from . import __version__, commands
from .config import SETTINGS

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    app, _api = create_service_app(
        __name__, service="auth", version=__version__, settings=SETTINGS,
        test_config=test_config, title="Shelf auth",
        description="Users, passwords, sessions, API keys and service tokens.",
    )
    register_database(app)
    register_dependencies(app)
    register_commands(app)
    return app


def register_database(app: Flask) -> None:
    database = Database(app.config["SHELF_AUTH_DATABASE_URL"])
    database.init_app(app)
    kit(app).readiness.add("database", database.check)


def register_dependencies(app: Flask) -> None:
    # auth asks tasks to send mail; without tasks, everything but mail still works.
    add_dependency(app, "tasks", app.config["SHELF_TASKS_URL"], critical=False)


def register_commands(app: Flask) -> None:
    app.cli.add_command(db_cli(MIGRATIONS))
    app.cli.add_command(commands.create_admin)

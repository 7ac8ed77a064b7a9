"""The tasks app factory: the web process, and the app the worker and scheduler run in."""

from __future__ import annotations

from collections.abc import Mapping
from importlib.metadata import version
from pathlib import Path
from typing import Any

from flask import Flask

from shelf_kit import create_service_app, kit
from shelf_kit.app import add_dependency
from shelf_kit.db import Database
from shelf_kit.migrations import db_cli

from . import commands
from .config import SETTINGS

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION = version("shelf-tasks")


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    app, _api = create_service_app(
        __name__, service="tasks", version=VERSION, settings=SETTINGS,
        test_config=test_config, title="Shelf tasks",
        description="Deferred jobs and cron schedules.",
    )
    register_database(app)
    register_dependencies(app)
    register_commands(app)
    return app


def register_database(app: Flask) -> None:
    database = Database(app.config["SHELF_TASKS_DATABASE_URL"])
    database.init_app(app)
    kit(app).readiness.add("database", database.check)


def register_dependencies(app: Flask) -> None:
    # Job handlers call auth and api; while they are down those jobs wait and retry, and
    # enqueueing, listing and every other job still work.
    add_dependency(app, "auth", app.config["SHELF_AUTH_URL"], critical=False)
    add_dependency(app, "api", app.config["SHELF_API_URL"], critical=False)


def register_commands(app: Flask) -> None:
    app.cli.add_command(db_cli(MIGRATIONS))
    app.cli.add_command(commands.worker)
    app.cli.add_command(commands.scheduler)

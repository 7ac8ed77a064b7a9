"""The tasks app factory: the web process, and the app the worker and scheduler run in."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from shelf_fetch import FetchPolicy
from shelf_identity import setup_identity
from shelf_kit import ConfigError, create_service_app
from shelf_kit.app import add_dependency
from shelf_kit.db import register_database
from shelf_kit.migrations import db_cli

from . import __version__, commands
from .clients import ApiClient, AuthClient, Services, service_client
from .config import SETTINGS
from .extensions import REGISTRY, SERVICES
from .registry import build_registry
from .routes import register_blueprints
from .running import run_jobs_beside_web

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    app, api = create_service_app(
        __name__,
        service="tasks",
        version=__version__,
        settings=SETTINGS,
        test_config=test_config,
        title="Shelf tasks",
        description="Deferred jobs and cron schedules.",
    )
    check_settings(app)
    register_database(app, app.config["SHELF_TASKS_DATABASE_URL"])
    register_dependencies(app)
    register_identity(app)
    register_handlers(app)
    register_blueprints(api)
    register_commands(app)
    run_jobs_beside_web(app)
    return app


def check_settings(app: Flask) -> None:
    """Settings that are read later (by a handler) are checked now, so a typo stops start-up."""
    try:
        FetchPolicy.from_config(app.config)
    except ValueError as error:
        raise ConfigError(f"SHELF_FETCH_ALLOW_NETWORKS: {error}") from None


def register_dependencies(app: Flask) -> None:
    # Job handlers call auth and api; while they are down those jobs wait and retry, and
    # enqueueing, listing and every other job still work.
    add_dependency(app, "auth", app.config["SHELF_AUTH_URL"], critical=False)
    add_dependency(app, "api", app.config["SHELF_API_URL"], critical=False)


def register_identity(app: Flask) -> None:
    """Callers prove who they are with auth's tokens (API keys are for api, not tasks); the
    handlers' own calls carry tasks' service token."""
    guard = setup_identity(
        app,
        auth_url=app.config["SHELF_AUTH_URL"],
        client_id=app.config["SHELF_TASKS_CLIENT_ID"],
        client_secret=app.config["SHELF_TASKS_CLIENT_SECRET"],
        accept_api_keys=False,
    )
    agent = f"shelf-tasks/{__version__}"
    app.extensions[SERVICES] = Services(
        api=ApiClient(
            service_client(
                "api",
                app.config["SHELF_API_URL"],
                auth=guard.service_auth_for("api"),
                user_agent=agent,
            )
        ),
        auth=AuthClient(
            service_client(
                "auth",
                app.config["SHELF_AUTH_URL"],
                auth=guard.service_auth_for("auth"),
                user_agent=agent,
            )
        ),
        database=app.extensions["shelf_db"],
    )


def register_handlers(app: Flask) -> None:
    app.extensions[REGISTRY] = build_registry(app.config)


def register_commands(app: Flask) -> None:
    app.cli.add_command(db_cli(MIGRATIONS))
    app.cli.add_command(commands.worker)
    app.cli.add_command(commands.scheduler)
    app.cli.add_command(commands.mail_sink)

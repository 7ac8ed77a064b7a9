"""The api app factory."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from shelf_fetch import FetchPolicy
from shelf_identity import Guard, setup_identity
from shelf_kit import ConfigError, create_service_app, kit
from shelf_kit.app import add_dependency
from shelf_kit.db import get_database, register_database
from shelf_kit.migrations import db_cli

from . import __version__, commands, outbox
from .clients.tasks import job_delivery, jobs_client
from .config import SETTINGS
from .errors import register_error_handlers
from .extensions import PREVIEWS, RELAY, SEEN_PROFILES
from .previews import Previews
from .routes import register_blueprints

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    app, api = create_service_app(
        __name__,
        service="api",
        version=__version__,
        settings=SETTINGS,
        test_config=test_config,
        title="Shelf api",
        description="Bookmarks, tags and bundles (saved searches); the linkding-compatible API.",
        # The linkding surface refuses NUL characters itself, in linkding's error shape.
        text_guard_skip=("/api/",),
    )
    register_proxy(app)
    register_database(app, app.config["SHELF_API_DATABASE_URL"])
    register_assets(app)
    register_dependencies(app)
    guard = register_identity(app)
    register_outbox(app, guard)
    register_previews(app)
    register_error_handlers(app)
    register_blueprints(app, api)
    register_commands(app)
    return app


def register_proxy(app: Flask) -> None:
    """linkding's next/previous links are absolute: behind a proxy, they must name the address
    the client used, not the one gunicorn listens on."""
    if app.config["SHELF_API_TRUST_PROXY"]:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]  # as werkzeug's docs do
            app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_prefix=1
        )


def register_assets(app: Flask) -> None:
    """The assets folder, made absolute from where the process starts: `send_file` would read a
    relative path (the default, `var/api-assets`) from the package's folder instead."""
    app.config["SHELF_API_ASSETS_DIR"] = os.path.abspath(app.config["SHELF_API_ASSETS_DIR"])


def register_dependencies(app: Flask) -> None:
    # Every request carries an identity that auth issued: without auth, api can serve no one.
    add_dependency(app, "auth", app.config["SHELF_AUTH_URL"], critical=True)
    # api tells tasks what to do through its outbox: a tasks outage only delays that work.
    add_dependency(app, "tasks", app.config["SHELF_TASKS_URL"], critical=False)


def register_identity(app: Flask) -> Guard:
    """Every route needs a caller auth vouches for, but the probes, the OpenAPI document and
    the anonymous reading of publicly shared bookmarks."""
    guard = setup_identity(
        app,
        auth_url=app.config["SHELF_AUTH_URL"],
        client_id=app.config["SHELF_API_CLIENT_ID"],
        client_secret=app.config["SHELF_API_CLIENT_SECRET"],
    )
    app.extensions[SEEN_PROFILES] = set()
    return guard


def register_outbox(app: Flask, guard: Guard) -> None:
    """The relay that delivers outbox messages to tasks, signed with api's service token."""
    relay = outbox.relay(
        get_database(app),
        job_delivery(jobs_client(app, guard, version=__version__)),
        poll_seconds=app.config["SHELF_API_OUTBOX_POLL_SECONDS"],
        max_backoff_seconds=app.config["SHELF_API_OUTBOX_MAX_BACKOFF_SECONDS"],
    )
    app.extensions[RELAY] = relay
    kit(app).readiness.add("outbox", relay.check, critical=False)
    if app.config["SHELF_API_OUTBOX_RELAY"]:
        # Started by the first request, in the process that serves it (a gunicorn worker),
        # not by create_app: a CLI command such as `db upgrade` must not start one.
        app.before_request(relay.start)


def register_previews(app: Flask) -> None:
    """The check endpoint's page reader; a bad SHELF_FETCH_ALLOW_NETWORKS stops start-up."""
    try:
        FetchPolicy.from_config(app.config)
    except ValueError as error:
        raise ConfigError(f"SHELF_FETCH_ALLOW_NETWORKS: {error}") from None
    app.extensions[PREVIEWS] = Previews.from_config(app.config)


def register_commands(app: Flask) -> None:
    app.cli.add_command(db_cli(MIGRATIONS))
    app.cli.add_command(commands.relay_command)

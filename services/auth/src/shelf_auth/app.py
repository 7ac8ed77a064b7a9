"""The auth app factory."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from shelf_kit import ConfigError, create_service_app, kit
from shelf_kit.app import add_dependency
from shelf_kit.config import DEVELOPMENT_ENVS
from shelf_kit.db import get_database, register_database
from shelf_kit.migrations import db_cli

from . import __version__, commands, extensions, forwarded, outbox, service_clients
from .clients.tasks import job_delivery, jobs_client
from .config import SETTINGS
from .errors import register_error_handlers
from .keys import KeyRing, NoSigningKey, generate_key_if_missing
from .passwords import Passwords
from .routes import register_blueprints
from .users import SIGNUP_MODES

# Throttling settings that must be at least 1 (a limit of 0 would refuse everything).
POSITIVE_SETTINGS = (
    "SHELF_AUTH_LOGIN_MAX_FAILURES",
    "SHELF_AUTH_LOGIN_WINDOW_SECONDS",
    "SHELF_AUTH_LOGIN_SLOWDOWN_MAX_SECONDS",
    "SHELF_AUTH_RESET_MAX_REQUESTS",
    "SHELF_AUTH_RESET_WINDOW_SECONDS",
    "SHELF_AUTH_RESET_MAX_MAILS",
    "SHELF_AUTH_RESET_MAIL_WINDOW_SECONDS",
)

MIGRATIONS = Path(__file__).parent / "migrations"
log = logging.getLogger("shelf.auth")


def create_app(
    test_config: Mapping[str, Any] | None = None, *, require_signing_key: bool = True
) -> Flask:
    """The auth app. `require_signing_key=False` is for the command line, which must work
    (e.g. to generate the first key) before the key folder holds a key."""
    app, api = create_service_app(
        __name__,
        service="auth",
        version=__version__,
        settings=SETTINGS,
        test_config=test_config,
        title="Shelf auth",
        description="Users, passwords, sessions, API keys and service tokens.",
    )
    check_settings(app)
    register_database(app, app.config["SHELF_AUTH_DATABASE_URL"])
    register_keys(app, require_signing_key=require_signing_key)
    register_security(app)
    register_dependencies(app)
    register_outbox(app)
    register_error_handlers(app)
    register_blueprints(api)
    register_commands(app)
    return app


def check_settings(app: Flask) -> None:
    if app.config["SHELF_AUTH_SIGNUP"] not in SIGNUP_MODES:
        raise ConfigError(
            f"SHELF_AUTH_SIGNUP must be one of {', '.join(SIGNUP_MODES)}, "
            f"not {app.config['SHELF_AUTH_SIGNUP']!r}"
        )
    for name in POSITIVE_SETTINGS:
        if app.config[name] < 1:
            raise ConfigError(f"{name} must be at least 1, not {app.config[name]!r}")


def register_keys(app: Flask, *, require_signing_key: bool) -> None:
    ring = KeyRing(
        app.config["SHELF_AUTH_KEYS_DIR"],
        signing_kid=app.config["SHELF_AUTH_SIGNING_KEY_ID"],
        reload_seconds=app.config["SHELF_AUTH_KEYS_RELOAD_SECONDS"],
    )
    ring.init_app(app)
    if not require_signing_key:
        return
    try:
        ring.signing_key()
    except NoSigningKey:
        if ring.keys() or app.config["SHELF_ENV"] not in DEVELOPMENT_ENVS:
            raise
        # A developer's first start: make a key, as `shelf-auth keys generate` would.
        if (path := generate_key_if_missing(ring)) is not None:
            log.warning("no signing key in %s: generated %s (development only)", ring.folder, path)
    kit(app).readiness.add("signing_key", lambda: ring.signing_key().kid)


def register_security(app: Flask) -> None:
    service_clients.init_app(app)
    forwarded.init_app(app)
    Passwords.from_config(app.config).init_app(app)


def register_dependencies(app: Flask) -> None:
    # auth asks tasks to send mail, through its outbox: a tasks outage only delays the mail.
    add_dependency(app, "tasks", app.config["SHELF_TASKS_URL"], critical=False)


def register_outbox(app: Flask) -> None:
    """The relay that delivers the outbox's mail to tasks, and what /readyz says of it."""
    database = get_database(app)
    relay = outbox.relay(
        database,
        job_delivery(jobs_client(app, version=__version__)),
        poll_seconds=app.config["SHELF_AUTH_OUTBOX_POLL_SECONDS"],
        max_backoff_seconds=app.config["SHELF_AUTH_OUTBOX_MAX_BACKOFF_SECONDS"],
    )
    app.extensions[extensions.RELAY] = relay
    kit(app).readiness.add("outbox", relay.check, critical=False)
    if app.config["SHELF_AUTH_OUTBOX_RELAY"]:
        # Started by the first request, in the process that serves it (a gunicorn worker),
        # not by create_app: a CLI command such as `db upgrade` must not start one.
        app.before_request(relay.start)


def register_commands(app: Flask) -> None:
    app.cli.add_command(db_cli(MIGRATIONS))
    app.cli.add_command(commands.create_admin)
    app.cli.add_command(commands.keys_cli)
    app.cli.add_command(commands.relay_command)

"""auth's settings: every one an environment variable (see README.md)."""

import os

import argon2

from shelf_kit import Setting, service_url_default, sqlite_default

DEV_SERVICE_CLIENTS = "api:dev-api-secret,tasks:dev-tasks-secret"
# Who calls whom with a service token: api calls auth (API keys, revocations) and tasks (jobs);
# tasks calls auth (revocations, the purge) and api (its handlers). The ui calls none.
SERVICE_AUDIENCES = "api:auth+tasks,tasks:auth+api"


def _keys_dir_default(values):
    return os.path.join(values["SHELF_DATA_DIR"], "auth-keys")


def _public_url_default(values) -> str:
    # The front door on this machine (`make run`'s gateway), on the port SHELF_PORT names.
    return service_url_default(values["SHELF_PORT"])


SETTINGS = {
    "SHELF_AUTH_DATABASE_URL": Setting(sqlite_default("auth.db"), help="SQLAlchemy URL"),
    "SHELF_TASKS_URL": Setting(service_url_default(8003), help="where tasks answers"),
    "SHELF_UI_URL": Setting(service_url_default(8004), help="where ui answers"),
    "SHELF_PORT": Setting(8000, help="the front door's port (the gateway of `make run`)"),
    "SHELF_PUBLIC_URL": Setting(
        _public_url_default, type=str, help="the address people open Shelf at (links in mail)"
    ),
    # Signing keys: ES256 PEM files, one per key, the file's stem being its kid.
    "SHELF_AUTH_KEYS_DIR": Setting(_keys_dir_default, type=str, help="folder of signing keys"),
    "SHELF_AUTH_SIGNING_KEY_ID": Setting("", help="kid of the signing key (default: newest)"),
    "SHELF_AUTH_KEYS_RELOAD_SECONDS": Setting(5.0, help="how often the key folder is checked"),
    "SHELF_AUTH_ACCESS_TOKEN_SECONDS": Setting(900, help="access and service token lifetime"),
    "SHELF_AUTH_REFRESH_TOKEN_SECONDS": Setting(30 * 24 * 3600, help="refresh token lifetime"),
    # A rotated refresh token presented again this soon is a race (two tabs, two workers),
    # answered with a sibling token, not taken for theft; 0 disables.
    "SHELF_AUTH_REFRESH_REUSE_GRACE_SECONDS": Setting(
        30, help="refresh token reuse grace window (0: none)"
    ),
    "SHELF_AUTH_RESET_TOKEN_SECONDS": Setting(3600, help="password reset link lifetime"),
    "SHELF_AUTH_SIGNUP": Setting("auto", help="open, closed, or auto (open until an admin exists)"),
    "SHELF_AUTH_SERVICE_CLIENTS": Setting(
        DEV_SERVICE_CLIENTS, secret=True, help="service clients, as id:secret,id:secret"
    ),
    "SHELF_AUTH_SERVICE_AUDIENCES": Setting(
        SERVICE_AUDIENCES,
        help="the services each client may get tokens for, as id:service+service,...",
    ),
    # Failed logins: refused past the limit per (username, address) and per address; per
    # username from anywhere, only slowed down (never from an address it logged in from).
    "SHELF_AUTH_LOGIN_MAX_FAILURES": Setting(
        10, help="failed logins allowed per username and address, and per address, per window"
    ),
    "SHELF_AUTH_LOGIN_WINDOW_SECONDS": Setting(900, help="the throttling window"),
    "SHELF_AUTH_LOGIN_SLOWDOWN_MAX_SECONDS": Setting(
        60, help="the longest wait between tries of a username failing from many addresses"
    ),
    # Password reset requests (anyone may make one): per client address, refused with 429
    # over the limit; reset mails per account, silently not sent over the limit.
    "SHELF_AUTH_RESET_MAX_REQUESTS": Setting(10, help="reset requests per address per window"),
    "SHELF_AUTH_RESET_WINDOW_SECONDS": Setting(900, help="the reset request window"),
    "SHELF_AUTH_RESET_MAX_MAILS": Setting(3, help="reset mails per account per mail window"),
    "SHELF_AUTH_RESET_MAIL_WINDOW_SECONDS": Setting(3600, help="the reset mail window"),
    # The outbox relay: a thread in each web process delivers reset mails to tasks.
    "SHELF_AUTH_OUTBOX_RELAY": Setting(True, help="run the outbox relay thread in web processes"),
    "SHELF_AUTH_OUTBOX_POLL_SECONDS": Setting(2.0, help="how often the relay looks for work"),
    "SHELF_AUTH_OUTBOX_MAX_BACKOFF_SECONDS": Setting(300.0, help="longest wait between retries"),
    "SHELF_AUTH_TRUSTED_PROXIES": Setting(
        "", help="CIDRs of the proxies whose X-Forwarded-For is believed (default: none)"
    ),
    # Argon2id cost: argon2-cffi's defaults (RFC 9106 low-memory profile) unless set.
    "SHELF_AUTH_ARGON2_TIME_COST": Setting(argon2.DEFAULT_TIME_COST, help="Argon2 iterations"),
    "SHELF_AUTH_ARGON2_MEMORY_COST": Setting(argon2.DEFAULT_MEMORY_COST, help="Argon2 KiB"),
    "SHELF_AUTH_ARGON2_PARALLELISM": Setting(argon2.DEFAULT_PARALLELISM, help="Argon2 lanes"),
}

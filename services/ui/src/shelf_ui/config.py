"""ui's settings: every one an environment variable (see README.md)."""

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from shelf_kit import ConfigError, Setting, service_url_default
from shelf_kit.config import DEVELOPMENT_ENVS

# Signs the session cookie in development and test only; the kit refuses to start without
# SHELF_SECRET_KEY anywhere else, and check_settings() refuses this value there.
DEVELOPMENT_SECRET_KEY = "shelf-ui-development-secret-not-for-production"


def _secure_cookies_default(values: Mapping[str, Any]) -> bool:
    # Plain http://127.0.0.1 in development and test; HTTPS (or localhost) anywhere else.
    return values["SHELF_ENV"] not in DEVELOPMENT_ENVS


def _public_url_default(values) -> str:
    # The front door on this machine (`make run`'s gateway), on the port SHELF_PORT names.
    return service_url_default(values["SHELF_PORT"])


SETTINGS = {
    "SHELF_AUTH_URL": Setting(service_url_default(8001), help="where auth answers"),
    "SHELF_API_URL": Setting(service_url_default(8002), help="where api answers"),
    "SHELF_TASKS_URL": Setting(service_url_default(8003), help="where tasks answers"),
    "SHELF_UI_URL": Setting(service_url_default(8004), help="the ui's own URL"),
    "SHELF_SECRET_KEY": Setting(
        DEVELOPMENT_SECRET_KEY,
        secret=True,
        help="signs the session cookie; e.g. `openssl rand -hex 32`",
    ),
    "SHELF_UI_SECURE_COOKIES": Setting(
        _secure_cookies_default, type=bool, help="mark cookies Secure (sent over HTTPS only)"
    ),
    "SHELF_PORT": Setting(8000, help="the front door's port (the gateway of `make run`)"),
    "SHELF_PUBLIC_URL": Setting(
        _public_url_default,
        type=str,
        help="the address people use for Shelf (the gateway), shown "
        "in settings and the bookmarklet",
    ),
    "SHELF_UI_TRUST_PROXY": Setting(
        False,
        help="behind a gateway: take the client's address "
        "and scheme from its X-Forwarded-* headers",
    ),
    "SHELF_UI_SESSION_DAYS": Setting(30, help="how long a login is kept without use (days)"),
    "SHELF_UI_IMPORT_MAX_BYTES": Setting(
        50 * 1024 * 1024,
        help="largest bookmark file the import form takes "
        "(api has its own limit, "
        "SHELF_API_IMPORT_MAX_BYTES)",
    ),
}

# The services the ui calls: (name, setting holding its URL, whether the ui is ready without
# it). Without auth nobody can log in and without api there are no bookmarks; tasks being
# down only delays background work.
DEPENDENCIES = (
    ("auth", "SHELF_AUTH_URL", True),
    ("api", "SHELF_API_URL", True),
    ("tasks", "SHELF_TASKS_URL", False),
)

URL_SETTINGS = ("SHELF_AUTH_URL", "SHELF_API_URL", "SHELF_TASKS_URL", "SHELF_UI_URL")
OPTIONAL_URL_SETTINGS = ("SHELF_PUBLIC_URL",)


def check_settings(config: Mapping[str, Any]) -> None:
    """What the kit cannot know: URLs must be absolute http(s), and outside development the
    secret key must be a real one."""
    for name in URL_SETTINGS + OPTIONAL_URL_SETTINGS:
        if name in OPTIONAL_URL_SETTINGS and not config[name]:
            continue
        parts = urlsplit(str(config[name]))
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(f"{name} must be an absolute http(s) URL, not {config[name]!r}")
    if int(config["SHELF_UI_IMPORT_MAX_BYTES"]) < 1:
        raise ConfigError("SHELF_UI_IMPORT_MAX_BYTES must be at least 1")
    if int(config["SHELF_UI_SESSION_DAYS"]) < 1:
        raise ConfigError("SHELF_UI_SESSION_DAYS must be at least 1")
    key = config["SHELF_SECRET_KEY"]
    if config["SHELF_ENV"] not in DEVELOPMENT_ENVS and (not key or key == DEVELOPMENT_SECRET_KEY):
        raise ConfigError(
            f"SHELF_SECRET_KEY must be set to a secret of your own when "
            f"SHELF_ENV={config['SHELF_ENV']} (e.g. `openssl rand -hex 32`)"
        )

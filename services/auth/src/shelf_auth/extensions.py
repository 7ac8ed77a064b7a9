"""What the factory puts on `app.extensions` for this service, and how code gets it back."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask

if TYPE_CHECKING:
    from shelf_kit.outbox import Relay

    from .forwarded import Network
    from .keys import KeyRing
    from .passwords import Passwords

KEYS = "shelf_auth_keys"
PASSWORDS = "shelf_auth_passwords"
RELAY = "shelf_auth_relay"
SERVICE_CLIENTS = "shelf_auth_clients"
SERVICE_AUDIENCES = "shelf_auth_audiences"
TRUSTED_PROXIES = "shelf_auth_trusted_proxies"


def key_ring(app: Flask) -> KeyRing:
    """The signing keys (and the old ones tokens may still carry)."""
    return app.extensions[KEYS]


def passwords(app: Flask) -> Passwords:
    """The password hasher, with its settings."""
    return app.extensions[PASSWORDS]


def relay(app: Flask) -> Relay | None:
    """The outbox relay that delivers jobs to tasks (none before the factory has made it)."""
    return app.extensions.get(RELAY)


def service_clients(app: Flask) -> dict[str, str]:
    """Each service's client id and its secret."""
    return app.extensions[SERVICE_CLIENTS]


def service_audiences(app: Flask) -> dict[str, frozenset[str]]:
    """The services each client id may get tokens for."""
    return app.extensions[SERVICE_AUDIENCES]


def trusted_proxies(app: Flask) -> tuple[Network, ...]:
    """The proxies whose X-Forwarded-For auth believes."""
    return app.extensions[TRUSTED_PROXIES]

"""Service clients: the id:secret pairs of SHELF_AUTH_SERVICE_CLIENTS, traded for tokens, each
only for the services SHELF_AUTH_SERVICE_AUDIENCES lets that client call.

A token names the one service it is for (its audience), and each service takes only tokens
meant for it, so a client's secret opens no more than the calls that client makes.
"""

from __future__ import annotations

import hmac

from flask import Flask, current_app

from shelf_kit import ConfigError

from . import extensions

SERVICES = ("auth", "api", "tasks", "ui")  # the audiences there are


def _pairs(name: str, value: str, what: str) -> dict[str, str]:
    """ "api:x,tasks:y" -> {"api": "x", "tasks": "y"}; ConfigError naming `name` if malformed."""
    pairs: dict[str, str] = {}
    for entry in filter(None, (part.strip() for part in value.split(","))):
        client_id, colon, rest = entry.partition(":")
        client_id, rest = client_id.strip(), rest.strip()
        if not colon or not client_id or not rest:
            raise ConfigError(f"{name} must look like {what}; {client_id or entry!r} has none")
        if client_id in pairs:
            raise ConfigError(f"{name} names {client_id!r} twice")
        pairs[client_id] = rest
    return pairs


def parse_clients(value: str) -> dict[str, str]:
    """`api:s3cret,tasks:0ther` -> {"api": "s3cret", "tasks": "0ther"}; ConfigError if
    malformed."""
    return _pairs("SHELF_AUTH_SERVICE_CLIENTS", value, "'api:<secret>,tasks:<secret>'")


def parse_audiences(value: str) -> dict[str, frozenset[str]]:
    """ "api:auth+tasks,tasks:auth+api" -> {"api": {"auth", "tasks"}, ...}; ConfigError if
    malformed or naming a service there is not."""
    audiences = {}
    for client_id, names in _pairs(
        "SHELF_AUTH_SERVICE_AUDIENCES", value, "'api:auth+tasks,tasks:auth+api'"
    ).items():
        services = frozenset(name.strip() for name in names.split("+"))
        if unknown := sorted(services - set(SERVICES)):
            raise ConfigError(
                f"SHELF_AUTH_SERVICE_AUDIENCES: {client_id!r} names "
                f"{', '.join(map(repr, unknown))}, not one of {', '.join(SERVICES)}"
            )
        audiences[client_id] = services
    return audiences


def init_app(app: Flask) -> None:
    app.extensions[extensions.SERVICE_CLIENTS] = parse_clients(
        app.config["SHELF_AUTH_SERVICE_CLIENTS"]
    )
    app.extensions[extensions.SERVICE_AUDIENCES] = parse_audiences(
        app.config["SHELF_AUTH_SERVICE_AUDIENCES"]
    )


def authenticate(client_id: str, secret: str) -> bool:
    clients = extensions.service_clients(current_app)
    expected = clients.get(client_id)
    # Compare even for an unknown id, so timing does not tell which ids exist.
    matches = hmac.compare_digest((expected or "\0").encode(), secret.encode())
    return expected is not None and matches


def audiences(client_id: str) -> frozenset[str]:
    """The services `client_id` may get tokens for (none when the setting does not name it)."""
    return extensions.service_audiences(current_app).get(client_id, frozenset())

"""Service clients: the id:secret pairs of SHELF_AUTH_SERVICE_CLIENTS, traded for tokens."""

from __future__ import annotations

import hmac

from flask import Flask, current_app

from shelf_kit import ConfigError


def parse_clients(value: str) -> dict[str, str]:
    """"api:s3cret,tasks:0ther" -> {"api": "s3cret", "tasks": "0ther"}; ConfigError if malformed."""
    clients: dict[str, str] = {}
    for entry in filter(None, (part.strip() for part in value.split(","))):
        client_id, colon, secret = entry.partition(":")
        client_id, secret = client_id.strip(), secret.strip()
        if not colon or not client_id or not secret:
            raise ConfigError("SHELF_AUTH_SERVICE_CLIENTS must look like 'api:<secret>,"
                              f"tasks:<secret>'; {client_id or entry!r} has no secret")
        if client_id in clients:
            raise ConfigError(f"SHELF_AUTH_SERVICE_CLIENTS names {client_id!r} twice")
        clients[client_id] = secret
    return clients


def init_app(app: Flask) -> None:
    app.extensions["shelf_auth_clients"] = parse_clients(app.config["SHELF_AUTH_SERVICE_CLIENTS"])


def authenticate(client_id: str, secret: str) -> bool:
    clients: dict[str, str] = current_app.extensions["shelf_auth_clients"]
    expected = clients.get(client_id)
    # Compare even for an unknown id, so timing does not tell which ids exist.
    matches = hmac.compare_digest((expected or "\0").encode(), secret.encode())
    return expected is not None and matches

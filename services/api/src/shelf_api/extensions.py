"""What the factory puts on `app.extensions` for this service, and how code gets it back."""

from __future__ import annotations

from flask import Flask

from shelf_kit.outbox import Relay

from .previews import Previews

RELAY = "shelf_api_relay"
SEEN_PROFILES = "shelf_api_seen_profiles"
PREVIEWS = "shelf_api_previews"


def relay(app: Flask) -> Relay:
    """The outbox relay that delivers messages to tasks."""
    return app.extensions[RELAY]


def seen_profiles(app: Flask) -> set[tuple[int, str | None]]:
    """The users (id, username) this process has made sure have a profile
    (profiles.remember)."""
    return app.extensions[SEEN_PROFILES]


def previews(app: Flask) -> Previews:
    """The check endpoint's page reader."""
    return app.extensions[PREVIEWS]

"""What the factory puts on `app.extensions` for this service, and how code gets it back."""

from __future__ import annotations

from flask import Flask

from .clients import Services
from .registry import Registry

SERVICES = "shelf_tasks_services"
REGISTRY = "shelf_tasks_registry"


def services(app: Flask) -> Services:
    """The clients handlers use (api, auth) and the database."""
    return app.extensions[SERVICES]


def registry(app: Flask) -> Registry:
    """The job kinds this process knows."""
    return app.extensions[REGISTRY]

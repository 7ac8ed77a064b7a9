"""Shelf's service kit: what every Shelf service is built from.

The names below load on first use (PEP 562), so importing a submodule alone loads only what it
needs: gunicorn's master reads `shelf_kit.gunicorn_conf` and stays a small process without
Flask, SQLAlchemy or the app (the app is loaded in the worker it forks).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import Kit, create_service_app, kit
    from .bodies import upload_limit
    from .config import ConfigError, Setting, service_url_default, sqlite_default
    from .problems import Problem, problem_response
    from .request_id import bound_request_id, current_request_id

# Each public name and the submodule it lives in.
_WHERE = {
    "Kit": "app",
    "create_service_app": "app",
    "kit": "app",
    "upload_limit": "bodies",
    "ConfigError": "config",
    "Setting": "config",
    "service_url_default": "config",
    "sqlite_default": "config",
    "Problem": "problems",
    "problem_response": "problems",
    "bound_request_id": "request_id",
    "current_request_id": "request_id",
}

__all__ = [
    "ConfigError",
    "Kit",
    "Problem",
    "Setting",
    "bound_request_id",
    "create_service_app",
    "current_request_id",
    "kit",
    "problem_response",
    "service_url_default",
    "sqlite_default",
    "upload_limit",
]


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import version

        value = version("shelf-kit")
    elif name in _WHERE:
        value = getattr(import_module(f".{_WHERE[name]}", __name__), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # looked up once
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__, "__version__"})

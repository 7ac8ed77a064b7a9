"""Shelf's service kit: what every Shelf service is built from."""

from importlib.metadata import version

from .app import Kit, create_service_app, kit
from .bodies import upload_limit
from .config import ConfigError, Setting, service_url_default, sqlite_default
from .problems import Problem, problem_response
from .request_id import bound_request_id, current_request_id

__version__ = version("shelf-kit")

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

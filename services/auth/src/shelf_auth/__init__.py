"""Shelf auth: identity for the whole system."""

from importlib.metadata import version

__version__ = version("shelf-auth")

from .app import create_app

__all__ = ["__version__", "create_app"]

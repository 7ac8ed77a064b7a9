"""Shelf api: bookmarks, tags and bundles, behind a linkding-compatible API."""

from importlib.metadata import version

__version__ = version("shelf-api")

from .app import create_app

__all__ = ["__version__", "create_app"]

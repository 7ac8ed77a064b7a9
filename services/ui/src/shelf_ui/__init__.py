"""Shelf ui: the web pages people use."""

from .app import VERSION as __version__
from .app import create_app

__all__ = ["__version__", "create_app"]

"""Shelf ui: the web pages people use."""

from importlib.metadata import version

__version__ = version("shelf-ui")

from .app import create_app

__all__ = ["__version__", "create_app"]

"""Shelf tasks: deferred jobs and cron schedules, run by worker and scheduler processes."""

from importlib.metadata import version

__version__ = version("shelf-tasks")

from .app import create_app

__all__ = ["__version__", "create_app"]

"""Shelf tasks: deferred jobs and cron schedules, run by worker and scheduler processes."""

from .app import VERSION as __version__
from .app import create_app

__all__ = ["__version__", "create_app"]

"""The jobs Shelf needs, one module each; `register_handlers` puts them in a registry."""

from __future__ import annotations

from ..registry import Registry
from . import backup, check_links, fetch_metadata, import_bookmarks, purge, send_email

MODULES = (fetch_metadata, check_links, send_email, import_bookmarks, backup, purge)


def register_handlers(registry: Registry) -> None:
    for module in MODULES:
        module.register(registry)

"""The jobs Shelf needs, one module each; `register_handlers` puts them in a registry."""

from __future__ import annotations

from ..registry import Registry
from . import (
    backup,
    check_links,
    fail_import,
    fetch_metadata,
    import_bookmarks,
    purge,
    send_email,
    users,
)

MODULES = (
    fetch_metadata,
    check_links,
    send_email,
    import_bookmarks,
    fail_import,
    backup,
    purge,
    users,
)


def register_handlers(registry: Registry) -> None:
    for module in MODULES:
        module.register(registry)

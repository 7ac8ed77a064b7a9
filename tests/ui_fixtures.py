"""The fixtures of test_ui_*.py (see ui_pages.py): the ui built in-process once per session
and pointed at the running system, a loopback site for Shelf to read, an administrator per test
module, and the system with every process running again after a test that stopped one. A test
module registers them with `pytest_plugins = ["ui_fixtures"]`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from loopback_site import Site
from shelf_system import ShelfSystem
from ui_pages import Account, build_ui, make_admin


@pytest.fixture(scope="session")
def ui_app(shelf_system: ShelfSystem) -> Iterator[Any]:
    """The ui, built in-process and pointed at the running system's auth, api and tasks."""
    from shelf_kit import kit

    app = build_ui(shelf_system)
    yield app
    for client in kit(app).clients.values():
        client.close()


@pytest.fixture(scope="session")
def site() -> Iterator[Site]:
    with Site() as served:
        yield served


@pytest.fixture(scope="module")
def admin(shelf_system: ShelfSystem) -> Account:
    """An administrator of the test module's own (made with auth's management command)."""
    return make_admin(shelf_system)


@pytest.fixture
def system(shelf_system: ShelfSystem) -> Iterator[ShelfSystem]:
    """The shared system, every process running again after the test, whatever it stopped."""
    yield shelf_system
    for name in shelf_system.specs:
        if not shelf_system.is_running(name):
            shelf_system.start(name)

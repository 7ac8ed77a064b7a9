"""The `shelf_system` fixture: the whole of Shelf, started once per test session.

SQLite by default; set SHELF_TEST_POSTGRES_URL (for example
postgresql+psycopg://postgres@127.0.0.1:5432/test) to give each service a throwaway Postgres
database instead. When a test that uses the system fails, its report ends with the run's folder
and the tail of every process's log.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shelf_system import ShelfSystem


@pytest.fixture(scope="session")
def shelf_system(tmp_path_factory) -> Iterator[ShelfSystem]:
    with ShelfSystem.running(tmp_path_factory.mktemp("shelf-system")) as system:
        yield system


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    system = item.funcargs.get("shelf_system") if hasattr(item, "funcargs") else None
    if report.failed and isinstance(system, ShelfSystem):
        report.sections.append(("Shelf system logs", system.report()))
    return report

"""`shelf_kit.testing.migrated_database`: each test's database is at the migrations' head, of
its own, and the migrations ran once per process and backend (a copy of a template after)."""

import textwrap

import pytest
from sqlalchemy import create_engine, text

from shelf_kit.testing import database_backends, migrated_database

MIGRATION = '''
"""notes"""
import os

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade():
    op.create_table("notes", sa.Column("id", sa.Integer, primary_key=True))
    with open(os.environ["SHELF_DEMO_MIGRATION_RUNS"], "a") as runs:
        runs.write("ran\\n")
'''


@pytest.fixture(scope="module")
def migrations(tmp_path_factory):
    folder = tmp_path_factory.mktemp("migrations")
    (folder / "env.py").write_text(
        "from sqlalchemy import MetaData\n"
        "from shelf_kit.migrations import run_env\n"
        "run_env(MetaData())\n"
    )
    (folder / "versions").mkdir()
    (folder / "versions" / "0001_notes.py").write_text(textwrap.dedent(MIGRATION))
    return folder


def run(url, statement):
    """The rows `statement` gives (none for a write), in a transaction of its own."""
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            result = connection.execute(text(statement))
            return result.all() if result.returns_rows else []
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", database_backends())
def test_each_database_is_migrated_its_own_and_migrations_run_once(
    backend, migrations, tmp_path, monkeypatch
):
    runs = tmp_path / "runs"
    runs.touch()
    monkeypatch.setenv("SHELF_DEMO_MIGRATION_RUNS", str(runs))
    label = f"demo{backend}"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with migrated_database(backend, label, str(tmp_path / "a"), migrations) as first:
        run(first, "INSERT INTO notes (id) VALUES (1)")
        with migrated_database(backend, label, str(tmp_path / "b"), migrations) as second:
            assert first != second
            assert run(second, "SELECT version_num FROM alembic_version") == [("0001",)]
            assert run(second, "SELECT id FROM notes") == []  # nothing of the first's
        assert run(first, "SELECT id FROM notes") == [(1,)]
    assert runs.read_text() == "ran\n"  # once: the second is a copy of the template

"""The database helper on SQLite and, when configured, Postgres."""

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, inspect, select, text

from shelf_kit.db import Database
from shelf_kit.migrations import upgrade
from shelf_kit.testing import database_backends, temporary_database

metadata = MetaData()
notes = Table(
    "notes", metadata, Column("id", Integer, primary_key=True), Column("body", String(50))
)

ENV_PY = """
from sqlalchemy import Column, Integer, MetaData, String, Table
from shelf_kit.migrations import run_env
metadata = MetaData()
Table("notes", metadata, Column("id", Integer, primary_key=True), Column("body", String(50)))
run_env(metadata)
"""

REVISION = '''
"""notes"""
import sqlalchemy as sa
from alembic import op
revision = "0001"
down_revision = None
def upgrade():
    op.create_table("notes", sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("body", sa.String(50)))
def downgrade():
    op.drop_table("notes")
'''


@pytest.fixture(params=database_backends())
def database_url(request, tmp_path):
    with temporary_database(request.param, "kit", str(tmp_path)) as url:
        yield url


def test_migrations_create_the_schema_and_data_round_trips(database_url, tmp_path):
    migrations = tmp_path / "migrations"
    (migrations / "versions").mkdir(parents=True)
    (migrations / "env.py").write_text(ENV_PY)
    (migrations / "script.py.mako").write_text("")
    (migrations / "versions" / "0001_notes.py").write_text(REVISION)
    upgrade(migrations, database_url)
    database = Database(database_url)
    try:
        assert "notes" in inspect(database.engine).get_table_names()
        with database.transaction() as session:
            session.execute(notes.insert().values(body="kept"))
        with database.transaction() as session:
            assert session.execute(select(notes.c.body)).scalar_one() == "kept"
        assert database.check() in {"sqlite", "postgresql"}
    finally:
        database.dispose()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path):
    database = Database(f"sqlite:///{tmp_path}/deep/folder/x.db")
    try:
        with database.engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        database.dispose()

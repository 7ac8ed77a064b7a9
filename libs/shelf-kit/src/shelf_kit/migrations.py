"""Alembic, run from code: each service keeps its migrations inside its package.

A service's `migrations/env.py` is two lines (`from shelf_kit.migrations import run_env;
run_env(Base.metadata)`), and its CLI gets `db upgrade`, `db current`, `db downgrade` and
`db revision` from `db_cli()`.

Alembic (with Mako and Pygments, ~12 MiB a process) is imported by the commands that use it,
not by `db_cli()`: a service's web and worker processes build their CLI but never migrate.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection

from .db import get_database

if TYPE_CHECKING:
    from alembic.config import Config


def alembic_config(migrations_dir: str | Path, url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.set_main_option("path_separator", "os")
    return config


def upgrade(migrations_dir: str | Path, url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(migrations_dir, url), revision)


def run_env(target_metadata: MetaData) -> None:
    """The body of every service's env.py (run by Alembic, so Alembic is loaded)."""
    from alembic import context

    config = context.config
    connection: Connection | None = config.attributes.get("connection")
    options: dict[str, Any] = {"target_metadata": target_metadata, "compare_type": True}
    if context.is_offline_mode():
        url = config.get_main_option("sqlalchemy.url")
        context.configure(url=url, literal_binds=True, **options)
        with context.begin_transaction():
            context.run_migrations()
        return
    if connection is not None:
        _run(context, connection, options)
        return
    from sqlalchemy import create_engine

    url = config.get_main_option("sqlalchemy.url")
    assert url, "alembic_config() always sets sqlalchemy.url"
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        _run(context, connection, options)
    engine.dispose()


def _run(context, connection: Connection, options: dict) -> None:
    # SQLite cannot ALTER most things in place; batch mode rebuilds the table instead.
    context.configure(
        connection=connection, render_as_batch=connection.dialect.name == "sqlite", **options
    )
    with context.begin_transaction():
        context.run_migrations()


def db_cli(migrations_dir: str | Path) -> click.Group:
    @click.group("db", help="Database migrations (Alembic).")
    def group() -> None:
        pass

    def alembic(what: str, *args, **options) -> None:
        """Run Alembic's command `what` against this app's database."""
        from alembic import command

        url = get_database(current_app).url.render_as_string(hide_password=False)
        getattr(command, what)(alembic_config(migrations_dir, url), *args, **options)

    @group.command("upgrade")
    @click.argument("revision", default="head")
    @with_appcontext
    def upgrade_command(revision: str) -> None:
        """Migrate the database to REVISION (default: the latest)."""
        alembic("upgrade", revision)

    @group.command("downgrade")
    @click.argument("revision")
    @with_appcontext
    def downgrade_command(revision: str) -> None:
        """Migrate the database back to REVISION."""
        alembic("downgrade", revision)

    @group.command("current")
    @with_appcontext
    def current_command() -> None:
        """Show the database's revision."""
        alembic("current", verbose=True)

    @group.command("revision")
    @click.option("-m", "--message", required=True)
    @click.option("--autogenerate/--empty", default=True)
    @with_appcontext
    def revision_command(message: str, autogenerate: bool) -> None:
        """Write a new migration (compared against the models by default)."""
        alembic("revision", message=message, autogenerate=autogenerate)

    return group


def schema_differences(url: str, target_metadata: MetaData) -> list:
    """What a migrated database lacks or has beyond the models (empty when they agree)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine

    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection, warnings.catch_warnings():
            # SQLite cannot reflect expression indexes (e.g. lower(username)); Postgres can,
            # so they are still compared there.
            warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based")
            warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expression")
            context_ = MigrationContext.configure(connection, opts={"compare_type": True})
            return compare_metadata(context_, target_metadata)
    finally:
        engine.dispose()

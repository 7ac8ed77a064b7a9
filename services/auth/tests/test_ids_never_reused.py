"""Ids are never handed out twice, in any table, on either database (issue 11, item 1).

A reused user id gave a new account the data a deleted one left in other services, and made
the deleted user's unexpired token open the new account. SQLite reuses the highest id after
its row is deleted unless the table is AUTOINCREMENT; Postgres' sequences never go back.
Migration 0008 rebuilds the SQLite tables an older auth made, keeping every row."""

import warnings
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import MetaData, Table, create_engine, func, select, text

from shelf_auth.app import MIGRATIONS
from shelf_auth.models import Base
from shelf_kit.migrations import schema_differences, upgrade
from shelf_kit.testing import database_backends, temporary_database

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=1)


def user(number):
    return {
        "username": f"user{number}",
        "email": f"user{number}@example.org",
        "password_hash": "$argon2id$x",
        "is_admin": number == 1,
        "is_active": True,
        "created_at": NOW,
    }


# Rows of every table an auth at migration 0007 had; a user id is 1..3.
def rows_at_0007(table, number):
    return {
        "users": lambda: user(number),
        "refresh_sessions": lambda: {
            "user_id": 1 + number % 3,
            "family_id": f"f{number}",
            "token_hash": f"r{number}",
            "created_at": NOW,
            "expires_at": LATER,
        },
        "api_keys": lambda: {
            "user_id": 1 + number % 3,
            "key_hash": f"k{number}",
            "last4": "abcd",
            "created_at": NOW,
        },
        "login_attempts": lambda: {
            "username": "user1",
            "address": f"10.0.0.{number}",
            "attempted_at": NOW,
        },
        "password_reset_tokens": lambda: {
            "user_id": 1,
            "token_hash": f"p{number}",
            "created_at": NOW,
            "expires_at": LATER,
        },
        "throttle_events": lambda: {
            "bucket": "password_reset:address",
            "key": "10.0.0.1",
            "occurred_at": NOW,
        },
        "outbox": lambda: {
            "kind": "send_email",
            "payload": {"kind": "send_email", "n": number},
            "created_at": NOW,
            "attempts": 0,
            "next_attempt_at": NOW,
        },
    }[table]()


TABLES_AT_0007 = (
    "users",
    "refresh_sessions",
    "api_keys",
    "login_attempts",
    "password_reset_tokens",
    "throttle_events",
    "outbox",
)


def rows_at_head(table, number):
    """A row for each table, as the current schema has them."""
    if table in TABLES_AT_0007:
        return rows_at_0007(table, number)
    return {
        "revocations": lambda: {
            "user_id": 1,
            "kind": "session",
            "session_id": f"s{number}",
            "created_at": NOW,
        },
        "known_addresses": lambda: {
            "user_id": 1 + number % 2,
            "address": f"10.1.0.{number}",
            "last_login_at": NOW,
        },
    }[table]()


def reflect(engine, name):
    with warnings.catch_warnings():  # SQLite cannot reflect lower(username)'s index
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based")
        return Table(name, MetaData(), autoload_with=engine)


@pytest.fixture(params=database_backends())
def database_at_0007(request, tmp_path):
    """A database an auth at migration 0007 made, with three rows in every table."""
    with temporary_database(request.param, "auth", str(tmp_path)) as url:
        upgrade(MIGRATIONS, url, "0007")
        engine = create_engine(url)
        try:
            with engine.begin() as connection:
                for name in TABLES_AT_0007:
                    table = reflect(engine, name)
                    connection.execute(table.insert(), [rows_at_0007(name, n) for n in (1, 2, 3)])
        finally:
            engine.dispose()
        yield url


def snapshot(engine):
    """Every row of every table at 0007, by table, in id order."""
    with engine.connect() as connection:
        return {
            name: [
                tuple(row)
                for row in connection.execute(select(reflect(engine, name)).order_by(text("id")))
            ]
            for name in TABLES_AT_0007
        }


def test_upgrading_keeps_every_row_and_never_reuses_an_id(database_at_0007):
    engine = create_engine(database_at_0007)
    try:
        before = snapshot(engine)
        upgrade(MIGRATIONS, database_at_0007)
        after = snapshot(engine)
        for name in TABLES_AT_0007:  # new columns come last; the old ones keep their values
            assert [row[: len(before[name][0])] for row in after[name]] == before[name], name
        assert schema_differences(database_at_0007, Base.metadata) == []
        for name in Base.metadata.tables:
            table = reflect(engine, name)
            with engine.begin() as connection:
                if connection.scalar(select(func.count()).select_from(table)) == 0:
                    connection.execute(table.insert(), [rows_at_head(name, n) for n in (1, 2)])
                highest = connection.scalar(select(func.max(table.c.id)))
                connection.execute(table.delete().where(table.c.id == highest))
                connection.execute(table.insert(), rows_at_head(name, 9))
                newest = connection.scalar(select(func.max(table.c.id)))
            assert newest > highest, f"{name}: id {highest} was handed out again"
    finally:
        engine.dispose()


def test_a_deleted_users_id_goes_to_nobody_else(add_user, app):
    """The attack: delete the user with the highest id, make another: it gets a new id."""
    first, last = add_user("first"), add_user("last")
    with app.extensions["shelf_db"].transaction() as session:
        session.execute(text("DELETE FROM users WHERE id = :id"), {"id": last})
    assert add_user("newcomer") > last > first


@pytest.mark.parametrize("backend", ["sqlite"])
def test_every_sqlite_table_is_autoincrement(backend, tmp_path):
    """A new table without AUTOINCREMENT would bring id reuse back: the models' Base gives
    every table `sqlite_autoincrement`, and the migrations make them so."""
    with temporary_database(backend, "auth", str(tmp_path)) as url:
        upgrade(MIGRATIONS, url)
        engine = create_engine(url)
        try:
            with engine.connect() as connection:
                sql = dict(
                    connection.execute(
                        text(
                            "SELECT name, sql FROM sqlite_master WHERE type = 'table'"
                            " AND name NOT IN ('alembic_version', 'sqlite_sequence')"
                        )
                    ).all()
                )
        finally:
            engine.dispose()
    assert set(sql) == set(Base.metadata.tables)
    assert [name for name, ddl in sql.items() if "AUTOINCREMENT" not in ddl] == []

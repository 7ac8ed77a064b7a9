import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import IntegrityError

from shelf_auth.app import MIGRATIONS
from shelf_auth.models import Base
from shelf_kit.migrations import alembic_config, schema_differences, upgrade


def test_migrations_produce_the_models_schema(fresh_database_url):
    assert schema_differences(fresh_database_url, Base.metadata) == []


def test_usernames_are_unique_whatever_their_case(fresh_database_url):
    engine = create_engine(fresh_database_url)
    insert = text(
        "INSERT INTO users (username, email, password_hash, is_admin, is_active,"
        " created_at)"
        " VALUES (:u, '', 'x', false, true, CURRENT_TIMESTAMP)"
    )
    try:
        with engine.begin() as connection:
            connection.execute(insert, {"u": "Ada"})
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(insert, {"u": "ada"})
    finally:
        engine.dispose()


def test_migrations_go_down_and_up_again(fresh_database_url):
    command.downgrade(alembic_config(MIGRATIONS, fresh_database_url), "0001")
    engine = create_engine(fresh_database_url)
    try:
        assert set(inspect(engine).get_table_names()) == {"alembic_version", "users"}
    finally:
        engine.dispose()
    upgrade(MIGRATIONS, fresh_database_url)
    assert schema_differences(fresh_database_url, Base.metadata) == []


def test_the_later_tables_come_and_go_with_their_migrations(fresh_database_url):
    before = {
        "alembic_version",
        "users",
        "refresh_sessions",
        "api_keys",
        "login_attempts",
        "password_reset_tokens",
    }
    command.downgrade(alembic_config(MIGRATIONS, fresh_database_url), "0005")
    engine = create_engine(fresh_database_url)
    try:
        assert set(inspect(engine).get_table_names()) == before
        command.upgrade(alembic_config(MIGRATIONS, fresh_database_url), "head")
        assert set(inspect(engine).get_table_names()) == before | {
            "throttle_events",
            "outbox",
            "revocations",
            "known_addresses",
        }
        # The relay's "what is due?" reads undelivered messages only, through this index.
        (pending,) = [
            index
            for index in inspect(engine).get_indexes("outbox")
            if index["name"] == "ix_outbox_pending"
        ]
        assert pending["column_names"] == ["next_attempt_at"]
    finally:
        engine.dispose()
    assert schema_differences(fresh_database_url, Base.metadata) == []

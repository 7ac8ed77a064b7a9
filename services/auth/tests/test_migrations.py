import pytest
from shelf_kit.migrations import schema_differences
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from shelf_auth.models import Base


def test_migrations_produce_the_models_schema(database_url):
    assert schema_differences(database_url, Base.metadata) == []


def test_usernames_are_unique_whatever_their_case(database_url):
    engine = create_engine(database_url)
    insert = text("INSERT INTO users (username, email, password_hash, is_admin, is_active, created_at)"
                  " VALUES (:u, '', 'x', false, true, CURRENT_TIMESTAMP)")
    try:
        with engine.begin() as connection:
            connection.execute(insert, {"u": "Ada"})
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(insert, {"u": "ada"})
    finally:
        engine.dispose()

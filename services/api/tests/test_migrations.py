from sqlalchemy import create_engine, inspect, pool

from shelf_api.app import MIGRATIONS
from shelf_api.models import Base
from shelf_kit.migrations import schema_differences


def tables(url):
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_migrations_produce_the_models_schema(database_url):
    assert schema_differences(database_url, Base.metadata) == []


def test_migrations_go_down_and_up_again(database_url):
    from alembic import command

    from shelf_kit.migrations import alembic_config

    config = alembic_config(MIGRATIONS, database_url)
    command.downgrade(config, "base")
    assert tables(database_url) == {"alembic_version"}
    command.upgrade(config, "head")
    assert tables(database_url) == {"alembic_version", *Base.metadata.tables}
    assert schema_differences(database_url, Base.metadata) == []

from sqlalchemy import create_engine, inspect, pool, text

from shelf_api.app import MIGRATIONS
from shelf_api.models import Base
from shelf_kit.migrations import schema_differences

SEARCH_TABLES = {"bookmarks_fts", "bookmarks_fts_data", "bookmarks_fts_idx",
                 "bookmarks_fts_docsize", "bookmarks_fts_config"}
TRGM_INDEXES = {"ix_bookmarks_trgm_searched"}  # one over the searched text (migration 0004)


def engine_for(url):
    return create_engine(url, poolclass=pool.NullPool)


def tables(url):
    engine = engine_for(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _is_search_index(difference):
    """The search indexes live in the migration only (models cannot describe them)."""
    kind, thing = difference[0], difference[1]
    if kind == "remove_table":
        return thing.name in SEARCH_TABLES
    if kind == "remove_index":
        return thing.name in TRGM_INDEXES
    return False


def differences(url):
    return [d for d in schema_differences(url, Base.metadata)
            if not (isinstance(d, tuple) and _is_search_index(d))]


def search_objects(url):
    engine = engine_for(url)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                rows = connection.execute(text(
                    "SELECT name FROM sqlite_master WHERE name LIKE 'bookmarks_fts%'"))
            else:
                rows = connection.execute(text(
                    "SELECT indexname FROM pg_indexes WHERE indexname LIKE 'ix_bookmarks_trgm%'"))
            return {row[0] for row in rows}
    finally:
        engine.dispose()


def test_migrations_produce_the_models_schema(database_url):
    assert differences(database_url) == []


def test_migrations_make_the_search_indexes(database_url):
    found = search_objects(database_url)
    if database_url.startswith("sqlite"):
        assert SEARCH_TABLES | {"bookmarks_fts_insert", "bookmarks_fts_update",
                                "bookmarks_fts_delete"} <= found
    else:
        assert found == TRGM_INDEXES


def test_migrations_go_down_and_up_again(database_url):
    from alembic import command

    from shelf_kit.migrations import alembic_config

    config = alembic_config(MIGRATIONS, database_url)
    command.downgrade(config, "base")
    assert tables(database_url) == {"alembic_version"}
    assert search_objects(database_url) == set()
    per_column = {f"ix_bookmarks_trgm_{c}"
                  for c in ("title", "description", "notes", "url", "page_text")}
    command.upgrade(config, "0003")  # 0004 replaces 0002's index per column, and back
    if not database_url.startswith("sqlite"):
        assert search_objects(database_url) == per_column
        command.upgrade(config, "0004")
        assert search_objects(database_url) == TRGM_INDEXES
        command.downgrade(config, "0003")
        assert search_objects(database_url) == per_column
    command.upgrade(config, "head")
    assert tables(database_url) - SEARCH_TABLES == {"alembic_version", *Base.metadata.tables}
    assert differences(database_url) == []

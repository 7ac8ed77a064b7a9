import json

from sqlalchemy import create_engine, inspect, pool, text

from shelf_api.app import MIGRATIONS
from shelf_api.models import Base
from shelf_api.search.compiler import trigrams_query
from shelf_kit.db import Database
from shelf_kit.migrations import schema_differences

# bookmarks_fts_docsize went with migration 0010 (columnsize=0); the downgrade brings it back.
SEARCH_TABLES = {"bookmarks_fts", "bookmarks_fts_data", "bookmarks_fts_idx", "bookmarks_fts_config"}
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
    return [
        d
        for d in schema_differences(url, Base.metadata)
        if not (isinstance(d, tuple) and _is_search_index(d))
    ]


def search_objects(url):
    engine = engine_for(url)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                rows = connection.execute(
                    text("SELECT name FROM sqlite_master WHERE name LIKE 'bookmarks_fts%'")
                )
            else:
                rows = connection.execute(
                    text(
                        "SELECT indexname FROM pg_indexes WHERE indexname LIKE 'ix_bookmarks_trgm%'"
                    )
                )
            return {row[0] for row in rows}
    finally:
        engine.dispose()


def test_migrations_produce_the_models_schema(database_url):
    assert differences(database_url) == []


def test_migrations_make_the_search_indexes(database_url):
    found = search_objects(database_url)
    if database_url.startswith("sqlite"):
        assert (
            SEARCH_TABLES | {"bookmarks_fts_insert", "bookmarks_fts_update", "bookmarks_fts_delete"}
            <= found
        )
    else:
        assert found == TRGM_INDEXES


def test_migrations_go_down_and_up_again(database_url):
    from alembic import command

    from shelf_kit.migrations import alembic_config

    config = alembic_config(MIGRATIONS, database_url)
    command.downgrade(config, "base")
    assert tables(database_url) == {"alembic_version"}
    assert search_objects(database_url) == set()
    per_column = {
        f"ix_bookmarks_trgm_{c}" for c in ("title", "description", "notes", "url", "page_text")
    }
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


# -- data through the migrations ---------------------------------------------------------------


def migrated_to(url, revision):
    from alembic import command

    from shelf_kit.migrations import alembic_config

    command.downgrade(alembic_config(MIGRATIONS, url), "base")
    command.upgrade(alembic_config(MIGRATIONS, url), revision)


def rows(database_url, sql, **params):
    engine = engine_for(database_url)
    try:
        with engine.begin() as connection:
            result = connection.execute(text(sql), params)
            return result.all() if result.returns_rows else None
    finally:
        engine.dispose()


NOW = "2026-11-01 10:00:00"


def test_tags_that_fold_to_one_are_merged_keeping_every_bookmarks_tags(database_url):
    """Before 0005 tags were unique by the database's lower(): SQLite kept `Ünï` and `ünï`
    apart, both databases `ΟΔΟΣ` and `οδος` (final sigma). Each owner keeps the oldest."""
    from shelf_kit.migrations import upgrade

    migrated_to(database_url, "0004")
    sqlite = database_url.startswith("sqlite")
    names = ["ΟΔΟΣ", "οδος", "x" * 300 if sqlite else "long", "Other"]
    names += ["Ünï", "ünï"] if sqlite else []
    for n, name in enumerate(names, 1):
        rows(
            database_url,
            "INSERT INTO tags (id, owner_id, name, date_added) VALUES (:id, 1, :name, :now)",
            id=n,
            name=name,
            now=NOW,
        )
    rows(
        database_url,
        "INSERT INTO tags (id, owner_id, name, date_added) VALUES (99, 2, 'οδος', :now)",
        now=NOW,
    )  # another owner's: kept
    for bookmark in (1, 2, 3):
        rows(
            database_url,
            "INSERT INTO bookmarks (id, owner_id, url, url_normalized, title, "
            "description, notes, page_text, unread, is_archived, shared, is_broken, date_added, "
            "date_modified, link_check_failures) VALUES (:id, 1, :address, :address, '', '', '', "
            "'', false, false, false, false, :now, :now, 0)",
            id=bookmark,
            address=f"https://example.com/{bookmark}",
            now=NOW,
        )
    links = [(1, 1), (2, 2), (3, 1), (3, 2), (3, 4)] + ([(1, 5), (2, 6)] if sqlite else [])
    for bookmark, tag in links:
        rows(database_url, "INSERT INTO bookmark_tags VALUES (:b, :t)", b=bookmark, t=tag)

    upgrade(MIGRATIONS, database_url)

    tags = rows(database_url, "SELECT id, owner_id, name, name_folded FROM tags ORDER BY id")
    expected = [
        (1, 1, "ΟΔΟΣ", "οδοσ"),
        (3, 1, "x" * 64 if sqlite else "long", "x" * 64 if sqlite else "long"),
        (4, 1, "Other", "other"),
    ] + ([(5, 1, "Ünï", "ünï")] if sqlite else [])
    assert tags == [*expected, (99, 2, "οδος", "οδοσ")]
    linked = rows(
        database_url, "SELECT bookmark_id, tag_id FROM bookmark_tags ORDER BY bookmark_id, tag_id"
    )
    merged = [(1, 1), (2, 1), (3, 1), (3, 4)] + ([(1, 5), (2, 5)] if sqlite else [])
    assert linked == sorted(merged)


BEFORE = "0004"  # main's head before ids were never reused (and imports kept entries whole)
TABLES_WITH_IDS = ("bookmarks", "tags", "bundles", "outbox", "imports", "assets")


def fill_at_0004(database_url):
    """Rows in every table, as the code of 0004 wrote them."""

    def insert(sql, **params):
        rows(database_url, sql, now=NOW, **params)

    for n in (1, 2, 3):
        insert(
            "INSERT INTO bookmarks (id, owner_id, url, url_normalized, title, description, "
            "notes, page_text, unread, is_archived, shared, is_broken, date_added, "
            "date_modified, link_check_failures) VALUES (:id, :owner, :address, :address, "
            ":title, '', '', '', false, false, true, false, :now, :now, 0)",
            id=n,
            owner=1 if n < 3 else 2,
            address=f"https://example.com/{n}",
            title=f"zebra number {n}",
        )
        insert(
            "INSERT INTO tags (id, owner_id, name, date_added) VALUES (:id, 1, :name, :now)",
            id=n,
            name=f"tag{n}",
        )
    insert("INSERT INTO bookmark_tags VALUES (1, 1), (1, 2), (2, 3)")
    insert(
        "INSERT INTO bundles (id, owner_id, name, search, any_tags, all_tags, excluded_tags, "
        'filter_unread, filter_shared, "order", date_created, date_modified) VALUES '
        "(1, 1, 'Zebras', 'zebra', '', '', '', 'off', 'off', 0, :now, :now)"
    )
    insert(
        "INSERT INTO outbox (id, kind, payload, created_at, attempts, next_attempt_at) VALUES "
        "(1, 'fetch_metadata', :payload, :now, 0, :now)",
        payload='{"kind": "fetch_metadata", "args": {"bookmark_id": 3}, "created_by": 2, '
        '"priority": 10}',
    )
    insert(
        "INSERT INTO outbox (id, kind, payload, created_at, attempts, next_attempt_at, "
        "delivered_at) VALUES (2, 'fetch_metadata', :payload, :now, 1, :now, :now)",
        payload='{"kind": "fetch_metadata", "args": {"bookmark_id": 2}, "created_by": 1}',
    )
    insert(
        "INSERT INTO profiles (owner_id, username, enable_sharing, enable_public_sharing, "
        "preferences, date_modified) VALUES (1, 'ann', true, true, '{}', :now), "
        "(2, 'bob', false, false, '{}', :now), (5, 'ann', true, true, '{}', :now)"
    )
    insert(
        "INSERT INTO imports (id, owner_id, format, filename, state, entries, total, "
        "processed, created, updated, created_at, updated_at) VALUES (1, 1, 'json', "
        "'b.json', 'running', :entries, 2, 1, 1, 0, :now, :now)",
        entries='[{"url": "https://example.com/a", "line": 1}, '
        '{"url": "https://example.com/b", "line": 2}]',
    )
    insert(
        "INSERT INTO assets (id, bookmark_id, owner_id, asset_type, content_type, "
        "display_name, file, file_size, status, date_created) VALUES (1, 1, 1, 'upload', "
        "'text/plain', 'a.txt', 'abc', 3, 'complete', :now)"
    )
    if not database_url.startswith("sqlite"):  # as if the rows had taken their ids from it
        for table in TABLES_WITH_IDS:
            insert(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )


def table_rows(database_url):
    return {
        table: rows(database_url, f"SELECT * FROM {table} ORDER BY 1, 2")
        for table in (*TABLES_WITH_IDS, "bookmark_tags", "profiles")
    }


def test_a_database_full_of_rows_upgrades_without_losing_one(database_url):
    from shelf_kit.migrations import upgrade

    migrated_to(database_url, BEFORE)
    fill_at_0004(database_url)
    before = table_rows(database_url)

    upgrade(MIGRATIONS, database_url)

    after = table_rows(database_url)
    for table in ("bookmarks", "bookmark_tags", "bundles", "assets"):
        assert after[table] == before[table], table
    assert [row[:3] for row in after["tags"]] == [row[:3] for row in before["tags"]]
    assert [row[0] for row in after["outbox"]] == [1]  # the delivered one went (0010)
    assert rows(database_url, "SELECT priority FROM outbox") == [(10,)]  # from its payload
    assert [row[0] for row in after["imports"]] == [1]
    # the unfinished import's entries, one row each at its position
    moved = rows(
        database_url, "SELECT import_id, position, entry FROM import_entries ORDER BY position"
    )
    assert [(i, p, json.loads(e) if isinstance(e, str) else e) for i, p, e in moved] == [
        (1, 0, {"url": "https://example.com/a", "line": 1}),
        (1, 1, {"url": "https://example.com/b", "line": 2}),
    ]
    # one profile per username: the newest account keeps "ann", the older one is renamed
    # the next time it calls
    assert [(row[0], row[1]) for row in after["profiles"]] == [(1, None), (2, "bob"), (5, "ann")]
    assert differences(database_url) == []
    if database_url.startswith("sqlite"):
        for table in TABLES_WITH_IDS:
            (definition,) = rows(
                database_url, "SELECT sql FROM sqlite_master WHERE name = :t", t=table
            )[0]
            assert "AUTOINCREMENT" in definition, table
    # the rebuilt tables still search, cascade and refuse what they refused
    found = (
        rows(
            database_url,
            "SELECT rowid FROM bookmarks_fts WHERE bookmarks_fts MATCH :q",
            q=trigrams_query("zebra number 2"),
        )
        if database_url.startswith("sqlite")
        else rows(database_url, "SELECT id FROM bookmarks WHERE title LIKE '%number 2%'")
    )
    assert found == [(2,)]


def test_after_the_upgrade_a_deleted_rows_id_is_never_given_again(database_url):
    from shelf_api.models import Bookmark, Tag
    from shelf_kit.migrations import upgrade

    migrated_to(database_url, BEFORE)
    fill_at_0004(database_url)
    upgrade(MIGRATIONS, database_url)
    database = Database(database_url)
    try:
        with database.transaction() as session:
            session.delete(session.get(Bookmark, 3))  # the newest, and its FTS row
            session.delete(session.get(Tag, 3))
        with database.transaction() as session:
            bookmark = Bookmark(owner_id=2, url="https://example.com/new", title="zebra new")
            tag = Tag(owner_id=1, name="new")
            session.add_all([bookmark, tag])
            session.flush()
            assert (bookmark.id, tag.id) == (4, 4)
        with database.transaction() as session:
            session.delete(session.get(Bookmark, 1))  # cascades to its tags and assets
        assert rows(
            database_url,
            "SELECT count(*) FROM bookmark_tags WHERE bookmark_id = 1 "
            "UNION ALL SELECT count(*) FROM assets",
        ) == [(0,), (0,)]
    finally:
        database.dispose()

"""SQLite: a search index without positions; shared bookmarks indexed alone; delivered
outbox messages deleted

Revision ID: 0010
Revises: 0009
Created: 2026-12-04

Measured on the bench's 15,000 bookmarks (no page text), api's SQLite file was 1,393 bytes a
bookmark, of which 786 were the FTS5 trigram index (`bookmarks_fts_data`). It was already
external-content (0002: the text lives in `bookmarks` only); what weighed was the position of
every trigram (`detail=full`), which FTS5 needs to answer a quoted phrase. With
`detail=none` it keeps only which rows hold each trigram (168 bytes a bookmark), and
`columnsize=0` drops the per-row token counts (14 bytes), which only ranking reads. A term
then asks for the rows holding all its trigrams and is matched on those rows alone
(search/compiler.py), so the results stay the same.

`ix_bookmarks_shared_added` (41 bytes a bookmark on SQLite) serves only the shared
bookmarks' list, which asks for `shared IS 1`: on SQLite it becomes a partial index over the
shared ones; `ix_bookmarks_owner_unread` (12) likewise over the unread ones (`!unread` and
`unread=yes` ask for `unread IS 1`). Postgres keeps the whole indexes: its disk is not
measured against a target.

`bookmark_tags` on SQLite becomes a WITHOUT ROWID table: its rows were kept twice, in the table
by rowid and in the primary key's index (43 bytes a bookmark; 22 now). It is built again with
every row, as 0006 rebuilt tables (foreign keys are off while migrations run).

The search index merges its segments less often (`automerge` 8, see AUTOMERGE).

The relay marked a delivered outbox message and kept it; now it deletes it (outbox.py), and
this migration deletes those already delivered. `ix_outbox_delivered` finds the delivered
ones (there is one at a time, for as long as a transaction).

Nothing else changes: no row of `bookmarks`, `tags` or `bookmark_tags` is written; the search
index is built again from `bookmarks` ('rebuild').
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

SEARCHED = ("title", "description", "notes", "url", "page_text")
PARTIAL = (
    ("ix_bookmarks_shared_added", ["shared", "date_added"], "shared IS 1"),
    ("ix_bookmarks_owner_unread", ["owner_id", "unread"], "unread IS 1"),
)
WITHOUT_ROWID = " WITHOUT ROWID"
# FTS5 merges its segments (one a transaction) when this many are alike (4 by default): each
# merge frees the pages of those it merged, which stayed free in the file until reused (146
# pages, 40 bytes a bookmark, after the bench's imports). Merging less often left none, and
# searches as fast.
AUTOMERGE = 8


def rebuild_bookmark_tags(connection: sa.Connection, *, rowid: bool) -> None:
    """bookmark_tags built again under its own definition, with or without a rowid, every row
    copied; its index made again from its own SQL."""
    if connection.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError("foreign keys are on: dropping a table would delete rows")
    definition = connection.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'bookmark_tags'"
    ).scalar()
    definition = definition.removesuffix(WITHOUT_ROWID) + ("" if rowid else WITHOUT_ROWID)
    indexes = [
        row[0]
        for row in connection.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'bookmark_tags' AND type = 'index' "
            "AND sql IS NOT NULL"
        )
    ]
    before = connection.exec_driver_sql("SELECT count(*) FROM bookmark_tags").scalar()
    connection.exec_driver_sql(definition.replace("bookmark_tags", "_new_bookmark_tags", 1))
    connection.exec_driver_sql("INSERT INTO _new_bookmark_tags SELECT * FROM bookmark_tags")
    connection.exec_driver_sql("DROP TABLE bookmark_tags")
    connection.exec_driver_sql("ALTER TABLE _new_bookmark_tags RENAME TO bookmark_tags")
    for statement in indexes:
        connection.exec_driver_sql(statement)
    after = connection.exec_driver_sql("SELECT count(*) FROM bookmark_tags").scalar()
    if after != before:
        raise RuntimeError(f"bookmark_tags: {before} rows before the rebuild, {after} after")


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        search_index("detail=none, columnsize=0")
        op.execute(
            f"INSERT INTO bookmarks_fts(bookmarks_fts, rank) VALUES ('automerge', {AUTOMERGE})"
        )
        for name, columns, where in PARTIAL:
            op.drop_index(name, table_name="bookmarks")
            op.create_index(name, "bookmarks", columns, sqlite_where=sa.text(where))
        rebuild_bookmark_tags(connection, rowid=False)
    outbox = sa.table("outbox", sa.column("delivered_at"))
    connection.execute(sa.delete(outbox).where(outbox.c.delivered_at.is_not(None)))
    op.create_index(
        "ix_outbox_delivered",
        "outbox",
        ["id"],
        sqlite_where=sa.text("delivered_at IS NOT NULL"),
        postgresql_where=sa.text("delivered_at IS NOT NULL"),
    )


def search_index(options: str) -> None:
    """bookmarks_fts made again with these FTS5 options and filled from `bookmarks`. Its
    triggers (0002) stay: they name the table, which is back before any row is written."""
    op.execute("DROP TABLE bookmarks_fts")
    op.execute(
        f"CREATE VIRTUAL TABLE bookmarks_fts USING fts5({', '.join(SEARCHED)}, "
        f"content='bookmarks', content_rowid='id', tokenize='trigram', {options})"
    )
    op.execute("INSERT INTO bookmarks_fts(bookmarks_fts) VALUES ('rebuild')")


def downgrade() -> None:
    op.drop_index("ix_outbox_delivered", table_name="outbox")
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        rebuild_bookmark_tags(connection, rowid=True)
        for name, columns, _where in PARTIAL:
            op.drop_index(name, table_name="bookmarks")
            op.create_index(name, "bookmarks", columns)
        search_index("detail=full")

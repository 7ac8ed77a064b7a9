"""profiles, imports, and the substring-search indexes

SQLite: an external-content FTS5 table with the trigram tokenizer over the searchable columns,
kept in step with `bookmarks` by triggers. Postgres: pg_trgm GIN indexes on the same columns.
Neither is in models.py (autogenerate cannot describe them); the migration test checks they
exist.

Revision ID: 0002
Revises: 0001
Created: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

import shelf_kit.db

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SEARCHED = ("title", "description", "notes", "url", "page_text")


def upgrade() -> None:
    with op.batch_alter_table("bookmarks") as batch:
        batch.add_column(
            sa.Column("link_check_failures", sa.Integer(), server_default="0", nullable=False)
        )
    op.create_table(
        "profiles",
        sa.Column("owner_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("username", sa.String(length=150), nullable=True),
        sa.Column("enable_sharing", sa.Boolean(), nullable=False),
        sa.Column("enable_public_sharing", sa.Boolean(), nullable=False),
        sa.Column("preferences", sa.JSON(), nullable=False),
        sa.Column("date_modified", shelf_kit.db.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("owner_id", name="pk_profiles"),
    )
    op.create_index("ix_profiles_username", "profiles", ["username"])
    op.create_table(
        "imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("format", sa.String(length=20), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("entries", sa.JSON(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("processed", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("created_at", shelf_kit.db.UtcDateTime(), nullable=False),
        sa.Column("updated_at", shelf_kit.db.UtcDateTime(), nullable=False),
        sa.CheckConstraint(
            "state IN ('pending', 'running', 'done', 'failed')", name="ck_imports_state"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_imports"),
    )
    op.create_index("ix_imports_owner_created", "imports", ["owner_id", "created_at"])

    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _sqlite_fts_up()
    elif dialect == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for column in SEARCHED:
            op.execute(
                f"CREATE INDEX ix_bookmarks_trgm_{column} ON bookmarks "
                f"USING gin ({column} gin_trgm_ops)"
            )


def _sqlite_fts_up() -> None:
    columns = ", ".join(SEARCHED)
    new = ", ".join(f"new.{c}" for c in SEARCHED)
    old = ", ".join(f"old.{c}" for c in SEARCHED)
    op.execute(
        f"CREATE VIRTUAL TABLE bookmarks_fts USING fts5({columns}, content='bookmarks', "
        "content_rowid='id', tokenize='trigram')"
    )
    op.execute(f"""CREATE TRIGGER bookmarks_fts_insert AFTER INSERT ON bookmarks BEGIN
        INSERT INTO bookmarks_fts(rowid, {columns}) VALUES (new.id, {new});
    END""")
    op.execute(f"""CREATE TRIGGER bookmarks_fts_delete AFTER DELETE ON bookmarks BEGIN
        INSERT INTO bookmarks_fts(bookmarks_fts, rowid, {columns})
            VALUES ('delete', old.id, {old});
    END""")
    op.execute(f"""CREATE TRIGGER bookmarks_fts_update AFTER UPDATE OF {columns} ON bookmarks
    BEGIN
        INSERT INTO bookmarks_fts(bookmarks_fts, rowid, {columns})
            VALUES ('delete', old.id, {old});
        INSERT INTO bookmarks_fts(rowid, {columns}) VALUES (new.id, {new});
    END""")
    # Bookmarks written before this migration.
    op.execute("INSERT INTO bookmarks_fts(bookmarks_fts) VALUES ('rebuild')")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS bookmarks_fts_{trigger}")
        op.execute("DROP TABLE IF EXISTS bookmarks_fts")
    elif dialect == "postgresql":
        for column in SEARCHED:
            op.execute(f"DROP INDEX IF EXISTS ix_bookmarks_trgm_{column}")
    op.drop_index("ix_imports_owner_created", table_name="imports")
    op.drop_table("imports")
    op.drop_index("ix_profiles_username", table_name="profiles")
    op.drop_table("profiles")
    with op.batch_alter_table("bookmarks") as batch:
        batch.drop_column("link_check_failures")

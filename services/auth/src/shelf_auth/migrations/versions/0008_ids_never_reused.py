"""ids never reused: SQLite tables rebuilt with AUTOINCREMENT, every row kept

Without AUTOINCREMENT, SQLite gives the highest id again once its row is deleted: a new
account got a deleted one's user id (issue 11). Each table is rebuilt as SQLite's own
procedure for a changed table says: a copy with the new definition, the rows copied in, the
old table dropped, the copy renamed. Copying the rows sets each table's AUTOINCREMENT counter
to its highest id. Postgres needs nothing: its sequences never hand out an id twice.

Revision ID: 0008
Revises: 0007
Created: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TABLES = (
    "users",
    "refresh_sessions",
    "api_keys",
    "login_attempts",
    "password_reset_tokens",
    "throttle_events",
    "outbox",
)


def upgrade() -> None:
    _rebuild(autoincrement=True)


def downgrade() -> None:
    _rebuild(autoincrement=False)


def _rebuild(*, autoincrement: bool) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    # Dropping "users" with foreign keys enforced would cascade to every child row. Alembic's
    # own connection leaves them off; refuse to go on if someone turned them on.
    if bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError("migration 0008 must run with SQLite's foreign_keys off")
    # Batch mode rebuilds from the reflected table, and SQLite cannot reflect an expression
    # index or a partial one: they are dropped first and made again after.
    op.drop_index("uq_users_username_lower", table_name="users")
    op.drop_index("ix_outbox_pending", table_name="outbox")
    for table in TABLES:
        with op.batch_alter_table(
            table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
        ):
            pass
    op.create_index("uq_users_username_lower", "users", [sa.text("lower(username)")], unique=True)
    op.create_index(
        "ix_outbox_pending",
        "outbox",
        ["next_attempt_at"],
        sqlite_where=sa.text("delivered_at IS NULL"),
    )

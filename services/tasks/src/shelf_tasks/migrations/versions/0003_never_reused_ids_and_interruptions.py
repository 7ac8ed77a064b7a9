"""ids are never reused in any table (SQLite AUTOINCREMENT); jobs count interruptions

On SQLite, `schedules` and `schedule_fires` had plain INTEGER PRIMARY KEYs, which hand a
deleted highest id to the next row; they are rebuilt with AUTOINCREMENT, every row copied
(`jobs` had it from the start). Postgres' sequences never reuse an id: nothing to do there.

Revision ID: 0003
Revises: 0002
Created: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

REBUILT = ("schedules", "schedule_fires")


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(
            sa.Column("interruptions", sa.Integer(), nullable=False, server_default="0")
        )
    if op.get_bind().dialect.name == "sqlite":
        # Batch mode copies each table into a new one made with AUTOINCREMENT; the new
        # sequence starts at the highest id copied.
        for table in REBUILT:
            with op.batch_alter_table(
                table, recreate="always", table_kwargs={"sqlite_autoincrement": True}
            ):
                pass


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in REBUILT:
            with op.batch_alter_table(
                table, recreate="always", table_kwargs={"sqlite_autoincrement": False}
            ):
                pass
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("interruptions")

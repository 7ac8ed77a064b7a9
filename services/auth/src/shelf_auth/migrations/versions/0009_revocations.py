"""revocations: users' token version, and what the other services must stop honouring

Revision ID: 0009
Revises: 0008
Created: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

import shelf_kit.db

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Tokens issued before this migration carry no `ver`; they count as version 1.
    op.add_column(
        "users",
        sa.Column("token_version", sa.Integer(), nullable=False, server_default=sa.text("1")),
    )
    op.create_table(
        "revocations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.String(length=32), nullable=True),
        sa.Column("token_version", sa.Integer(), nullable=True),
        sa.Column("created_at", shelf_kit.db.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_revocations_created_at", "revocations", ["created_at"])
    op.create_index("ix_revocations_session_id", "revocations", ["session_id"])


def downgrade() -> None:
    op.drop_index("ix_revocations_session_id", table_name="revocations")
    op.drop_index("ix_revocations_created_at", table_name="revocations")
    op.drop_table("revocations")
    op.drop_column("users", "token_version")  # SQLite 3.35 drops a column in place

"""feed_keys: each user's key to their RSS feeds (/feeds/<key>/all, unread, shared)

Revision ID: 0009
Revises: 0008
Created: 2026-12-04

One row per user (owner_id is the key of the table, so it has no id of its own to keep
from being reused); the key is unique, since a feed request names only the key.
"""

import sqlalchemy as sa
from alembic import op

import shelf_kit.db

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feed_keys",
        sa.Column("owner_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("created_at", shelf_kit.db.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("owner_id", name="pk_feed_keys"),
    )
    op.create_index("uq_feed_keys_key", "feed_keys", ["key"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_feed_keys_key", table_name="feed_keys")
    op.drop_table("feed_keys")

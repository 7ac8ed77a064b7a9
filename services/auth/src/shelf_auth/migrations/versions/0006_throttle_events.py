"""throttle events (password reset requests per address, reset mails per account)

Revision ID: 0006
Revises: 0005
Created: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

import shelf_kit.db

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "throttle_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bucket", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=150), nullable=False),
        sa.Column("occurred_at", shelf_kit.db.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_throttle_events_bucket_key_at", "throttle_events", ["bucket", "key", "occurred_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_throttle_events_bucket_key_at", table_name="throttle_events")
    op.drop_table("throttle_events")

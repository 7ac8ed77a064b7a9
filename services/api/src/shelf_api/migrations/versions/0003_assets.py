"""assets: snapshots and uploads kept with bookmarks

Revision ID: 0003
Revises: 0002
Created: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

import shelf_kit.db

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bookmark_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("asset_type", sa.String(length=10), nullable=False),
        sa.Column("content_type", sa.String(length=128), nullable=False),
        sa.Column("display_name", sa.String(length=512), nullable=False),
        sa.Column("file", sa.String(length=255), nullable=False),
        sa.Column("file_size", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("date_created", shelf_kit.db.UtcDateTime(), nullable=False),
        sa.CheckConstraint("asset_type IN ('snapshot', 'upload')", name="ck_assets_asset_type"),
        sa.CheckConstraint("status IN ('pending', 'complete', 'failure')", name="ck_assets_status"),
        sa.ForeignKeyConstraint(
            ["bookmark_id"],
            ["bookmarks.id"],
            ondelete="CASCADE",
            name="fk_assets_bookmark_id_bookmarks",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_assets"),
    )
    op.create_index("ix_assets_bookmark_id", "assets", ["bookmark_id"])


def downgrade() -> None:
    op.drop_index("ix_assets_bookmark_id", table_name="assets")
    op.drop_table("assets")

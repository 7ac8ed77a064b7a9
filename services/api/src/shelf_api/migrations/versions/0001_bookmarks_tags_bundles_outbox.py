"""bookmarks, tags, bookmark_tags, bundles, outbox

Revision ID: 0001
Revises:
Created: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

import shelf_kit.db

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bookmarks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("url_normalized", sa.String(length=2048), nullable=False),
        sa.Column("title", sa.String(length=512), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("website_title", sa.String(length=512), nullable=True),
        sa.Column("website_description", sa.Text(), nullable=True),
        sa.Column("favicon_url", sa.String(length=2048), nullable=True),
        sa.Column("preview_image_url", sa.String(length=2048), nullable=True),
        sa.Column("page_text", sa.Text(), nullable=False),
        sa.Column("unread", sa.Boolean(), nullable=False),
        sa.Column("is_archived", sa.Boolean(), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("is_broken", sa.Boolean(), nullable=False),
        sa.Column("last_checked_at", shelf_kit.db.UtcDateTime(), nullable=True),
        sa.Column("date_added", shelf_kit.db.UtcDateTime(), nullable=False),
        sa.Column("date_modified", shelf_kit.db.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_bookmarks"),
    )
    op.create_index(
        "uq_bookmarks_owner_url_normalized",
        "bookmarks",
        ["owner_id", "url_normalized"],
        unique=True,
    )
    op.create_index(
        "ix_bookmarks_owner_archived_added", "bookmarks", ["owner_id", "is_archived", "date_added"]
    )
    op.create_index("ix_bookmarks_owner_modified", "bookmarks", ["owner_id", "date_modified"])
    op.create_index("ix_bookmarks_owner_unread", "bookmarks", ["owner_id", "unread"])
    op.create_index("ix_bookmarks_shared_added", "bookmarks", ["shared", "date_added"])

    op.create_table(
        "tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("date_added", shelf_kit.db.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tags"),
    )
    op.create_index(
        "uq_tags_owner_name_lower", "tags", ["owner_id", sa.text("lower(name)")], unique=True
    )

    op.create_table(
        "bookmark_tags",
        sa.Column("bookmark_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bookmark_id"],
            ["bookmarks.id"],
            ondelete="CASCADE",
            name="fk_bookmark_tags_bookmark_id_bookmarks",
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tags.id"], ondelete="CASCADE", name="fk_bookmark_tags_tag_id_tags"
        ),
        sa.PrimaryKeyConstraint("bookmark_id", "tag_id", name="pk_bookmark_tags"),
    )
    op.create_index("ix_bookmark_tags_tag_id", "bookmark_tags", ["tag_id"])

    op.create_table(
        "bundles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("search", sa.String(length=256), nullable=False),
        sa.Column("any_tags", sa.String(length=1024), nullable=False),
        sa.Column("all_tags", sa.String(length=1024), nullable=False),
        sa.Column("excluded_tags", sa.String(length=1024), nullable=False),
        sa.Column("filter_unread", sa.String(length=3), nullable=False),
        sa.Column("filter_shared", sa.String(length=3), nullable=False),
        sa.Column("order", sa.Integer(), nullable=False),
        sa.Column("date_created", shelf_kit.db.UtcDateTime(), nullable=False),
        sa.Column("date_modified", shelf_kit.db.UtcDateTime(), nullable=False),
        sa.CheckConstraint(
            "filter_unread IN ('off', 'yes', 'no')", name="ck_bundles_filter_unread"
        ),
        sa.CheckConstraint(
            "filter_shared IN ('off', 'yes', 'no')", name="ck_bundles_filter_shared"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_bundles"),
    )
    op.create_index("ix_bundles_owner_order", "bundles", ["owner_id", "order"])

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=100), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", shelf_kit.db.UtcDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", shelf_kit.db.UtcDateTime(), nullable=False),
        sa.Column("delivered_at", shelf_kit.db.UtcDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
    )
    op.create_index(
        "ix_outbox_pending",
        "outbox",
        ["next_attempt_at"],
        sqlite_where=sa.text("delivered_at IS NULL"),
        postgresql_where=sa.text("delivered_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_pending", table_name="outbox")
    op.drop_table("outbox")
    op.drop_index("ix_bundles_owner_order", table_name="bundles")
    op.drop_table("bundles")
    op.drop_index("ix_bookmark_tags_tag_id", table_name="bookmark_tags")
    op.drop_table("bookmark_tags")
    op.drop_index("uq_tags_owner_name_lower", table_name="tags")
    op.drop_table("tags")
    op.drop_index("ix_bookmarks_shared_added", table_name="bookmarks")
    op.drop_index("ix_bookmarks_owner_unread", table_name="bookmarks")
    op.drop_index("ix_bookmarks_owner_modified", table_name="bookmarks")
    op.drop_index("ix_bookmarks_owner_archived_added", table_name="bookmarks")
    op.drop_index("uq_bookmarks_owner_url_normalized", table_name="bookmarks")
    op.drop_table("bookmarks")

"""known addresses: where each user logged in from (failures elsewhere never slow them there)

Revision ID: 0010
Revises: 0009
Created: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

import shelf_kit.db

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "known_addresses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("last_login_at", shelf_kit.db.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "address", name="uq_known_addresses_user_address"),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("known_addresses")

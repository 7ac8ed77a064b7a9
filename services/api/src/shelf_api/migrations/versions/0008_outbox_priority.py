"""outbox.priority: the relay delivers due messages by priority, then id (contract C4)

Revision ID: 0008
Revises: 0007
Created: 2026-12-04

The relay delivered in id order, so after a tasks outage a bookmark added by hand waited
behind an import's whole backlog of page fetches (6.5 minutes after a 60 s outage). Each
message now carries its job's priority (tasks runs lower first: 0 by hand, 10 for imports),
which shelf-kit's relay claims by. Messages already written take it from their payload.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

outbox = sa.table("outbox", sa.column("priority", sa.Integer), sa.column("payload", sa.JSON))


def upgrade() -> None:
    op.add_column("outbox", sa.Column("priority", sa.Integer(), server_default="0", nullable=False))
    given = outbox.c.payload["priority"].as_integer()
    op.get_bind().execute(sa.update(outbox).where(given.is_not(None)).values(priority=given))


def downgrade() -> None:
    op.drop_column("outbox", "priority")

"""imports: entries as rows (import_entries), and why an import failed (imports.detail)

Revision ID: 0007
Revises: 0006
Created: 2026-12-04

A large import kept its parsed entries as one JSON value, which every batch read whole to
take its 500: the whole file again for each batch. Each entry becomes a row of
`import_entries` at its position, and a batch reads only its own rows. Imports not done yet
(pending, running, failed) have their entries moved; a done import needs none. `detail`
says why an import failed (tasks' job discarded or cancelled; contract C3).

`imports.entries` is dropped with ALTER TABLE ... DROP COLUMN, which SQLite has had since
3.35, rather than alembic's batch mode, which would rebuild the table without AUTOINCREMENT.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

CHUNK = 500
imports = sa.table(
    "imports",
    sa.column("id", sa.Integer),
    sa.column("state", sa.String),
    sa.column("entries", sa.JSON),
)
entries = sa.table(
    "import_entries",
    sa.column("import_id", sa.Integer),
    sa.column("position", sa.Integer),
    sa.column("entry", sa.JSON),
)


def upgrade() -> None:
    op.create_table(
        "import_entries",
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("entry", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["imports.id"],
            ondelete="CASCADE",
            name="fk_import_entries_import_id_imports",
        ),
        sa.PrimaryKeyConstraint("import_id", "position", name="pk_import_entries"),
    )
    connection = op.get_bind()
    unfinished = connection.execute(sa.select(imports.c.id).where(imports.c.state != "done"))
    for (import_id,) in unfinished.all():
        kept = (
            connection.execute(
                sa.select(imports.c.entries).where(imports.c.id == import_id)
            ).scalar()
            or []
        )
        for start in range(0, len(kept), CHUNK):
            connection.execute(
                sa.insert(entries),
                [
                    {"import_id": import_id, "position": position, "entry": item}
                    for position, item in enumerate(kept[start : start + CHUNK], start)
                ],
            )
    op.drop_column("imports", "entries")
    op.add_column("imports", sa.Column("detail", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("imports", "detail")
    op.add_column("imports", sa.Column("entries", sa.JSON(), nullable=True))
    connection = op.get_bind()
    for (import_id,) in connection.execute(sa.select(imports.c.id)).all():
        kept = (
            connection.execute(
                sa.select(entries.c.entry)
                .where(entries.c.import_id == import_id)
                .order_by(entries.c.position)
            )
            .scalars()
            .all()
        )
        connection.execute(
            sa.update(imports).where(imports.c.id == import_id).values(entries=list(kept))
        )
    op.drop_table("import_entries")

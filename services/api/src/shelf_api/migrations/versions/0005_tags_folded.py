"""tags: one per owner and Unicode-folded name (tags.name_folded)

Revision ID: 0005
Revises: 0004
Created: 2026-12-04

A tag was unique per owner by the database's lower(name): on SQLite that folds ASCII only, so
`Ünï` and `ünï` were two tags. Each tag gets `name_folded`, its name folded by
shelf_api.tag_names.fold (Unicode simple case folding, the same on every database), unique per
owner. Tags that now fold to one are merged into the oldest: every bookmark that had any of
them has it (once), the others go. Names longer than 64 characters (SQLite never enforced the
column's length; auto-tagging made such names) are shortened to 64 first. The key is the
application's own fold: a change to it needs a migration that recomputes every key.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

tags = sa.table(
    "tags",
    sa.column("id", sa.Integer),
    sa.column("owner_id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("name_folded", sa.String),
)
links = sa.table(
    "bookmark_tags", sa.column("bookmark_id", sa.Integer), sa.column("tag_id", sa.Integer)
)


MAX_LENGTH = 64


def upgrade() -> None:
    # Imported here: tools that only read the revisions (tests/' environment) lack the app.
    from shelf_api.tag_names import fold

    op.drop_index("uq_tags_owner_name_lower", table_name="tags")
    with op.batch_alter_table("tags") as batch:
        batch.add_column(sa.Column("name_folded", sa.String(length=MAX_LENGTH), nullable=True))
    connection = op.get_bind()
    keep: dict[tuple[int, str], int] = {}  # (owner, folded name) -> the oldest tag's id
    named = []
    for tag_id, owner_id, name in connection.execute(
        sa.select(tags.c.id, tags.c.owner_id, tags.c.name).order_by(tags.c.id)
    ):
        name = name[:MAX_LENGTH]
        key = fold(name)
        first = keep.setdefault((owner_id, key), tag_id)
        if first == tag_id:
            named.append({"tag_id": tag_id, "new_name": name, "key": key})
        else:
            merge(connection, tag_id, into=first)
    if named:
        connection.execute(
            sa.update(tags)
            .where(tags.c.id == sa.bindparam("tag_id"))
            .values(name=sa.bindparam("new_name"), name_folded=sa.bindparam("key")),
            named,
        )
    with op.batch_alter_table("tags") as batch:
        batch.alter_column(
            "name_folded", existing_type=sa.String(length=MAX_LENGTH), nullable=False
        )
    op.create_index("uq_tags_owner_name_folded", "tags", ["owner_id", "name_folded"], unique=True)


def merge(connection: sa.Connection, tag_id: int, *, into: int) -> None:
    """Every bookmark with tag `tag_id` gets tag `into` instead (once); `tag_id` goes."""
    has_it = sa.select(links.c.bookmark_id).where(links.c.tag_id == into)
    connection.execute(
        sa.insert(links).from_select(
            ["bookmark_id", "tag_id"],
            sa.select(links.c.bookmark_id, sa.literal(into, sa.Integer)).where(
                links.c.tag_id == tag_id, links.c.bookmark_id.not_in(has_it)
            ),
        )
    )
    connection.execute(sa.delete(links).where(links.c.tag_id == tag_id))
    connection.execute(sa.delete(tags).where(tags.c.id == tag_id))


def downgrade() -> None:
    op.drop_index("uq_tags_owner_name_folded", table_name="tags")
    with op.batch_alter_table("tags") as batch:
        batch.drop_column("name_folded")
    op.create_index(
        "uq_tags_owner_name_lower", "tags", ["owner_id", sa.text("lower(name)")], unique=True
    )

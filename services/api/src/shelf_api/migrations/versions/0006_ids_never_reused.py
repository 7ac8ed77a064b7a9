"""ids are never reused (SQLite AUTOINCREMENT); one profile per username

Revision ID: 0006
Revises: 0005
Created: 2026-12-04

SQLite gives a new row the largest id in the table plus one, so deleting the newest bookmark
(or tag, bundle...) handed its id to the next one: a client holding the old id (the browser
extension's cache, a sync tool) then read, changed or deleted another bookmark, and a re-added
URL got its old id, so the job that fetches its page was taken for one already done. With
AUTOINCREMENT, SQLite never hands out an id twice. Postgres's sequences never did, so this
changes nothing there.

SQLite cannot add AUTOINCREMENT to a table: each table is built again under its own
definition with the id column made `INTEGER PRIMARY KEY AUTOINCREMENT`, every row copied (ids
included), the old table dropped and the new one renamed; its indexes and triggers (the FTS5
table's) are made again from their own SQL, as SQLite recorded it. Foreign keys are off while
migrations run (Shelf's migration connections never turn them on), so dropping a table cascades
nothing; the migration checks that, and the foreign keys after.

Later migrations on SQLite that rebuild one of these tables (alembic's batch mode) must pass
`table_kwargs={"sqlite_autoincrement": True}`: batch mode does not carry AUTOINCREMENT over.
A test checks every table has it.

Profiles: `profiles.username` (the name api last saw for a user, which
`/api/bookmarks/shared/?user=` looks up) becomes unique. Before, a deleted user's profile kept
their name, and a new account with the same name had a second profile under it, so the old
account's shared bookmarks showed under the new one's name. Where two profiles hold a name,
the newest account (the highest id) keeps it; the others' names are cleared (each is set again
the next time its user calls).
"""

import re

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TABLES = ("bookmarks", "tags", "bundles", "outbox", "imports", "assets")
ID_COLUMN = re.compile(r"(\n\s*)id INTEGER NOT NULL,")
PRIMARY_KEY = re.compile(r",\s*CONSTRAINT pk_\w+ PRIMARY KEY \(id\)")
CREATE = re.compile(r'^CREATE TABLE "?(\w+)"? \(')


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        if connection.exec_driver_sql("PRAGMA foreign_keys").scalar():
            raise RuntimeError("foreign keys are on: dropping a table would delete rows")
        for table in TABLES:
            rebuild_with_autoincrement(connection, table)
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            raise RuntimeError(f"foreign keys broken by the rebuild: {broken[:5]}")
    one_profile_per_username(connection)


def rebuild_with_autoincrement(connection: sa.Connection, table: str) -> None:
    definition = connection.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).scalar()
    if "AUTOINCREMENT" in definition:
        return
    dependents = [
        row[0]
        for row in connection.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') "
            "AND sql IS NOT NULL",
            (table,),
        )
    ]
    new = f"_new_{table}"
    created, found = ID_COLUMN.subn(
        r"\1id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,", definition, count=1
    )
    created, dropped = PRIMARY_KEY.subn("", created)
    created, named = CREATE.subn(f'CREATE TABLE "{new}" (', created)
    if (found, dropped, named) != (1, 1, 1):
        raise RuntimeError(f"{table}: an unexpected definition, not rebuilt: {definition}")
    connection.exec_driver_sql(created)
    connection.exec_driver_sql(f'INSERT INTO "{new}" SELECT * FROM "{table}"')
    connection.exec_driver_sql(f'DROP TABLE "{table}"')
    connection.exec_driver_sql(f'ALTER TABLE "{new}" RENAME TO "{table}"')
    for statement in dependents:
        connection.exec_driver_sql(statement)


def one_profile_per_username(connection: sa.Connection) -> None:
    profiles = sa.table(
        "profiles", sa.column("owner_id", sa.Integer), sa.column("username", sa.String)
    )
    other = profiles.alias("other")
    newest = (
        sa.select(sa.func.max(other.c.owner_id))
        .where(other.c.username == profiles.c.username)
        .scalar_subquery()
    )
    connection.execute(
        sa.update(profiles)
        .where(profiles.c.username.is_not(None), profiles.c.owner_id != newest)
        .values(username=None)
    )
    op.drop_index("ix_profiles_username", table_name="profiles")
    op.create_index("uq_profiles_username", "profiles", ["username"], unique=True)


def downgrade() -> None:
    # AUTOINCREMENT stays: the code of 0005 works the same with it.
    op.drop_index("uq_profiles_username", table_name="profiles")
    op.create_index("ix_profiles_username", "profiles", ["username"])

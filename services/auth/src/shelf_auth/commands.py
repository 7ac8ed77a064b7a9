"""Management commands."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from shelf_kit.db import get_database

from .users import UserError, create_user, find_by_username


@click.command("create-admin")
@click.option("--username", envvar="SHELF_ADMIN_USERNAME", required=True,
              help="defaults to $SHELF_ADMIN_USERNAME")
@click.option("--password", envvar="SHELF_ADMIN_PASSWORD", required=True,
              help="defaults to $SHELF_ADMIN_PASSWORD")
@click.option("--email", envvar="SHELF_ADMIN_EMAIL", default="", help="defaults to $SHELF_ADMIN_EMAIL")
@with_appcontext
def create_admin(username: str, password: str, email: str) -> None:
    """Create an administrator; does nothing if the username exists."""
    with get_database(current_app).transaction() as session:
        existing = find_by_username(session, username)
        if existing is not None:
            click.echo(f"User {existing.username!r} already exists; nothing to do.")
            return
        try:
            user = create_user(session=session, username=username, password=password,
                               email=email, is_admin=True)
        except UserError as error:
            raise click.ClickException(str(error)) from None
        click.echo(f"Created administrator {user.username!r}.")

"""Management commands."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from shelf_kit.db import get_database

from . import extensions
from .keys import KeyRing, NoSigningKey, generate_key, generate_key_if_missing
from .users import UserError, create_user, find_by_username

ADMIN_VARIABLES = "SHELF_ADMIN_USERNAME and SHELF_ADMIN_PASSWORD (and SHELF_ADMIN_EMAIL)"


@click.command("create-admin")
@click.option(
    "--username",
    envvar="SHELF_ADMIN_USERNAME",
    help="default: $SHELF_ADMIN_USERNAME, else asked at a terminal",
)
@click.option(
    "--password",
    envvar="SHELF_ADMIN_PASSWORD",
    help="default: $SHELF_ADMIN_PASSWORD, else asked (twice, hidden) at a terminal",
)
@click.option("--email", envvar="SHELF_ADMIN_EMAIL", help="default: $SHELF_ADMIN_EMAIL (optional)")
@with_appcontext
def create_admin(username: str | None, password: str | None, email: str | None) -> None:
    """Create an administrator; does nothing if one with that username exists.

    What the options and SHELF_ADMIN_* do not give is asked for when standard input is a
    terminal; otherwise the command fails saying what to set. Safe to run on every start."""
    asking = sys.stdin.isatty()
    if not asking and not (username and password):
        raise click.ClickException(
            f"Say who the administrator is: set {ADMIN_VARIABLES}, or pass --username and "
            "--password, or run this at a terminal to be asked."
        )
    username = username or click.prompt("Username")
    database = get_database(current_app)
    with database.transaction() as session:  # asked before the password: it may be there
        existing = find_by_username(session=session, username=username)
        if existing is not None and existing.is_admin:
            click.echo(f"Administrator {existing.username!r} already exists; nothing to do.")
            return
        if existing is not None:
            raise click.ClickException(
                f"{existing.username!r} exists and is not an administrator: promote them in "
                "the admin pages, or choose another username."
            )
    if not password:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        if email is None:
            email = click.prompt("Email (optional)", default="", show_default=False)
    with database.transaction() as session:
        try:
            user = create_user(
                session=session,
                username=username,
                password=password,
                email=email or "",
                is_admin=True,
            )
        except UserError as error:
            raise click.ClickException(str(error)) from None
        click.echo(f"Created administrator {user.username!r}.")


@click.group("keys")
def keys_cli() -> None:
    """Signing keys (PEM files in SHELF_AUTH_KEYS_DIR; a file's stem is its kid)."""


def _ring() -> KeyRing:
    config = current_app.config
    return KeyRing(
        config["SHELF_AUTH_KEYS_DIR"],
        signing_kid=config["SHELF_AUTH_SIGNING_KEY_ID"],
        reload_seconds=0,
    )


@keys_cli.command("generate")
@click.option("--if-missing", is_flag=True, help="only when the folder has no signing key")
@with_appcontext
def generate(if_missing: bool) -> None:
    """Write a new key; it signs from now on (unless SHELF_AUTH_SIGNING_KEY_ID names another).

    Running auth processes pick it up within SHELF_AUTH_KEYS_RELOAD_SECONDS; tokens signed by
    older keys stay valid as long as their files stay in the folder."""
    ring = _ring()
    path = generate_key_if_missing(ring) if if_missing else generate_key(ring.folder)
    if path is None:
        click.echo(f"Signing key {ring.signing_key().kid} exists; nothing to do.")
    else:
        click.echo(f"Wrote {path} (kid {path.stem}).")


@keys_cli.command("list")
@with_appcontext
def list_keys() -> None:
    """The keys in the folder, the signing one marked with *."""
    ring = _ring()
    try:
        signing = ring.signing_key().kid
    except NoSigningKey as error:
        signing = None
        click.echo(str(error), err=True)
    for kid, key in sorted(ring.keys().items()):
        kind = "private" if key.private is not None else "public only"
        click.echo(f"{'*' if kid == signing else ' '} {kid}  ({kind})")


@click.command("relay")
@click.option("--once", is_flag=True, help="deliver what is due, then exit")
@with_appcontext
def relay_command(once: bool) -> None:
    """Deliver the outbox's mail to tasks until stopped (beside, or instead of, the relay
    threads of the web processes)."""
    relay = extensions.relay(current_app)
    if relay is None:
        raise click.UsageError("the outbox relay was not made")
    if once:
        click.echo(f"delivered {relay.run_once()}")
        return
    relay.run_forever()

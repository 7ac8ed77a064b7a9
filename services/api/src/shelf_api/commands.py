"""`shelf-api relay`: the outbox relay as a process of its own (instead of, or beside, the
threads in the web processes)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from . import extensions


@click.command("relay")
@click.option("--once", is_flag=True, help="deliver what is due, then exit")
@with_appcontext
def relay_command(once: bool) -> None:
    """Deliver outbox messages to tasks until stopped."""
    relay = extensions.relay(current_app)
    if once:
        click.echo(f"delivered {relay.run_once()}")
        return
    relay.run_forever()

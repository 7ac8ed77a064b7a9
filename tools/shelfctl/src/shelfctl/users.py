"""`shelfctl user ...`: auth's admin API (/v1/admin/users). Needs an admin's credentials."""

from __future__ import annotations

from typing import Any

import click

from .cli import Context, cli, pass_context
from .errors import Failure
from .output import echo_json, echo_table

PAGE = 200  # the most auth answers at once
HEADERS = ["ID", "USERNAME", "EMAIL", "ADMIN", "ACTIVE", "CREATED", "LAST LOGIN"]


def row(user: dict[str, Any]) -> list[Any]:
    return [
        user.get("id"),
        user.get("username"),
        user.get("email"),
        user.get("is_admin"),
        user.get("is_active"),
        user.get("created_at"),
        user.get("last_login_at"),
    ]


def all_users(context: Context, query: str = "") -> list[dict[str, Any]]:
    users: list[dict[str, Any]] = []
    while True:
        page = context.shelf.json(
            "auth",
            "GET",
            "/v1/admin/users",
            params={"q": query, "limit": PAGE, "offset": len(users)},
        )
        users.extend(page["items"])
        if not page["items"] or len(users) >= page["total"]:
            return users


def find_user(context: Context, who: str) -> dict[str, Any]:
    """A user by username (exactly, then ignoring case) or, failing that, by numeric id."""
    matches = all_users(context, who)
    for same in (lambda u: u["username"] == who, lambda u: u["username"].lower() == who.lower()):
        found = [user for user in matches if same(user)]
        if len(found) == 1:
            return found[0]
    if who.isdigit():
        for user in all_users(context):
            if user["id"] == int(who):
                return user
    raise Failure(f"not found: no user with the username or id {who!r}")


@cli.group()
def user() -> None:
    """Users: create, list, deactivate, promote (auth's admin API; needs an admin)."""


@user.command("list")
@click.option("-q", "--query", default="", help="Only users whose username or email has this.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@pass_context
def list_users(context: Context, query: str, as_json: bool) -> None:
    """Every user (or those matching --query), by id."""
    users = all_users(context, query)
    if as_json:
        echo_json(users)
    else:
        echo_table(HEADERS, [row(u) for u in users])


@user.command()
@click.argument("username")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="The new user's password (asked for when not given).",
)
@click.option("--email", default="", help="Where password reset links go.")
@click.option("--admin", is_flag=True, help="Make the user an administrator.")
@pass_context
def create(context: Context, username: str, password: str, email: str, admin: bool) -> None:
    """Create a user (whether or not sign-up is open)."""
    body: dict[str, Any] = {"username": username, "password": password, "is_admin": admin}
    if email:
        body["email"] = email
    made = context.shelf.json("auth", "POST", "/v1/admin/users", json=body)
    kind = "administrator" if made.get("is_admin") else "user"
    click.echo(f"created {kind} {made['username']!r} (id {made['id']})")


def update(context: Context, who: str, change: dict[str, bool], done: str) -> None:
    found = find_user(context, who)
    changed = context.shelf.json("auth", "PATCH", f"/v1/admin/users/{found['id']}", json=change)
    click.echo(f"user {changed['username']!r} (id {changed['id']}) {done}")


@user.command()
@click.argument("user_ref", metavar="USER")
@pass_context
def deactivate(context: Context, user_ref: str) -> None:
    """Deactivate USER (a username or id): they are logged out and cannot log in."""
    update(context, user_ref, {"is_active": False}, "is deactivated")


@user.command()
@click.argument("user_ref", metavar="USER")
@pass_context
def activate(context: Context, user_ref: str) -> None:
    """Let USER (a username or id) log in again."""
    update(context, user_ref, {"is_active": True}, "is active")


@user.command()
@click.argument("user_ref", metavar="USER")
@pass_context
def promote(context: Context, user_ref: str) -> None:
    """Make USER (a username or id) an administrator."""
    update(context, user_ref, {"is_admin": True}, "is an administrator")


@user.command()
@click.argument("user_ref", metavar="USER")
@pass_context
def demote(context: Context, user_ref: str) -> None:
    """Make USER (a username or id) an ordinary user again."""
    update(context, user_ref, {"is_admin": False}, "is no longer an administrator")

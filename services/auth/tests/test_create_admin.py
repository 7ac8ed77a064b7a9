import os
import select
import subprocess
import sys
import time
from pathlib import Path

from shelf_auth.passwords import verify_password
from shelf_auth.users import find_by_username
from shelf_kit.db import get_database

SHELF_AUTH = Path(sys.executable).parent / "shelf-auth"


def test_creates_an_admin_from_the_environment(app, runner):
    result = runner.invoke(
        args=["create-admin"],
        env={
            "SHELF_ADMIN_USERNAME": "Ada",
            "SHELF_ADMIN_PASSWORD": "correct horse battery",
            "SHELF_ADMIN_EMAIL": "ada@example.org",
        },
    )
    assert result.exit_code == 0, result.output
    assert "Created administrator 'Ada'" in result.output
    with get_database(app).transaction() as session:
        user = find_by_username(session=session, username="ada")
        assert user.is_admin and user.is_active
        assert user.email == "ada@example.org"
        assert user.password_hash.startswith("$argon2id$")
        assert verify_password(user.password_hash, "correct horse battery")
        assert not verify_password(user.password_hash, "wrong horse battery")


def test_running_it_again_changes_nothing(app, runner):
    args = ["create-admin", "--username", "ada", "--password", "correct horse battery"]
    assert runner.invoke(args=args).exit_code == 0
    again = runner.invoke(args=["create-admin", "--username", "ADA", "--password", "another one!!"])
    assert again.exit_code == 0
    assert "already exists" in again.output
    with get_database(app).transaction() as session:
        assert verify_password(
            find_by_username(session=session, username="ada").password_hash, "correct horse battery"
        )


def test_weak_password_is_refused_with_the_reason(app, runner):
    result = runner.invoke(args=["create-admin", "--username", "bob", "--password", "short"])
    assert result.exit_code != 0
    assert "at least 10 characters" in result.output
    with get_database(app).transaction() as session:
        assert find_by_username(session=session, username="bob") is None


def test_without_a_terminal_missing_credentials_name_the_variables(app, runner):
    """A container's start runs it without a terminal: it must say what to set, not hang or
    ask (the issue: "Missing option '--username'" told nobody about SHELF_ADMIN_*)."""
    for env in ({}, {"SHELF_ADMIN_USERNAME": "ada"}, {"SHELF_ADMIN_PASSWORD": "a long one!!"}):
        result = runner.invoke(args=["create-admin"], env=env)
        assert result.exit_code == 1, result.output
        assert "SHELF_ADMIN_USERNAME" in result.output
        assert "SHELF_ADMIN_PASSWORD" in result.output
    with get_database(app).transaction() as session:
        assert find_by_username(session=session, username="ada") is None


def test_an_existing_admin_needs_no_password(app, runner):
    """Run on every start with only the username set, it finds the admin and exits 0."""
    assert (
        runner.invoke(
            args=["create-admin", "--username", "ada", "--password", "correct horse battery"]
        ).exit_code
        == 0
    )
    again = runner.invoke(
        args=["create-admin"], env={"SHELF_ADMIN_USERNAME": "Ada", "SHELF_ADMIN_PASSWORD": "x"}
    )
    assert again.exit_code == 0 and "already exists" in again.output


def test_a_plain_user_of_that_name_is_not_made_an_admin(app, runner, add_user):
    add_user("ada")
    result = runner.invoke(
        args=["create-admin", "--username", "ada", "--password", "correct horse battery"]
    )
    assert result.exit_code == 1 and "is not an administrator" in result.output
    with get_database(app).transaction() as session:
        assert not find_by_username(session=session, username="ada").is_admin


class Terminal:
    """`shelf-auth` run on a real pseudo-terminal: what a person at `docker compose exec`
    sees and types."""

    def __init__(self, args, env):
        self.master, slave = os.openpty()
        self.process = subprocess.Popen(
            [str(SHELF_AUTH), *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            start_new_session=True,
        )
        os.close(slave)
        self.seen = ""

    def expect(self, text, timeout=60.0):
        deadline = time.monotonic() + timeout
        while text not in self.seen:
            left = deadline - time.monotonic()
            assert left > 0, f"never saw {text!r}; the terminal shows {self.seen!r}"
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    self.seen += os.read(self.master, 4096).decode(errors="replace")
                except OSError:  # the process ended and closed the terminal
                    assert text in self.seen, f"ended before {text!r}: {self.seen!r}"

    def type(self, line):
        os.write(self.master, line.encode() + b"\r")

    def close(self):
        try:
            return self.process.wait(timeout=60)
        finally:
            os.close(self.master)


def test_at_a_terminal_it_asks_for_what_is_missing_and_hides_the_password(
    app, database_url, keys_dir
):
    env = {
        **os.environ,
        "SHELF_ENV": "test",
        "SHELF_AUTH_DATABASE_URL": database_url,
        "SHELF_AUTH_KEYS_DIR": str(keys_dir),
        "SHELF_AUTH_ARGON2_MEMORY_COST": "8",
        "SHELF_AUTH_ARGON2_TIME_COST": "1",
        "SHELF_AUTH_ARGON2_PARALLELISM": "1",
    }
    terminal = Terminal(["create-admin"], env)
    try:
        terminal.expect("Username:")
        terminal.type("grace")
        terminal.expect("Password:")
        terminal.type("a secret passphrase")
        terminal.expect("Repeat for confirmation:")
        terminal.type("a secret passphrase")
        terminal.expect("Email (optional):")
        terminal.type("grace@example.org")
        terminal.expect("Created administrator 'grace'.")
    finally:
        exit_code = terminal.close()
    assert exit_code == 0, terminal.seen
    assert "a secret passphrase" not in terminal.seen  # never echoed
    with get_database(app).transaction() as session:
        user = find_by_username(session=session, username="grace")
        assert user.is_admin and user.email == "grace@example.org"
        assert verify_password(user.password_hash, "a secret passphrase")

#!/usr/bin/env python3
"""An installation's own secrets, made once, never overwritten (Python's standard library only).

    deploy/secret_files.py local var/secrets.env
        The secrets `make run` gives every process: the ui's cookie key, each service's client
        secret and auth's list of them. Nothing else in Shelf has a default for these outside
        its tests (SHELF_ENV=test).
    deploy/secret_files.py compose .env
        docker compose's settings: .env.example with every `change-me` made random.
    deploy/secret_files.py exec var/secrets.env -- COMMAND ...
        Runs COMMAND with the file's settings added to the environment; a setting the
        environment already has wins over the file's.

A file that exists is left as it is (the secrets in it are in use: sessions, service tokens and
the database password depend on them); the command says so and succeeds.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = "change-me"
CLIENTS = ("api", "tasks", "ui")  # the services that trade a client secret for service tokens


def random_secret() -> str:
    return secrets.token_hex(32)  # URL-safe, so it can sit in a database URL as is


def local_secrets() -> list[tuple[str, str]]:
    clients = {name: random_secret() for name in CLIENTS}
    return [
        ("SHELF_SECRET_KEY", random_secret()),
        *((f"SHELF_{name.upper()}_CLIENT_SECRET", secret) for name, secret in clients.items()),
        ("SHELF_AUTH_SERVICE_CLIENTS", ",".join(f"{n}:{s}" for n, s in clients.items())),
    ]


def compose_settings() -> str:
    lines = []
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        name, sep, value = line.partition("=")
        if sep and not name.startswith("#") and value == PLACEHOLDER:
            line = f"{name}={random_secret()}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def write_once(path: Path, text: str) -> bool:
    """Write `text` to a new file readable by its owner only; False if the file exists."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)
    return True


def read_settings(path: Path) -> dict[str, str]:
    settings = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        name, sep, value = line.strip().partition("=")
        if sep and name and not name.startswith("#"):
            settings[name] = value
    return settings


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "local":
        path = Path(argv[1])
        header = "# This installation's secrets (deploy/secret_files.py). Keep this file private.\n"
        text = header + "".join(f"{name}={value}\n" for name, value in local_secrets())
        made = write_once(path, text)
        print(f"{'made' if made else 'kept'} the secrets in {path}")
        return 0
    if len(argv) >= 2 and argv[0] == "compose":
        path = Path(argv[1])
        if not write_once(path, compose_settings()):
            print(f"{path} exists: left as it is")
            return 0
        admin = read_settings(path)
        print(
            f"wrote {path} with random secrets. The first administrator is "
            f"{admin.get('SHELF_ADMIN_USERNAME')!r}, password {admin.get('SHELF_ADMIN_PASSWORD')}"
            f" (SHELF_ADMIN_PASSWORD in {path}; change it in Settings after logging in)."
        )
        return 0
    if len(argv) >= 4 and argv[0] == "exec" and argv[2] == "--":
        environment = {**read_settings(Path(argv[1])), **os.environ}
        os.execvpe(argv[3], argv[3:], environment)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""People and credentials on a running system, for the authorization, fuzzing and fault tests:
admins, users an admin makes over HTTP, their access tokens, API keys, ui sessions, and service
tokens (the dev client secrets SHELF_ENV=test keeps).

Each running system's first admin is made with auth's management command, as an operator makes
one; every later admin is made by that first one over auth's admin API. A management command is
a Python process that imports auth (about 1.5 s of CPU, more on a loaded machine); the suites
asked for over 80 admins a run.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Protocol
from weakref import WeakKeyDictionary

import requests

from shelf_system import ShelfSystem

TIMEOUT = (2, 10)
PASSWORD = "a long test passphrase"
# The client secrets every service has by default outside production (SHELF_ENV=test).
SERVICE_SECRETS = {"api": "dev-api-secret", "tasks": "dev-tasks-secret"}


@dataclass
class Person:
    username: str
    user_id: int
    access_token: str
    refresh_token: str
    is_admin: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.access_token)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def log_in(system: ShelfSystem, username: str, password: str = PASSWORD) -> Person:
    response = requests.post(
        system.urls["auth"] + "/v1/sessions",
        timeout=TIMEOUT,
        json={"username": username, "password": password},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return Person(
        username=username,
        user_id=body["user"]["id"],
        access_token=body["access_token"],
        refresh_token=body["refresh_token"],
        is_admin=bool(body["user"].get("is_admin")),
    )


# The first admin's username on each running system (see the module's docstring).
_FIRST_ADMINS: WeakKeyDictionary[ShelfSystem, str] = WeakKeyDictionary()


def first_admin(system: ShelfSystem) -> Person:
    """The system's first admin, made with auth's management command on the first call."""
    username = _FIRST_ADMINS.get(system)
    if username is None:
        username = unique("first-admin")
        system.command("auth", "create-admin", "--username", username, "--password", PASSWORD)
        _FIRST_ADMINS[system] = username
    return log_in(system, username)


def create_user(system: ShelfSystem, admin: Credentialed, **fields) -> dict:
    """A user `admin` makes over auth's admin API (fields: username, password, email,
    is_admin); auth's answer."""
    created = requests.post(
        system.urls["auth"] + "/v1/admin/users",
        timeout=TIMEOUT,
        headers=admin.headers,
        json={"password": PASSWORD, **fields},
    )
    assert created.status_code == 201, created.text
    return created.json()


def make_admin(system: ShelfSystem) -> Person:
    """A new admin, logged in."""
    username = unique("admin")
    create_user(system, first_admin(system), username=username, is_admin=True)
    return log_in(system, username)


def make_user(system: ShelfSystem, admin: Credentialed, prefix: str = "user") -> Person:
    """A user the admin creates over HTTP, logged in."""
    username = unique(prefix)
    create_user(system, admin, username=username)
    return log_in(system, username)


class Credentialed(Protocol):
    """Anyone a test acts as: a Person here, or ui_pages' Account."""

    @property
    def headers(self) -> dict[str, str]: ...


def api_key(system: ShelfSystem, person: Credentialed) -> str:
    """A new linkding-style API key for `person` (replacing any older one)."""
    made = requests.post(
        system.urls["auth"] + "/v1/api-key", headers=person.headers, timeout=TIMEOUT
    )
    assert made.status_code == 201, made.text
    return made.json()["key"]


def service_token(
    system: ShelfSystem, client_id: str = "tasks", audience: str | None = None
) -> str:
    """A service token (client credentials) of `client_id` ("api" or "tasks") for the service
    `audience` ("auth", "api", "tasks"); without one, for every service the client calls."""
    body = {"client_id": client_id, "client_secret": SERVICE_SECRETS[client_id]}
    if audience is not None:
        body["audience"] = audience
    answer = requests.post(system.urls["auth"] + "/v1/service-tokens", timeout=TIMEOUT, json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


CSRF_FIELD = re.compile(
    r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"'
)


def csrf_token(html: str) -> str:
    found = CSRF_FIELD.search(html)
    assert found, "no csrf_token field on the page"
    return found.group(1) or found.group(2)


def ui_session(system: ShelfSystem, username: str, password: str = PASSWORD) -> requests.Session:
    """A browser-like session logged in to the ui through its login form (CSRF included)."""
    browser = requests.Session()
    page = browser.get(system.urls["ui"] + "/login", timeout=TIMEOUT)
    assert page.status_code == 200, page.text[:500]
    answer = browser.post(
        system.urls["ui"] + "/login",
        timeout=TIMEOUT,
        allow_redirects=False,
        data={"username": username, "password": password, "csrf_token": csrf_token(page.text)},
    )
    assert answer.status_code == 302, answer.text[:500]
    return browser

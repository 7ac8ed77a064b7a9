"""People and credentials on a running system, for the authorization, fuzzing and fault tests:
an admin (made with the management command), users the admin makes over HTTP, their access
tokens, API keys, ui sessions, and service tokens (the dev client secrets SHELF_ENV=test keeps).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Protocol

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


def make_admin(system: ShelfSystem) -> Person:
    username = unique("admin")
    system.command("auth", "create-admin", "--username", username, "--password", PASSWORD)
    return log_in(system, username)


def make_user(system: ShelfSystem, admin: Person, prefix: str = "user") -> Person:
    """A user the admin creates over HTTP, logged in."""
    username = unique(prefix)
    created = requests.post(
        system.urls["auth"] + "/v1/admin/users",
        timeout=TIMEOUT,
        headers=admin.headers,
        json={"username": username, "password": PASSWORD},
    )
    assert created.status_code == 201, created.text
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

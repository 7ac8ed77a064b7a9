"""Identity across the running system: tokens auth issues open api without api asking auth
each time, API keys resolve through auth, service-only routes refuse users, and a signing key
rotated in while everything runs is accepted beside the old one."""

from __future__ import annotations

import base64
import json
import time
import uuid

import pytest
import requests

from shelf_system import ShelfSystem

TIMEOUT = (2, 10)
PASSWORD = "a long test passphrase"


def kid_of(token: str) -> str:
    header = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"]


def log_in(system: ShelfSystem, username: str, password: str = PASSWORD) -> dict:
    response = requests.post(
        system.urls["auth"] + "/v1/sessions",
        timeout=TIMEOUT,
        json={"username": username, "password": password},
    )
    assert response.status_code == 201, response.text
    return response.json()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def auth_calls(system: ShelfSystem, path: str) -> int:
    """How many requests auth has answered on `path` (from its JSON request log)."""
    return sum(1 for entry in system.json_logs("auth") if entry.get("path") == path)


@pytest.fixture(scope="module")
def people(shelf_system: ShelfSystem) -> dict[str, dict]:
    """An admin made with the management command, and a user the admin made over HTTP."""
    suffix = uuid.uuid4().hex[:6]
    admin_name, reader_name = f"admin{suffix}", f"reader{suffix}"
    shelf_system.command("auth", "create-admin", "--username", admin_name, "--password", PASSWORD)
    admin = log_in(shelf_system, admin_name)
    created = requests.post(
        shelf_system.urls["auth"] + "/v1/admin/users",
        timeout=TIMEOUT,
        headers=bearer(admin["access_token"]),
        json={"username": reader_name, "password": PASSWORD},
    )
    assert created.status_code == 201, created.text
    return {"admin": admin, "reader": log_in(shelf_system, reader_name)}


def test_api_verifies_access_tokens_without_asking_auth_each_time(shelf_system, people):
    token = people["reader"]["access_token"]
    before = auth_calls(shelf_system, "/.well-known/jwks.json")
    introspections = auth_calls(shelf_system, "/v1/api-keys/introspect")
    for _ in range(30):
        response = requests.get(
            shelf_system.urls["api"] + "/api/bookmarks/", headers=bearer(token), timeout=TIMEOUT
        )
        assert response.status_code == 200, response.text
        assert response.json()["results"] == []
    # At most one JWKS fetch per api worker (2), however many requests: none per request.
    # api fetches the JWKS within the request that needs it, and auth logs a request before
    # answering it: every fetch is in auth's log by now.
    assert auth_calls(shelf_system, "/.well-known/jwks.json") - before <= 2
    assert auth_calls(shelf_system, "/v1/api-keys/introspect") == introspections


def test_api_refuses_missing_and_forged_credentials_in_linkdings_shape(shelf_system, people):
    url = shelf_system.urls["api"] + "/api/bookmarks/"
    missing = requests.get(url, timeout=TIMEOUT)
    assert missing.status_code == 401
    assert set(missing.json()) == {"detail"}
    token = people["reader"]["access_token"]
    header, payload, signature = token.split(".")
    forged_payload = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged_payload["is_admin"] = True
    forged = base64.urlsafe_b64encode(json.dumps(forged_payload).encode()).rstrip(b"=").decode()
    tampered = requests.get(url, headers=bearer(f"{header}.{forged}.{signature}"), timeout=TIMEOUT)
    assert tampered.status_code == 401


def test_an_api_key_from_auth_opens_api(shelf_system, people):
    made = requests.post(
        shelf_system.urls["auth"] + "/v1/api-key",
        timeout=TIMEOUT,
        headers=bearer(people["reader"]["access_token"]),
    )
    assert made.status_code == 201, made.text
    key = made.json()["key"]
    headers = {"Authorization": f"Token {key}"}
    created = requests.post(
        shelf_system.urls["api"] + "/api/bookmarks/",
        headers=headers,
        json={"url": "https://example.org/identity"},
        timeout=TIMEOUT,
    )
    assert created.status_code == 201, created.text
    listed = requests.get(
        shelf_system.urls["api"] + "/api/bookmarks/", headers=headers, timeout=TIMEOUT
    )
    assert [b["url"] for b in listed.json()["results"]] == ["https://example.org/identity"]
    wrong = requests.get(
        shelf_system.urls["api"] + "/api/bookmarks/",
        timeout=TIMEOUT,
        headers={"Authorization": "Token " + "0" * 40},
    )
    assert wrong.status_code == 401


def test_users_are_refused_on_service_only_routes(shelf_system, people):
    admin = bearer(people["admin"]["access_token"])
    internal = requests.get(
        shelf_system.urls["api"] + "/v1/internal/bookmarks", headers=admin, timeout=TIMEOUT
    )
    assert internal.status_code == 403
    introspect = requests.post(
        shelf_system.urls["auth"] + "/v1/api-keys/introspect",
        headers=admin,
        json={"key": "0" * 40},
        timeout=TIMEOUT,
    )
    assert introspect.status_code == 403


def test_a_key_rotated_in_while_running_is_accepted_beside_the_old_one(shelf_system, people):
    old_token = people["reader"]["access_token"]
    old_kid = kid_of(old_token)
    shelf_system.command("auth", "keys", "generate")
    deadline = time.monotonic() + 15
    while True:  # auth starts signing with the new key once every worker has published it
        fresh = log_in(shelf_system, people["reader"]["user"]["username"])
        if kid_of(fresh["access_token"]) != old_kid:
            break
        assert time.monotonic() < deadline, "auth never started signing with the new key"
        time.sleep(0.5)
    kids = {
        key["kid"]
        for key in requests.get(
            shelf_system.urls["auth"] + "/.well-known/jwks.json", timeout=TIMEOUT
        ).json()["keys"]
    }
    assert {old_kid, kid_of(fresh["access_token"])} <= kids
    url = shelf_system.urls["api"] + "/api/bookmarks/"
    deadline = time.monotonic() + 10
    while True:  # api refetches the JWKS for an unknown key id (at most every 2 s per worker)
        answer = requests.get(url, headers=bearer(fresh["access_token"]), timeout=TIMEOUT)
        if answer.status_code == 200:
            break
        assert time.monotonic() < deadline, answer.text
        time.sleep(0.5)
    for token in (old_token, fresh["access_token"]):
        for _ in range(4):  # both api workers
            assert requests.get(url, headers=bearer(token), timeout=TIMEOUT).status_code == 200

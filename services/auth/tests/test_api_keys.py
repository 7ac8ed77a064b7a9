"""API keys: shown once, regenerable, resolved for services by introspection."""

import re

import jwt
from helpers import bearer, problem

from shelf_auth.models import ApiKey, User
from shelf_kit.db import get_database


def introspect(client, service_token, key):
    answer = client.post(
        "/v1/api-keys/introspect", headers=bearer(service_token), json={"key": key}
    )
    assert answer.status_code == 200
    return answer.get_json()


def test_no_key_until_one_is_made(client, user_token):
    answer = client.get("/v1/api-key", headers=bearer(user_token))
    assert answer.get_json() == {"exists": False, "created_at": None, "last4": None}


def test_the_key_is_shown_once_and_stored_hashed(app, client, user_token):
    made = client.post("/v1/api-key", headers=bearer(user_token))
    assert made.status_code == 201
    key = made.get_json()["key"]
    assert re.fullmatch(r"[0-9a-f]{40}", key)
    shown = client.get("/v1/api-key", headers=bearer(user_token)).get_json()
    assert shown["exists"] is True and shown["last4"] == key[-4:]
    assert shown["created_at"] == made.get_json()["created_at"]
    assert "key" not in shown
    with get_database(app).transaction() as session:
        (row,) = session.query(ApiKey).all()
        assert key not in (row.key_hash, row.last4) and len(row.key_hash) == 64


def test_introspection_resolves_a_key_to_its_user(client, user_token, service_token):
    key = client.post("/v1/api-key", headers=bearer(user_token)).get_json()["key"]
    body = introspect(client, service_token, key)
    user_id = int(jwt.decode(user_token, options={"verify_signature": False})["sub"])
    assert body == {
        "active": True,
        "user": {"id": user_id, "username": "ada", "is_admin": False, "is_active": True},
    }


def test_regenerating_invalidates_the_old_key(client, user_token, service_token):
    old = client.post("/v1/api-key", headers=bearer(user_token)).get_json()["key"]
    new = client.post("/v1/api-key", headers=bearer(user_token)).get_json()["key"]
    assert new != old
    assert introspect(client, service_token, old) == {"active": False}
    assert introspect(client, service_token, new)["active"] is True


def test_unknown_malformed_and_inactive_keys_are_not_active(app, client, user_token, service_token):
    key = client.post("/v1/api-key", headers=bearer(user_token)).get_json()["key"]
    assert introspect(client, service_token, "0" * 40) == {"active": False}
    assert introspect(client, service_token, "not a key") == {"active": False}
    with get_database(app).transaction() as session:
        session.query(User).filter_by(username="ada").one().is_active = False
    assert introspect(client, service_token, key) == {"active": False}


def test_introspection_is_for_services_only(client, user_token):
    key = client.post("/v1/api-key", headers=bearer(user_token)).get_json()["key"]
    assert problem(
        client.post("/v1/api-keys/introspect", json={"key": key}, headers=bearer(user_token)), 403
    )
    assert problem(client.post("/v1/api-keys/introspect", json={"key": key}), 401)


def test_an_api_key_is_not_an_access_token(client, user_token):
    key = client.post("/v1/api-key", headers=bearer(user_token)).get_json()["key"]
    assert problem(client.get("/v1/users/me", headers=bearer(key)), 401)

"""What shelf-identity asks auth (a service token, the JWKS, API-key introspection, the
revocation feed) and what the stand-in auth answers are what auth's published document
(services/auth/openapi.json) says: the stand-in, given that document, checks each request and
each of its answers, so a change to auth's document that breaks this library, or makes the
stand-in lie about auth, fails here."""

from pathlib import Path

import pytest

from conftest import build_service
from shelf_identity.testing import StandInAuth
from shelf_kit.contracts import Contract

AUTH = Contract.load(Path(__file__).resolve().parents[3] / "services" / "auth" / "openapi.json")
KEY = "a" * 40


@pytest.fixture
def auth():
    with StandInAuth({"api": "s3cret"}, contract=AUTH) as stand_in:
        yield stand_in


def test_the_calls_shelf_identity_makes_and_their_answers_are_in_auths_contract(auth):
    auth.api_keys[KEY] = {"id": 5, "username": "ann", "is_admin": False, "is_active": True}
    client = build_service(auth.url, revocation_refresh_seconds=0).test_client()
    assert client.get("/v1/me", headers={"Authorization": f"Token {KEY}"}).get_json() == {
        "kind": "user",
        "user_id": 5,
        "via": "api_key",
    }
    assert client.get("/v1/me", headers={"Authorization": "Token " + "b" * 40}).status_code == 401
    bearer = {"Authorization": f"Bearer {auth.user_token(7)}"}
    assert client.get("/v1/me", headers=bearer).status_code == 200
    auth.revoke_user(7)
    assert client.get("/v1/me", headers=bearer).status_code == 401
    asked = {name for name, count in auth.calls.items() if count}
    assert asked >= {"jwks", "service-tokens", "introspect", "revocations"}
    assert auth.problems == []


def test_a_call_auths_document_does_not_take_is_reported(auth):
    """The check has teeth: an introspection asked the wrong way, and without a service
    token, is what auth's document refuses."""
    client = auth.app.test_client()
    assert client.post("/v1/api-keys/introspect", json={"api_key": KEY}).status_code == 401
    assert auth.problems == [
        "POST /v1/api-keys/introspect: body: 'key' is a required property",
        "POST /v1/api-keys/introspect: body: Additional properties are not allowed "
        "('api_key' was unexpected)",
        "POST /v1/api-keys/introspect: credentials: none that the provider accepts (it takes "
        "bearer)",
    ]


def test_a_login_gives_real_tokens_that_identify_refuses_once_revoked(auth):
    """The ui's side: a login answers as auth's document says, with a JWT the api and tasks
    stand-ins accept through `identify`, until its session, its user's tokens or its user
    are ended."""
    auth.add_user("ann", "ann-password", "ann@example.org")
    client = auth.app.test_client()
    login = client.post("/v1/sessions", json={"username": "ann", "password": "ann-password"})
    assert login.status_code == 201
    tokens = login.get_json()
    bearer = f"Bearer {tokens['access_token']}"
    assert auth.identify(bearer)["username"] == "ann"
    assert client.get("/v1/users/me", headers={"Authorization": bearer}).get_json()["id"] == 1
    assert auth.identify(None) is None and auth.identify("Bearer nonsense") is None
    assert auth.identify(f"Bearer {auth.service_token('api')}") is None  # a user's, only
    renewed = client.post(
        "/v1/sessions/refresh", json={"refresh_token": tokens["refresh_token"]}
    ).get_json()
    assert auth.identify(f"Bearer {renewed['access_token']}") is not None
    client.post("/v1/sessions/logout", json={"refresh_token": renewed["refresh_token"]})
    assert auth.identify(f"Bearer {renewed['access_token']}") is None  # its session ended
    again = client.post("/v1/sessions/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert again.status_code == 401  # a refresh token is traded once
    fresh = f"Bearer {auth.issue(1)['access_token']}"
    auth.revoke_user(1)
    assert auth.identify(fresh) is None
    fresh = f"Bearer {auth.issue(1)['access_token']}"
    auth.accounts[1].is_active = False
    assert auth.identify(fresh) is None
    assert auth.problems == []

"""The stand-in auth refuses what the real one refuses, so tests built on it can fail."""

import json
import urllib.error
import urllib.request

import jwt
import pytest

from shelf_identity.testing import StandInAuth


def post(url, body, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_service_tokens_only_for_a_known_client_with_its_secret(auth):
    status, body = post(
        auth.url + "/v1/service-tokens", {"client_id": "api", "client_secret": "s3cret"}
    )
    assert status == 200
    assert auth.verify(body["access_token"])["client_id"] == "api"
    for wrong in (
        {"client_id": "api", "client_secret": "dev-api-secret"},
        {"client_id": "tasks", "client_secret": "s3cret"},
        {},
    ):
        assert post(auth.url + "/v1/service-tokens", wrong)[0] == 401
    assert auth.calls["service-tokens"] == 4


def test_introspection_only_for_a_service_token(auth):
    auth.api_keys["k" * 40] = {"id": 3, "username": "cy", "is_admin": False, "is_active": True}
    url = auth.url + "/v1/api-keys/introspect"
    assert post(url, {"key": "k" * 40}, auth.service_token("api")) == (
        200,
        {"active": True, "user": auth.api_keys["k" * 40]},
    )
    assert post(url, {"key": "x" * 40}, auth.service_token("api")) == (200, {"active": False})
    assert post(url, {"key": "k" * 40}, auth.user_token(1, is_admin=True))[0] == 403
    assert post(url, {"key": "k" * 40})[0] == 401
    assert auth.calls["introspect"] == 4


def test_unpublished_keys_stay_out_of_the_jwks_and_tokens_say_who():
    stand_in = StandInAuth()
    stand_in.add_key("k2", current=False, publish=False)
    assert [key["kid"] for key in stand_in.jwks()["keys"]] == ["k1"]
    claims = stand_in.verify(stand_in.user_token(9, "nine", is_admin=True))
    assert (claims["sub"], claims["username"], claims["is_admin"]) == ("9", "nine", True)
    assert stand_in.clients == {"api": "dev-api-secret"}
    with pytest.raises(jwt.ExpiredSignatureError):
        stand_in.verify(stand_in.user_token(9, kid="k2", lifetime=-120))

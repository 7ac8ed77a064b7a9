"""auth's own verification of the access tokens it issued (Authorization: Bearer)."""

from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from helpers import bearer, problem

from shelf_auth import tokens
from shelf_auth.keys import get_key_ring
from shelf_auth.models import User
from shelf_kit.db import get_database


def refused(response, detail):
    body = problem(response, 401)
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert body["detail"] == detail


def test_no_token_is_refused(client):
    refused(client.get("/v1/users/me"), "Send an access token: Authorization: Bearer <token>.")


@pytest.mark.parametrize("header", ["Basic YWRhOnB3", "Bearer", "Token 0123", "bearer  "])
def test_other_kinds_of_authorization_are_refused(client, header):
    assert problem(client.get("/v1/users/me", headers={"Authorization": header}), 401)


def test_a_valid_token_identifies_its_user(client, user_token):
    answer = client.get("/v1/users/me", headers=bearer(user_token))
    assert answer.status_code == 200
    assert answer.get_json()["username"] == "ada"


def test_expired_token_is_refused(app, client, add_user):
    user_id = add_user("ada")
    with app.app_context(), get_database(app).transaction() as session:
        user = session.get(User, user_id)
        token = tokens.user_token(user, "a-session", now=datetime.now(UTC) - timedelta(hours=1))
    refused(client.get("/v1/users/me", headers=bearer(token)), "The token has expired.")


def test_tampered_token_is_refused(app, client, user_token):
    header, _payload, signature = user_token.split(".")
    claims = jwt.decode(user_token, options={"verify_signature": False})
    forged = jwt.utils.base64url_encode(
        jwt.api_jws.json.dumps({**claims, "is_admin": True}).encode()
    ).decode()
    refused(
        client.get("/v1/users/me", headers=bearer(f"{header}.{forged}.{signature}")),
        "The token is not valid.",
    )


def test_token_signed_by_an_unknown_key_is_refused(app, client, add_user):
    user_id = add_user("ada")
    stranger = ec.generate_private_key(ec.SECP256R1())
    claims = {
        "iss": "shelf-auth",
        "aud": "shelf",
        "sub": str(user_id),
        "scope": "user",
        "iat": int(datetime.now(UTC).timestamp()),
        "jti": "x",
        "exp": int((datetime.now(UTC) + timedelta(minutes=5)).timestamp()),
    }
    unknown_kid = jwt.encode(claims, stranger, algorithm="ES256", headers={"kid": "stranger"})
    refused(
        client.get("/v1/users/me", headers=bearer(unknown_kid)),
        "The token was signed by an unknown key.",
    )
    with app.app_context():
        known_kid = get_key_ring().signing_key().kid
    impostor = jwt.encode(claims, stranger, algorithm="ES256", headers={"kid": known_kid})
    refused(client.get("/v1/users/me", headers=bearer(impostor)), "The token is not valid.")


def test_token_for_another_audience_is_refused(app, client, add_user):
    user_id = add_user("ada")
    with app.app_context():
        token = tokens.sign({"sub": str(user_id), "scope": "user", "aud": "elsewhere"})
    refused(client.get("/v1/users/me", headers=bearer(token)), "This token is for another service.")


def test_deactivated_users_token_is_refused_at_once(app, client, add_user, user_token):
    with get_database(app).transaction() as session:
        session.query(User).filter_by(username="ada").one().is_active = False
    refused(client.get("/v1/users/me", headers=bearer(user_token)), "This account is disabled.")


def test_deleted_users_token_is_refused(app, client, user_token):
    with get_database(app).transaction() as session:
        session.delete(session.query(User).filter_by(username="ada").one())
    refused(
        client.get("/v1/users/me", headers=bearer(user_token)), "The token's user no longer exists."
    )


def test_a_service_token_is_not_a_user(client, service_token):
    body = problem(client.get("/v1/users/me", headers=bearer(service_token)), 403)
    assert body["detail"] == "This needs a user's token, not a service's."


def test_a_user_token_cannot_call_service_only_endpoints(client, user_token):
    for path, payload in (
        ("/v1/api-keys/introspect", {"key": "0" * 40}),
        ("/v1/maintenance/purge", None),
    ):
        body = problem(client.post(path, json=payload, headers=bearer(user_token)), 403)
        assert body["detail"] == "Only Shelf's services may do this."


def test_an_admin_token_cannot_call_service_only_endpoints_either(client, admin_token):
    assert problem(client.post("/v1/maintenance/purge", headers=bearer(admin_token)), 403)


def test_a_missing_token_is_refused_before_the_body_is_checked(client):
    assert problem(client.post("/v1/api-keys/introspect", json={}), 401)

"""Service tokens: client credentials from SHELF_AUTH_SERVICE_CLIENTS."""

import jwt
import pytest
from helpers import bearer, problem

from shelf_auth.keys import get_key_ring
from shelf_auth.service_clients import parse_clients
from shelf_kit import ConfigError


def test_a_service_trades_its_credentials_for_a_service_token(app, client):
    answer = client.post("/v1/service-tokens",
                         json={"client_id": "tasks", "client_secret": "dev-tasks-secret"})
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    kid = jwt.get_unverified_header(body["access_token"])["kid"]
    with app.app_context():
        public = get_key_ring().get(kid).public
    claims = jwt.decode(body["access_token"], public, algorithms=["ES256"], audience="shelf",
                        issuer="shelf-auth")
    assert claims["sub"] == "service:tasks" and claims["scope"] == "service"
    assert claims["client_id"] == "tasks" and claims["is_admin"] is False


@pytest.mark.parametrize("client_id, secret", [
    ("tasks", "wrong"), ("nobody", "dev-tasks-secret"), ("api", "dev-tasks-secret")])
def test_wrong_credentials_are_refused(client, client_id, secret):
    answer = client.post("/v1/service-tokens", json={"client_id": client_id,
                                                     "client_secret": secret})
    assert problem(answer, 401)["detail"] == "Unknown client id or wrong secret."
    assert answer.headers["WWW-Authenticate"] == "Bearer"


def test_clients_come_from_the_setting(make_app):
    client = make_app(SHELF_AUTH_SERVICE_CLIENTS="api:s3cret, worker:0ther").test_client()
    ok = client.post("/v1/service-tokens", json={"client_id": "worker", "client_secret": "0ther"})
    assert ok.status_code == 200
    assert client.post("/v1/service-tokens", json={"client_id": "tasks",
                       "client_secret": "dev-tasks-secret"}).status_code == 401


def test_production_needs_the_setting(monkeypatch, tmp_path):
    from shelf_auth import create_app

    monkeypatch.setenv("SHELF_ENV", "production")
    with pytest.raises(ConfigError, match="SHELF_AUTH_SERVICE_CLIENTS must be set"):
        create_app(require_signing_key=False)


@pytest.mark.parametrize("value", ["api", "api:", ":secret", "api:a,api:b"])
def test_malformed_clients_are_a_clear_error(value):
    with pytest.raises(ConfigError, match="SHELF_AUTH_SERVICE_CLIENTS"):
        parse_clients(value)


def test_a_service_token_opens_service_only_endpoints(client, service_token):
    answer = client.post("/v1/maintenance/purge", headers=bearer(service_token))
    assert answer.status_code == 200

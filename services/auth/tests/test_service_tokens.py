"""Service tokens: client credentials from SHELF_AUTH_SERVICE_CLIENTS, each token for one
service the client may call (SHELF_AUTH_SERVICE_AUDIENCES), and only for that one."""

import jwt
import pytest
from helpers import bearer, problem

from shelf_auth.keys import get_key_ring
from shelf_auth.service_clients import parse_audiences, parse_clients
from shelf_kit import ConfigError

UI = {"SHELF_AUTH_SERVICE_CLIENTS": "api:dev-api-secret,tasks:dev-tasks-secret,ui:dev-ui-secret"}


def token_for(client, client_id, audience=None, secret=None):
    body = {"client_id": client_id, "client_secret": secret or f"dev-{client_id}-secret"}
    if audience is not None:
        body["audience"] = audience
    return client.post("/v1/service-tokens", json=body)


def verified(app, token, audience):
    kid = jwt.get_unverified_header(token)["kid"]
    with app.app_context():
        public = get_key_ring().get(kid).public
    return jwt.decode(token, public, algorithms=["ES256"], audience=audience, issuer="shelf-auth")


def test_a_service_trades_its_credentials_for_a_token_for_one_service(app, client):
    answer = token_for(client, "tasks", "api")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    claims = verified(app, body["access_token"], "api")
    assert claims["aud"] == "api"
    assert claims["sub"] == "service:tasks" and claims["scope"] == "service"
    assert claims["client_id"] == "tasks" and claims["is_admin"] is False


@pytest.mark.parametrize(
    "client_id, audience",
    [
        ("api", "api"),
        ("api", "ui"),
        ("tasks", "tasks"),
        ("tasks", "nowhere"),
        ("ui", "api"),
        ("ui", "tasks"),
        ("ui", "auth"),
        ("ui", None),
    ],
)
def test_a_client_gets_tokens_only_for_the_services_it_calls(make_app, client_id, audience):
    """The ui calls no service with a service token, so its secret buys none (C9)."""
    client = make_app(**UI).test_client()
    answer = token_for(client, client_id, audience)
    assert "SHELF_AUTH_SERVICE_AUDIENCES" in problem(answer, 403)["detail"]


def test_a_token_for_another_service_is_refused_at_auth(client):
    """api's token for tasks opens nothing at auth: not its service-only routes, nor the
    admin ones (a user's token would be needed there anyway)."""
    for_tasks = bearer(token_for(client, "api", "tasks").get_json()["access_token"])
    for method, path in (
        ("post", "/v1/api-keys/introspect"),
        ("post", "/v1/maintenance/purge"),
        ("get", "/v1/revocations"),
        ("get", "/v1/admin/users"),
    ):
        answer = getattr(client, method)(path, headers=for_tasks, json={"key": "0" * 40})
        assert problem(answer, 401)["detail"] == "This token is for another service.", path
    for_auth = bearer(token_for(client, "api", "auth").get_json()["access_token"])
    assert (
        client.post("/v1/api-keys/introspect", headers=for_auth, json={"key": "0" * 40}).status_code
        == 200
    )
    assert problem(client.get("/v1/admin/users", headers=for_auth), 403)


def test_without_an_audience_a_token_names_every_service_the_client_calls(app, client):
    """Clients older than auth 0.5 send no audience: their token still works where they call,
    and nowhere else."""
    token = token_for(client, "api").get_json()["access_token"]
    assert verified(app, token, "auth")["aud"] == ["shelf", "auth", "tasks"]


@pytest.mark.parametrize(
    "client_id, secret",
    [("tasks", "wrong"), ("nobody", "dev-tasks-secret"), ("api", "dev-tasks-secret")],
)
def test_wrong_credentials_are_refused(client, client_id, secret):
    answer = client.post(
        "/v1/service-tokens", json={"client_id": client_id, "client_secret": secret}
    )
    assert problem(answer, 401)["detail"] == "Unknown client id or wrong secret."
    assert answer.headers["WWW-Authenticate"] == "Bearer"


def test_clients_come_from_the_setting(make_app):
    client = make_app(
        SHELF_AUTH_SERVICE_CLIENTS="api:s3cret, worker:0ther",
        SHELF_AUTH_SERVICE_AUDIENCES="worker:api",
    ).test_client()
    assert token_for(client, "worker", "api", "0ther").status_code == 200
    assert problem(token_for(client, "worker", "tasks", "0ther"), 403)
    assert problem(token_for(client, "api", "auth", "s3cret"), 403)  # no audiences for api
    assert token_for(client, "tasks", "api").status_code == 401


def test_production_needs_the_setting(monkeypatch, tmp_path):
    from shelf_auth import create_app

    monkeypatch.setenv("SHELF_ENV", "production")
    with pytest.raises(ConfigError, match="SHELF_AUTH_SERVICE_CLIENTS must be set"):
        create_app(require_signing_key=False)


@pytest.mark.parametrize("value", ["api", "api:", ":secret", "api:a,api:b"])
def test_malformed_clients_are_a_clear_error(value):
    with pytest.raises(ConfigError, match="SHELF_AUTH_SERVICE_CLIENTS"):
        parse_clients(value)


@pytest.mark.parametrize("value", ["api", "api:", "api:auth+elsewhere", "api:auth,api:tasks"])
def test_malformed_audiences_are_a_clear_error(value):
    with pytest.raises(ConfigError, match="SHELF_AUTH_SERVICE_AUDIENCES"):
        parse_audiences(value)


def test_a_service_token_opens_service_only_endpoints(client, service_token):
    answer = client.post("/v1/maintenance/purge", headers=bearer(service_token))
    assert answer.status_code == 200

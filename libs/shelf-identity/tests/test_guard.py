"""Who gets in, who does not, and what each refusal says."""

import pytest

from shelf_identity import ServiceTokenAuth


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_probes_and_the_openapi_document_are_open(client):
    assert client.get("/healthz").status_code == 200
    assert client.get("/openapi.json").status_code == 200
    assert client.get("/v1/open").status_code == 200


def test_no_credentials_is_401_problem_with_challenge(client):
    response = client.get("/v1/me")
    assert response.status_code == 401
    assert response.content_type == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/metrics").status_code == 401


def test_valid_user_token_is_accepted_without_asking_auth_each_time(client, auth):
    token = auth.user_token(7)
    for _ in range(5):
        response = client.get("/v1/me", headers=bearer(token))
        assert response.status_code == 200
        assert response.get_json() == {"kind": "user", "user_id": 7, "via": "token"}
    assert auth.calls["jwks"] == 1


def test_known_key_still_verifies_while_auth_is_down(client, auth):
    token = auth.user_token(7)
    assert client.get("/v1/me", headers=bearer(token)).status_code == 200
    auth.stop()
    assert client.get("/v1/me", headers=bearer(auth.user_token(8))).status_code == 200


def test_expired_token_is_refused(client, auth):
    response = client.get("/v1/me", headers=bearer(auth.user_token(7, lifetime=-120)))
    assert response.status_code == 401
    assert "expired" in response.get_json()["detail"]


def test_tampered_token_is_refused(client, auth):
    header, _payload, signature = auth.user_token(7).split(".")
    forged = auth.user_token(1, is_admin=True).split(".")[1]
    response = client.get("/v1/me", headers=bearer(f"{header}.{forged[:-2]}xx.{signature}"))
    assert response.status_code == 401


def test_token_from_an_unknown_key_is_refused_after_one_refetch(client, auth):
    auth.add_key("rogue", current=False, publish=False)
    assert client.get("/v1/me", headers=bearer(auth.user_token(7))).status_code == 200
    response = client.get("/v1/me", headers=bearer(auth.user_token(7, kid="rogue")))
    assert response.status_code == 401
    assert "unknown key" in response.get_json()["detail"]


def test_rotated_key_is_picked_up_without_restart(auth):
    from conftest import build_service

    app = build_service(auth.url)
    app.extensions["shelf_identity"].key_source.min_refetch_seconds = 0
    client = app.test_client()
    old = auth.user_token(7)
    assert client.get("/v1/me", headers=bearer(old)).status_code == 200
    auth.add_key("k2")  # auth rotates: k2 signs from now on, k1 still published
    new = auth.user_token(7)
    assert client.get("/v1/me", headers=bearer(new)).status_code == 200
    assert client.get("/v1/me", headers=bearer(old)).status_code == 200
    assert auth.calls["jwks"] == 2


def test_api_key_resolves_through_introspection_with_a_service_token(client, auth):
    auth.api_keys["a" * 40] = {"id": 5, "username": "ann", "is_admin": False, "is_active": True}
    headers = {"Authorization": "Token " + "a" * 40}
    for _ in range(3):
        response = client.get("/v1/me", headers=headers)
        assert response.get_json() == {"kind": "user", "user_id": 5, "via": "api_key"}
    assert auth.calls["introspect"] == 1
    assert auth.calls["service-tokens"] == 1


def test_unknown_api_key_is_refused(client, auth):
    response = client.get("/v1/me", headers={"Authorization": "Token " + "b" * 40})
    assert response.status_code == 401


def test_api_key_when_auth_is_down_is_503_naming_auth(client, auth):
    auth.stop()
    response = client.get("/v1/me", headers={"Authorization": "Token " + "c" * 40})
    assert response.status_code == 503
    assert response.get_json()["dependency"] == "auth"


def test_non_admin_on_admin_view_is_403(client, auth):
    assert client.get("/v1/admin-only", headers=bearer(auth.user_token(7))).status_code == 403
    ok = client.get("/v1/admin-only", headers=bearer(auth.user_token(1, is_admin=True)))
    assert ok.status_code == 200


def test_user_on_service_view_is_403_and_service_gets_in(client, auth):
    admin = bearer(auth.user_token(1, is_admin=True))
    assert client.get("/v1/service-only", headers=admin).status_code == 403
    token = ServiceTokenAuth(auth.url, "api", "s3cret", audience="svc").token()
    response = client.get("/v1/service-only", headers=bearer(token))
    assert response.status_code == 200


def test_service_token_is_reused_until_near_expiry(auth):
    service_auth = ServiceTokenAuth(auth.url, "api", "s3cret", audience="svc")
    assert service_auth.token() == service_auth.token()
    assert auth.calls["service-tokens"] == 1


def test_a_service_token_for_another_service_is_refused(client, auth):
    """A token api got to call tasks opens nothing here (contract C9)."""
    for token in (
        auth.service_token("api", "tasks"),
        auth.sign({"sub": "service:api", "scope": "service", "client_id": "api"}),
    ):  # aud "shelf"
        response = client.get("/v1/service-only", headers=bearer(token))
        assert response.status_code == 401
        assert response.get_json()["detail"] == "This token is for another service."
    assert (
        client.get("/v1/service-only", headers=bearer(auth.service_token("api", "svc"))).status_code
        == 200
    )
    # A client that names no audience gets one for each service it may call, this one too.
    auth.audiences = {"api": frozenset({"svc", "tasks"})}
    assert (
        client.get("/v1/service-only", headers=bearer(auth.service_token("api"))).status_code == 200
    )


def test_a_user_token_is_one_for_every_service_and_nothing_else(client, auth):
    for_one_service = auth.sign({"sub": "7", "scope": "user", "aud": "svc"})
    assert client.get("/v1/me", headers=bearer(for_one_service)).status_code == 401
    odd_scope = auth.sign({"sub": "7", "scope": "robot"})
    assert client.get("/v1/me", headers=bearer(odd_scope)).status_code == 401


def test_each_service_called_gets_a_token_of_its_own(service, auth):
    guard = service.extensions["shelf_identity"]
    to_tasks, to_auth = guard.service_auth_for("tasks"), guard.service_auth_for("auth")
    assert guard.service_auth_for("tasks") is to_tasks
    assert auth.verify(to_tasks.token())["aud"] == "tasks"
    assert auth.verify(to_auth.token())["aud"] == "auth"
    assert auth.calls["service-tokens"] == 2


def test_a_refused_service_token_is_fetched_anew(auth):
    from shelf_http import ServiceClient, ServiceRejected

    service_auth = ServiceTokenAuth(auth.url, "api", "s3cret", audience="auth")
    client = ServiceClient("auth", auth.url, auth=service_auth)
    first = service_auth.token()
    auth.add_key("k2", publish=False)  # auth's key ring lost k1: its tokens are refused
    auth.published.remove("k1")
    auth.keys.pop("k1")
    with pytest.raises(ServiceRejected):
        client.post("/v1/api-keys/introspect", json={"key": "x"})
    assert service_auth.token() != first
    assert client.post("/v1/api-keys/introspect", json={"key": "x"}).json() == {"active": False}

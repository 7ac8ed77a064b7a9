"""Who may call: users on /api/, services on /v1/internal/, nobody anonymous but for public
sharing; and refusals in each surface's own shape."""


def test_no_credentials_is_401_in_linkding_shape(client):
    response = client.get("/api/bookmarks/")
    assert response.status_code == 401
    assert response.mimetype == "application/json"
    assert response.get_json() == {"detail": "Authentication credentials were not provided."}
    assert response.headers["WWW-Authenticate"]


def test_a_bad_token_is_401(client):
    response = client.get("/api/tags/", headers={"Authorization": "Bearer not.a.token"})
    assert response.status_code == 401
    assert set(response.get_json()) == {"detail"}


def test_an_expired_token_is_401(client, auth_service):
    token = auth_service.sign({"sub": "1", "scope": "user"}, lifetime=-120)
    response = client.get("/api/tags/", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert "expired" in response.get_json()["detail"]


def test_api_key_is_resolved_through_auth_and_cached(client, auth_service):
    auth_service.api_keys["a" * 40] = {
        "id": 5,
        "username": "eve",
        "is_admin": False,
        "is_active": True,
    }
    headers = {"Authorization": "Token " + "a" * 40}
    created = client.post("/api/bookmarks/", json={"url": "https://example.com/"}, headers=headers)
    assert created.status_code == 201
    listed = client.get("/api/bookmarks/", headers=headers)
    assert [b["url"] for b in listed.get_json()["results"]] == ["https://example.com/"]
    assert auth_service.calls["introspect"] == 1
    assert auth_service.calls["service-tokens"] == 1


def test_an_unknown_api_key_is_401(client, auth_service):
    response = client.get("/api/bookmarks/", headers={"Authorization": "Token " + "b" * 40})
    assert response.status_code == 401
    assert response.get_json() == {"detail": "Invalid token."}


def test_api_key_with_auth_down_is_503_naming_auth(client, auth_service):
    auth_service.stop()
    response = client.get("/api/bookmarks/", headers={"Authorization": "Token " + "c" * 40})
    assert response.status_code == 503
    assert "auth" in response.get_json()["detail"]


def test_services_may_not_use_the_linkding_surface(client, auth_service):
    token = auth_service.service_token("tasks")
    response = client.get("/api/bookmarks/", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
    assert set(response.get_json()) == {"detail"}


def test_users_may_not_use_the_internal_surface(ann):
    response = ann.get("/v1/internal/bookmarks")
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"


def test_internal_surface_without_credentials_is_401_problem(client):
    response = client.get("/v1/internal/users")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"


def test_probes_and_the_openapi_document_are_open(client):
    assert client.get("/healthz").status_code == 200
    assert client.get("/openapi.json").status_code == 200
    assert client.get("/metrics").status_code == 401

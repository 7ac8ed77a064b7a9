from pathlib import Path

import pytest

from shelf_api import create_app
from shelf_kit import ConfigError, kit
from shelf_kit.openapi import openapi_differences
from shelf_kit.testing import free_port

SERVICE_DIR = Path(__file__).parents[1]


def nowhere() -> str:
    return f"http://127.0.0.1:{free_port()}"  # nothing listens there


def test_settings_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SHELF_API_DATABASE_URL", f"sqlite:///{tmp_path}/elsewhere.db")
    monkeypatch.setenv("SHELF_AUTH_URL", "http://auth.internal:9001")
    monkeypatch.setenv("SHELF_TASKS_URL", "http://tasks.internal:9003")
    monkeypatch.setenv("SHELF_API_CLIENT_ID", "api-2")
    monkeypatch.setenv("SHELF_API_CLIENT_SECRET", "from-the-environment")
    monkeypatch.setenv("SHELF_API_OUTBOX_RELAY", "false")
    app = create_app()
    try:
        assert app.config["SHELF_API_DATABASE_URL"] == f"sqlite:///{tmp_path}/elsewhere.db"
        service_auth = app.extensions["shelf_identity"].service_auth_for("tasks")
        assert (service_auth.client_id, service_auth.client_secret) == (
            "api-2",
            "from-the-environment",
        )
        assert app.config["SHELF_API_OUTBOX_RELAY"] is False
        assert kit(app).clients["auth"].base_url == "http://auth.internal:9001"
        assert kit(app).clients["tasks"].base_url == "http://tasks.internal:9003"
    finally:
        app.extensions["shelf_db"].dispose()


def test_defaults_work_on_one_machine(monkeypatch, tmp_path):
    for name in ("SHELF_API_DATABASE_URL", "SHELF_AUTH_URL", "SHELF_TASKS_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SHELF_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SHELF_API_CLIENT_SECRET", "its-own")  # `make run` makes one
    app = create_app()
    try:
        assert app.config["SHELF_API_DATABASE_URL"] == f"sqlite:///{tmp_path}/data/api.db"
        assert kit(app).clients["auth"].base_url == "http://127.0.0.1:8001"
        assert kit(app).clients["tasks"].base_url == "http://127.0.0.1:8003"
    finally:
        app.extensions["shelf_db"].dispose()


def test_ready_with_auth_and_degraded_without_tasks(client, auth_service):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "degraded"
    assert body["checks"]["database"] == {
        **body["checks"]["database"],
        "ok": True,
        "critical": True,
    }
    assert body["checks"]["auth"] == {"ok": True, "critical": True, "detail": "auth 0.1.0"}
    assert auth_service.calls["healthz"] == 1  # it really asked auth
    assert body["checks"]["tasks"] == {**body["checks"]["tasks"], "ok": False, "critical": False}


def test_not_ready_without_auth(database_url):
    app = create_app(
        {
            "SHELF_ENV": "test",
            "SHELF_API_OUTBOX_RELAY": False,
            "SHELF_API_DATABASE_URL": database_url,
            "SHELF_AUTH_URL": nowhere(),
            "SHELF_TASKS_URL": nowhere(),
        }
    )
    try:
        response = app.test_client().get("/readyz")
    finally:
        app.extensions["shelf_db"].dispose()
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["detail"] == "Not ready: auth unavailable."  # tasks being down is no reason
    assert body["checks"]["auth"]["ok"] is False and body["checks"]["auth"]["critical"] is True
    assert body["checks"]["database"]["ok"] is True


def test_not_ready_when_its_database_is_gone(tmp_path, auth_service):
    # A folder where the database file should be: SQLite cannot open it.
    app = create_app(
        {
            "SHELF_ENV": "test",
            "SHELF_API_OUTBOX_RELAY": False,
            "SHELF_API_DATABASE_URL": f"sqlite:///{tmp_path}",
            "SHELF_AUTH_URL": auth_service.url,
            "SHELF_TASKS_URL": nowhere(),
        }
    )
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["detail"] == "Not ready: database unavailable."


def test_openapi_file_matches_the_code(app):
    differences = openapi_differences(kit(app).api, SERVICE_DIR / "openapi.json")
    assert differences == [], "openapi.json is stale: run `make openapi` in services/api"


def test_the_client_secret_is_required_outside_development(monkeypatch, tmp_path):
    monkeypatch.setenv("SHELF_ENV", "production")
    monkeypatch.setenv("SHELF_API_DATABASE_URL", f"sqlite:///{tmp_path}/api.db")
    monkeypatch.delenv("SHELF_API_CLIENT_SECRET", raising=False)
    with pytest.raises(ConfigError, match="SHELF_API_CLIENT_SECRET"):
        create_app()


def test_the_relay_starts_with_the_first_request_not_with_the_app(database_url, auth_service):
    app = create_app(
        {
            "SHELF_ENV": "test",
            "SHELF_API_DATABASE_URL": database_url,
            "SHELF_AUTH_URL": auth_service.url,
            "SHELF_TASKS_URL": nowhere(),
        }
    )
    relay = app.extensions["shelf_api_relay"]
    try:
        assert relay._thread is None  # `shelf-api db upgrade` starts no thread
        app.test_client().get("/healthz")
        assert relay._thread is not None and relay._thread.is_alive()
    finally:
        relay.stop()
        app.extensions["shelf_db"].dispose()
    assert not relay._thread.is_alive()

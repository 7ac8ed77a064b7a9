from pathlib import Path

import pytest

from shelf_kit import ConfigError, kit
from shelf_kit.openapi import openapi_differences
from shelf_ui import create_app
from shelf_ui.config import DEVELOPMENT_SECRET_KEY

SERVICE_DIR = Path(__file__).parents[1]


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.delenv("SHELF_ENV", raising=False)
    monkeypatch.delenv("SHELF_UI_SECURE_COOKIES", raising=False)
    monkeypatch.setenv("SHELF_AUTH_URL", "http://auth.internal:9001")
    monkeypatch.setenv("SHELF_API_URL", "http://api.internal:9002")
    monkeypatch.setenv("SHELF_TASKS_URL", "http://tasks.internal:9003")
    monkeypatch.setenv("SHELF_UI_URL", "https://shelf.example.org")
    monkeypatch.setenv("SHELF_SECRET_KEY", "a-key-from-the-environment")
    app = create_app()
    clients = kit(app).clients
    assert clients["auth"].base_url == "http://auth.internal:9001"
    assert clients["api"].base_url == "http://api.internal:9002"
    assert clients["tasks"].base_url == "http://tasks.internal:9003"
    assert app.config["SHELF_UI_URL"] == "https://shelf.example.org"
    assert app.secret_key == "a-key-from-the-environment"
    assert app.config["SESSION_COOKIE_SECURE"] is False  # development serves plain http


def test_development_runs_with_only_its_secret_key(monkeypatch):
    for name in (
        "SHELF_ENV",
        "SHELF_SECRET_KEY",
        "SHELF_UI_SECURE_COOKIES",
        "SHELF_AUTH_URL",
        "SHELF_UI_URL",
        "SHELF_PORT",
        "SHELF_PUBLIC_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError, match="SHELF_SECRET_KEY"):  # `make run` makes one
        create_app()
    monkeypatch.setenv("SHELF_SECRET_KEY", "0123456789abcdef0123456789abcdef")
    app = create_app()
    assert kit(app).clients["auth"].base_url == "http://127.0.0.1:8001"
    assert app.config["SHELF_UI_URL"] == "http://127.0.0.1:8004"
    assert app.config["SHELF_PUBLIC_URL"] == "http://127.0.0.1:8000"  # the front door
    monkeypatch.setenv("SHELF_PORT", "9000")
    assert create_app().config["SHELF_PUBLIC_URL"] == "http://127.0.0.1:9000"


def test_the_secret_key_is_required_in_production(monkeypatch):
    monkeypatch.setenv("SHELF_ENV", "production")
    monkeypatch.delenv("SHELF_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SHELF_SECRET_KEY"):
        create_app()


def test_the_development_secret_key_is_refused_in_production(monkeypatch):
    monkeypatch.setenv("SHELF_ENV", "production")
    monkeypatch.setenv("SHELF_SECRET_KEY", DEVELOPMENT_SECRET_KEY)
    with pytest.raises(ConfigError, match="SHELF_SECRET_KEY"):
        create_app()


def test_cookies_are_secure_in_production_unless_turned_off(monkeypatch):
    monkeypatch.setenv("SHELF_ENV", "production")
    monkeypatch.setenv("SHELF_SECRET_KEY", "0123456789abcdef0123456789abcdef")
    monkeypatch.delenv("SHELF_UI_SECURE_COOKIES", raising=False)
    assert create_app().config["SESSION_COOKIE_SECURE"] is True
    monkeypatch.setenv("SHELF_UI_SECURE_COOKIES", "false")
    assert create_app().config["SESSION_COOKIE_SECURE"] is False


def test_a_service_url_that_is_not_a_url_stops_start_up():
    with pytest.raises(ConfigError, match="SHELF_API_URL"):
        create_app({"SHELF_ENV": "test", "SHELF_API_URL": "api:8002"})


def test_ready_when_every_service_answers(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ready"
    assert {name: check["ok"] for name, check in body["checks"].items()} == {
        "auth": True,
        "api": True,
        "tasks": True,
    }


def test_degraded_but_ready_without_tasks(app_for, stand_ins):
    stand_ins["tasks"].stop()
    app = app_for(**{name: server.url for name, server in stand_ins.items()})
    response = app.test_client().get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "degraded"
    assert body["checks"]["tasks"]["ok"] is False
    assert body["checks"]["tasks"]["critical"] is False


def test_not_ready_naming_api_when_api_is_down(app_for, stand_ins):
    app = app_for(auth=stand_ins["auth"].url, tasks=stand_ins["tasks"].url)  # api: nowhere
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.content_type == "application/problem+json"
    body = response.get_json()
    assert "api" in body["detail"]
    assert "auth" not in body["detail"]
    assert body["checks"]["api"]["ok"] is False
    assert body["checks"]["auth"]["ok"] is True


def test_openapi_file_matches_the_code(app):
    differences = openapi_differences(kit(app).api, SERVICE_DIR / "openapi.json")
    assert differences == [], (
        "openapi.json is stale: run `.venv/bin/shelf-ui openapi write --format=json openapi.json`"
    )


def test_openapi_is_served_and_lists_no_html_page(client):
    paths = client.get("/openapi.json").get_json()["paths"]
    assert "/healthz" in paths and "/readyz" in paths
    assert "/" not in paths and "/status" not in paths

from pathlib import Path

from shelf_auth import create_app
from shelf_kit import kit
from shelf_kit.openapi import openapi_differences

SERVICE_DIR = Path(__file__).parents[1]


def test_settings_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SHELF_AUTH_DATABASE_URL", f"sqlite:///{tmp_path}/elsewhere.db")
    monkeypatch.setenv("SHELF_TASKS_URL", "http://tasks.internal:9000")
    monkeypatch.setenv("SHELF_AUTH_SERVICE_CLIENTS", "api:a-secret-from-the-environment")
    app = create_app()
    assert app.config["SHELF_AUTH_DATABASE_URL"] == f"sqlite:///{tmp_path}/elsewhere.db"
    assert kit(app).clients["tasks"].base_url.startswith("http://tasks.internal:9000")


def test_ready_with_its_database_and_degraded_without_tasks(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["tasks"] == {**body["checks"]["tasks"], "ok": False, "critical": False}
    assert body["status"] == "degraded"


def test_not_ready_when_its_database_is_gone(tmp_path):
    # A folder where the database file should be: SQLite cannot open it.
    app = create_app(
        {
            "SHELF_ENV": "test",
            "SHELF_AUTH_DATABASE_URL": f"sqlite:///{tmp_path}",
            "SHELF_AUTH_OUTBOX_RELAY": False,
        }
    )
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"]["ok"] is False


def test_openapi_file_matches_the_code(app):
    differences = openapi_differences(kit(app).api, SERVICE_DIR / "openapi.json")
    assert differences == [], "openapi.json is stale: run `make openapi` in services/auth"

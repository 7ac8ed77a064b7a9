from pathlib import Path

import pytest

from shelf_kit import ConfigError, kit
from shelf_kit.openapi import openapi_differences
from shelf_tasks import create_app
from shelf_tasks.extensions import registry

SERVICE_DIR = Path(__file__).parents[1]


def test_settings_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SHELF_TASKS_DATABASE_URL", f"sqlite:///{tmp_path}/elsewhere.db")
    monkeypatch.setenv("SHELF_AUTH_URL", "http://auth.internal:9001")
    monkeypatch.setenv("SHELF_API_URL", "http://api.internal:9002")
    monkeypatch.setenv("SHELF_TASKS_WORKER_CONCURRENCY", "8")
    monkeypatch.setenv("SHELF_TASKS_POLL_INTERVAL", "0.25")
    monkeypatch.setenv("SHELF_TASKS_LEASE_SECONDS", "300")
    monkeypatch.setenv("SHELF_TASKS_CLIENT_SECRET", "a-secret-from-the-environment")
    app = create_app()
    assert app.config["SHELF_TASKS_DATABASE_URL"] == f"sqlite:///{tmp_path}/elsewhere.db"
    assert kit(app).clients["auth"].base_url.startswith("http://auth.internal:9001")
    assert kit(app).clients["api"].base_url.startswith("http://api.internal:9002")
    assert app.config["SHELF_TASKS_WORKER_CONCURRENCY"] == 8
    assert app.config["SHELF_TASKS_POLL_INTERVAL"] == 0.25
    assert app.config["SHELF_TASKS_LEASE_SECONDS"] == 300


def test_defaults_work_on_a_developers_machine(monkeypatch, tmp_path):
    for name in (
        "SHELF_TASKS_DATABASE_URL",
        "SHELF_AUTH_URL",
        "SHELF_API_URL",
        "SHELF_TASKS_WORKER_CONCURRENCY",
        "SHELF_TASKS_POLL_INTERVAL",
        "SHELF_TASKS_LEASE_SECONDS",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SHELF_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SHELF_TASKS_CLIENT_SECRET", "its-own")  # `make run` makes one
    app = create_app()
    assert app.config["SHELF_TASKS_DATABASE_URL"] == f"sqlite:///{tmp_path}/tasks.db"
    assert kit(app).clients["auth"].base_url.startswith("http://127.0.0.1:8001")
    assert kit(app).clients["api"].base_url.startswith("http://127.0.0.1:8002")
    assert (
        app.config["SHELF_TASKS_WORKER_CONCURRENCY"],
        app.config["SHELF_TASKS_POLL_INTERVAL"],
        app.config["SHELF_TASKS_LEASE_SECONDS"],
    ) == (4, 1.0, 60)


def test_a_setting_that_is_not_a_number_stops_start_up_and_is_named(monkeypatch):
    monkeypatch.setenv("SHELF_TASKS_POLL_INTERVAL", "soon")
    with pytest.raises(ConfigError, match="SHELF_TASKS_POLL_INTERVAL"):
        create_app({"SHELF_ENV": "test"})


def test_ready_with_its_database_and_degraded_without_auth_and_api(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["service"] == "tasks"
    assert body["checks"]["database"]["ok"] is True
    for dependency in ("auth", "api"):
        assert body["checks"][dependency] == {
            **body["checks"][dependency],
            "ok": False,
            "critical": False,
        }
    assert body["status"] == "degraded"


def test_not_ready_when_its_database_is_gone(tmp_path):
    # A folder where the database file should be: SQLite cannot open it.
    app = create_app({"SHELF_ENV": "test", "SHELF_TASKS_DATABASE_URL": f"sqlite:///{tmp_path}"})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["checks"]["database"]["ok"] is False


def test_alive_says_who_it_is(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["service"] == "tasks"


def test_openapi_file_matches_the_code(app):
    differences = openapi_differences(kit(app).api, SERVICE_DIR / "openapi.json")
    assert differences == [], "openapi.json is stale: run `make openapi` in services/tasks"


def test_outside_tests_the_client_secret_must_be_set(monkeypatch, tmp_path):
    monkeypatch.delenv("SHELF_TASKS_CLIENT_SECRET", raising=False)
    monkeypatch.setenv("SHELF_DATA_DIR", str(tmp_path))
    for env in ("production", "development"):
        with pytest.raises(ConfigError, match="SHELF_TASKS_CLIENT_SECRET"):
            create_app({"SHELF_ENV": env})
    app = create_app({"SHELF_ENV": "test"})
    assert (app.config["SHELF_TASKS_CLIENT_ID"], app.config["SHELF_TASKS_CLIENT_SECRET"]) == (
        "tasks",
        "dev-tasks-secret",
    )


def test_test_only_job_kinds_exist_only_when_asked_for(monkeypatch, tmp_path):
    monkeypatch.setenv("SHELF_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("SHELF_TASKS_TEST_HANDLERS", raising=False)
    shelf_kinds = [
        "backup",
        "check_links",
        "fail_import",
        "fetch_metadata",
        "import_bookmarks",
        "purge",
        "purge_user",
        "send_email",
    ]
    assert registry(create_app({"SHELF_ENV": "test"})).kinds() == shelf_kinds
    monkeypatch.setenv("SHELF_TASKS_TEST_HANDLERS", "true")
    assert registry(create_app({"SHELF_ENV": "test"})).kinds() == sorted(
        [*shelf_kinds, "die", "fail", "noop", "record", "sleep"]
    )


def test_a_bad_network_in_the_fetch_allow_list_stops_start_up(monkeypatch, tmp_path):
    monkeypatch.setenv("SHELF_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SHELF_FETCH_ALLOW_NETWORKS", "192.168.1.0/24, 10.0.0.300/8")
    with pytest.raises(ConfigError, match="SHELF_FETCH_ALLOW_NETWORKS"):
        create_app({"SHELF_ENV": "test"})

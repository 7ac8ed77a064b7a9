"""/healthz and /readyz, with real dependencies on loopback."""

from shelf_kit import kit
from shelf_kit.app import add_dependency
from shelf_kit.testing import free_port


def test_healthz_reports_service_and_version(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "service": "demo", "version": "1.2.3"}


def test_ready_when_dependency_answers_and_request_id_travels(app, upstream):
    add_dependency(app, "upstream", upstream.url)
    response = app.test_client().get("/readyz", headers={"X-Request-ID": "trace-1"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ready"
    assert body["checks"]["upstream"] == {"ok": True, "critical": True, "detail": "upstream 9.9.9"}
    assert upstream.seen[-1]["X-Request-Id"] == "trace-1"


def test_not_ready_when_critical_dependency_is_down(app):
    add_dependency(app, "auth", f"http://127.0.0.1:{free_port()}")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.content_type == "application/problem+json"
    body = response.get_json()
    assert body["checks"]["auth"]["ok"] is False
    assert "auth" in body["detail"]


def test_degraded_but_ready_when_optional_dependency_is_down(app):
    add_dependency(app, "tasks", f"http://127.0.0.1:{free_port()}", critical=False)
    kit(app).readiness.add("database", lambda: "sqlite")
    response = app.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "degraded"


def test_a_registered_database_is_a_readiness_check(app, tmp_path):
    from shelf_kit.db import get_database, register_database

    database = register_database(app, f"sqlite:///{tmp_path / 'ready.db'}")
    assert get_database(app) is database
    body = app.test_client().get("/readyz").get_json()
    assert body["checks"]["database"]["ok"] is True


def test_a_database_that_cannot_be_reached_makes_the_service_unready(app):
    from shelf_kit.db import register_database

    register_database(app, f"postgresql+psycopg://shelf@127.0.0.1:{free_port()}/away")
    answer = app.test_client().get("/readyz")
    assert answer.status_code == 503
    assert answer.get_json()["checks"]["database"]["ok"] is False

"""Every error is problem+json, with the request id and without internals."""

import pytest
from flask import jsonify
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from shelf_http import ServiceUnavailable
from shelf_kit.db import Database, session
from shelf_kit.testing import (
    POSTGRES_ENV,
    free_port,
    postgres_test_url,
    temporary_postgres_database,
)

PROBLEM = "application/problem+json"


def test_unknown_path_is_a_problem(client):
    response = client.get("/nowhere", headers={"X-Request-ID": "req-404"})
    assert response.status_code == 404
    assert response.content_type == PROBLEM
    body = response.get_json()
    assert body["status"] == 404
    assert body["title"] == "Not Found"
    assert body["request_id"] == "req-404"


def test_wrong_method_keeps_allow_header(client):
    response = client.delete("/v1/items")
    assert response.status_code == 405
    assert response.content_type == PROBLEM
    assert "POST" in response.headers["Allow"]


def test_validation_error_names_the_fields(client):
    response = client.post("/v1/items", json={"name": "", "count": 1.5})
    assert response.status_code == 422
    body = response.get_json()
    assert response.content_type == PROBLEM
    assert set(body["errors"]) == {"name", "count"}
    assert "count" in body["detail"] and "name" in body["detail"]


def test_valid_request_passes(client):
    response = client.post("/v1/items", json={"name": "pen", "count": 2})
    assert response.status_code == 201
    assert response.get_json() == {"name": "pen", "count": 2}


def test_unexpected_error_hides_internals(client, capsys):
    response = client.get("/v1/boom")
    assert response.status_code == 500
    assert response.content_type == PROBLEM
    assert "secret internals" not in response.get_data(as_text=True)
    assert "secret internals" in capsys.readouterr().err  # the log keeps the trace


def test_dependency_down_is_503_naming_it(app):
    @app.get("/v1/needs-auth")
    def needs_auth():
        raise ServiceUnavailable(
            "auth is unavailable: connection refused",
            service="auth",
            method="GET",
            url="http://127.0.0.1:1/x",
        )

    response = app.test_client().get("/v1/needs-auth")
    assert response.status_code == 503
    assert response.get_json()["dependency"] == "auth"
    assert "auth" in response.get_json()["detail"]
    assert response.headers["Retry-After"]


def test_nul_characters_are_refused_naming_the_field(client):
    body = client.post("/v1/items", json={"name": "a\x00b", "count": 1})
    assert body.status_code == 400
    assert body.content_type == PROBLEM
    assert body.get_json()["errors"] == {"name": ["Text may not contain NUL characters."]}
    query = client.get("/healthz?q=a%00b")
    assert query.status_code == 400
    assert "q" in query.get_json()["errors"]
    assert client.post("/v1/items", json={"name": "ab", "count": 1}).status_code == 201


@pytest.fixture
def database_away(app):
    """The service, its database server refusing connections (nothing listens on its port)."""
    database = Database(f"postgresql+psycopg://shelf:secret@127.0.0.1:{free_port()}/gone")
    database.init_app(app)

    @app.get("/v1/rows")
    def rows():
        return {"rows": session().execute(text("SELECT 1")).scalar_one()}

    yield app
    database.dispose()


def test_database_away_is_503_naming_it_not_500(database_away):
    # A restart of the database server made every service answer 500 until it was back.
    response = database_away.test_client().get("/v1/rows")
    assert response.status_code == 503
    assert response.content_type == PROBLEM
    body = response.get_json()
    assert body["dependency"] == "database"
    assert "database" in body["detail"]
    assert response.headers["Retry-After"] == "1"  # a restart takes a second or two
    answer = response.get_data(as_text=True)
    assert "127.0.0.1" not in answer and "secret" not in answer and "refused" not in answer


def test_database_away_is_answered_by_the_apps_own_handler_for_a_dependency_down(database_away):
    # api answers its linkding routes in linkding's shape: so must it when its database is away.
    @database_away.errorhandler(ServiceUnavailable)
    def linkding_unavailable(error):
        return jsonify(detail=f"The {error.service} service is unavailable."), 503

    response = database_away.test_client().get("/v1/rows")
    assert response.status_code == 503
    assert response.content_type == "application/json"
    assert response.get_json() == {"detail": "The database service is unavailable."}
    assert response.headers["Retry-After"] == "1"


def test_a_connection_the_database_dropped_after_the_answer_does_not_turn_it_into_a_500(app):
    # Under a database restart, a request whose connection the server terminated once its
    # answer was made failed at teardown (closing the session rolls back on that connection):
    # gunicorn's HTML 500 went out instead of the answer.
    base = postgres_test_url()
    if not base:
        pytest.skip(f"needs Postgres ({POSTGRES_ENV})")
    with temporary_postgres_database(base, "teardown") as url:
        database = Database(url)
        database.init_app(app)
        server = create_engine(url, poolclass=NullPool)

        @app.get("/v1/dropped")
        def dropped():
            pid = session().execute(text("SELECT pg_backend_pid()")).scalar_one()
            with server.connect() as other:  # as a restart does to every connection
                other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            return {"answered": True}

        try:
            response = app.test_client().get("/v1/dropped")
            assert response.status_code == 200
            assert response.get_json() == {"answered": True}
        finally:
            database.dispose()
            server.dispose()

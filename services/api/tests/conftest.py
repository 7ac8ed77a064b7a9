import threading

import pytest
from flask import Flask, jsonify
from werkzeug.serving import make_server

from shelf_api import create_app
from shelf_api.app import MIGRATIONS
from shelf_kit.db import Database
from shelf_kit.migrations import upgrade
from shelf_kit.testing import database_backends, free_port, temporary_database


class StandIn:
    """A real HTTP server on a free loopback port that answers /healthz as a Shelf service
    does, standing in for it (the same idea as shelf-kit's own tests' `Upstream`)."""

    def __init__(self, service: str, version: str = "0.1.0"):
        self.url = f"http://127.0.0.1:{free_port()}"
        self.health_checks = 0
        app = Flask(f"stand-in-{service}")

        @app.get("/healthz")
        def healthz():
            self.health_checks += 1
            return jsonify(status="ok", service=service, version=version)

        self.server = make_server("127.0.0.1", int(self.url.rsplit(":", 1)[1]), app,
                                  threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


def nowhere() -> str:
    """A loopback URL where nothing listens."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture(params=database_backends())
def database_url(request, tmp_path):
    with temporary_database(request.param, "api", str(tmp_path)) as url:
        upgrade(MIGRATIONS, url)
        yield url


@pytest.fixture
def database(database_url):
    """The migrated database, opened as the service opens it (SQLite: foreign keys on)."""
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def auth_service():
    with StandIn("auth") as server:
        yield server


@pytest.fixture
def app(database_url, auth_service):
    app = create_app({
        "SHELF_ENV": "test",
        "SHELF_API_DATABASE_URL": database_url,
        "SHELF_AUTH_URL": auth_service.url,
        "SHELF_TASKS_URL": nowhere(),
    })
    yield app
    app.extensions["shelf_db"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()

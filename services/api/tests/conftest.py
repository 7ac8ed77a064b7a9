import tempfile
import time

import pytest
from flask import Flask, jsonify, request

from shelf_api import create_app
from shelf_api.app import MIGRATIONS
from shelf_identity.testing import StandInAuth
from shelf_kit.db import Database
from shelf_kit.migrations import upgrade
from shelf_kit.testing import (
    LoopbackServer,
    database_backends,
    free_port,
    temporary_database,
)

API_CLIENT = {"client_id": "api", "client_secret": "test-api-secret"}


class StandInTasks(LoopbackServer):
    """tasks' POST /v1/jobs on loopback, keeping what it was sent (idempotency keys honoured)."""

    def __init__(self, auth: StandInAuth, port: int | None = None):
        self.jobs = []
        self.by_key = {}
        self.posts = 0
        self.auth = auth
        app = Flask("stand-in-tasks")

        @app.get("/healthz")
        def healthz():
            return jsonify(status="ok", service="tasks", version="0.1.0")

        @app.post("/v1/jobs")
        def create_job():
            claims = auth.verify(request.headers.get("Authorization", "").partition(" ")[2])
            assert claims["scope"] == "service" and claims["client_id"] == "api"
            body = request.get_json()
            self.posts += 1
            key = body.get("idempotency_key")
            if key in self.by_key:
                return jsonify(self.by_key[key]), 200
            job = {
                "id": len(self.jobs) + 1,
                "state": "available",
                **body,
                "request_id": request.headers.get("X-Request-ID"),
            }
            self.jobs.append(job)
            if key:
                self.by_key[key] = job
            return jsonify(job), 201

        super().__init__(app, port)


def wait_for(condition, timeout=10.0):
    """Whether `condition()` came true within `timeout` seconds (asked every 50 ms)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


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
    """auth on loopback (shelf_identity.testing): real ES256 keys and JWKS, service tokens for
    api's credentials, and API keys introspected only for a service token."""
    server = StandInAuth({API_CLIENT["client_id"]: API_CLIENT["client_secret"]}).start()
    yield server
    server.stop()


def make_app(database_url, auth_url, tasks_url, **config):
    return create_app(
        {
            "SHELF_API_ASSETS_DIR": tempfile.mkdtemp(prefix="shelf-api-assets-"),
            "SHELF_ENV": "test",
            "SHELF_API_DATABASE_URL": database_url,
            "SHELF_AUTH_URL": auth_url,
            "SHELF_TASKS_URL": tasks_url,
            "SHELF_API_CLIENT_SECRET": API_CLIENT["client_secret"],
            "SHELF_API_OUTBOX_RELAY": False,
            **config,
        }
    )


@pytest.fixture
def app(database_url, auth_service):
    app = make_app(database_url, auth_service.url, nowhere())
    yield app
    app.extensions["shelf_db"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class User:
    """A user calling the API with an access token: `ann.get("/api/bookmarks/")`."""

    def __init__(self, client, auth, user_id, username):
        self.client = client
        self.id = user_id
        self.username = username
        self.headers = {"Authorization": f"Bearer {auth.user_token(user_id, username)}"}

    def __getattr__(self, method):
        call = getattr(self.client, method)

        def send(*args, **kwargs):
            kwargs["headers"] = {**self.headers, **kwargs.get("headers", {})}
            return call(*args, **kwargs)

        return send

    def add(self, url, **fields):
        response = self.post("/api/bookmarks/", json={"url": url, **fields})
        assert response.status_code == 201, response.get_json()
        return response.get_json()


@pytest.fixture
def ann(client, auth_service):
    return User(client, auth_service, 1, "ann")


@pytest.fixture
def bob(client, auth_service):
    return User(client, auth_service, 2, "bob")

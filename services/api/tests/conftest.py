import tempfile
import threading
import time
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from flask import Flask, jsonify, request
from werkzeug.serving import make_server

from shelf_api import create_app
from shelf_api.app import MIGRATIONS
from shelf_kit.db import Database
from shelf_kit.migrations import upgrade
from shelf_kit.testing import database_backends, free_port, temporary_database

API_CLIENT = {"client_id": "api", "client_secret": "test-api-secret"}


class Server:
    """A Flask app served for real on a loopback port, that can be stopped and started again
    on the same port (a service going down and coming back)."""

    def __init__(self, app: Flask, port: int | None = None):
        self.app = app
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = None
        self.thread = None

    def start(self):
        self.server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                       daemon=True)
        self.thread.start()
        return self

    def stop(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.thread.join()
            self.server = None


class StandInAuth(Server):
    """auth on loopback: real ES256 keys and JWKS, service tokens for api's credentials, and
    API keys introspected only for a service token."""

    def __init__(self):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.kid = "k1"
        self.api_keys = {}  # key -> user dict
        self.health_checks = 0
        self.calls = {"introspect": 0, "service-tokens": 0}
        app = Flask("stand-in-auth")

        @app.get("/healthz")
        def healthz():
            self.health_checks += 1
            return jsonify(status="ok", service="auth", version="0.1.0")

        @app.get("/.well-known/jwks.json")
        def jwks():
            jwk = jwt.algorithms.ECAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
            return jsonify(keys=[{**jwk, "kid": self.kid, "alg": "ES256", "use": "sig"}])

        @app.post("/v1/service-tokens")
        def service_tokens():
            self.calls["service-tokens"] += 1
            if request.get_json() != API_CLIENT:
                return jsonify(title="Unauthorized", status=401), 401
            return jsonify(access_token=self.service_token("api"), token_type="Bearer",
                           expires_in=900)

        @app.post("/v1/api-keys/introspect")
        def introspect():
            self.calls["introspect"] += 1
            token = request.headers.get("Authorization", "").partition(" ")[2]
            claims = jwt.decode(token, self.key.public_key(), algorithms=["ES256"],
                                audience="shelf")
            if claims["scope"] != "service":
                return jsonify(title="Forbidden", status=403), 403
            user = self.api_keys.get(request.get_json()["key"])
            return jsonify(active=True, user=user) if user else jsonify(active=False)

        super().__init__(app)

    def sign(self, claims, lifetime=900):
        now = int(time.time())
        payload = {"iss": "shelf-auth", "aud": "shelf", "iat": now, "exp": now + lifetime,
                   "jti": uuid.uuid4().hex, **claims}
        return jwt.encode(payload, self.key, algorithm="ES256", headers={"kid": self.kid})

    def user_token(self, user_id, username=None, **claims):
        return self.sign({"sub": str(user_id), "scope": "user",
                          "username": username or f"user{user_id}", "is_admin": False,
                          **claims})

    def service_token(self, client_id="tasks"):
        return self.sign({"sub": f"service:{client_id}", "scope": "service",
                          "client_id": client_id, "is_admin": False})


class StandInTasks(Server):
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
            token = request.headers.get("Authorization", "").partition(" ")[2]
            claims = jwt.decode(token, auth.key.public_key(), algorithms=["ES256"],
                                audience="shelf")
            assert claims["scope"] == "service" and claims["client_id"] == "api"
            body = request.get_json()
            self.posts += 1
            key = body.get("idempotency_key")
            if key in self.by_key:
                return jsonify(self.by_key[key]), 200
            job = {"id": len(self.jobs) + 1, "state": "available", **body,
                   "request_id": request.headers.get("X-Request-ID")}
            self.jobs.append(job)
            if key:
                self.by_key[key] = job
            return jsonify(job), 201

        super().__init__(app, port)


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
    server = StandInAuth().start()
    yield server
    server.stop()


def make_app(database_url, auth_url, tasks_url, **config):
    return create_app({
        "SHELF_API_ASSETS_DIR": tempfile.mkdtemp(prefix="shelf-api-assets-"),
        "SHELF_ENV": "test",
        "SHELF_API_DATABASE_URL": database_url,
        "SHELF_AUTH_URL": auth_url,
        "SHELF_TASKS_URL": tasks_url,
        "SHELF_API_CLIENT_SECRET": API_CLIENT["client_secret"],
        "SHELF_API_OUTBOX_RELAY": False,
        **config,
    })


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

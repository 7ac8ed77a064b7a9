import tempfile
import time
from pathlib import Path

import pytest

from shelf_api import create_app
from shelf_api.app import MIGRATIONS
from shelf_identity.testing import StandInAuth
from shelf_kit.contracts import Contract
from shelf_kit.db import Database
from shelf_kit.testing import (
    StandInTasks,
    database_backends,
    free_port,
    migrated_database,
)

API_CLIENT = {"client_id": "api", "client_secret": "test-api-secret"}
# What tasks publishes: the jobs api's outbox sends are checked against it (tasks_stand_in).
SERVICES = Path(__file__).resolve().parents[2]
TASKS = Contract.load(SERVICES / "tasks" / "openapi.json")
AUTH = Contract.load(SERVICES / "auth" / "openapi.json")


def tasks_stand_in(auth: StandInAuth, port: int | None = None) -> StandInTasks:
    """tasks (shelf_kit.testing), taking only jobs its document takes, sent with api's own
    service token from `auth`."""

    def verify(token: str) -> None:
        claims = auth.verify(token)
        if claims["scope"] != "service" or claims["client_id"] != "api":
            raise ValueError("not api's service token")

    return StandInTasks(TASKS, verify=verify, port=port)


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
    with migrated_database(request.param, "api", str(tmp_path), MIGRATIONS) as url:
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
    api's credentials, and API keys introspected only for a service token. What api asks it,
    and what it answers, must fit auth's document."""
    server = StandInAuth(
        {API_CLIENT["client_id"]: API_CLIENT["client_secret"]}, contract=AUTH
    ).start()
    yield server
    server.stop()
    assert not server.problems, "\n".join(sorted(set(server.problems)))


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

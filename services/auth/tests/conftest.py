import os
from pathlib import Path

import pytest
from helpers import PASSWORD, log_in
from sqlalchemy import create_engine, text

from shelf_auth import create_app
from shelf_auth.app import MIGRATIONS
from shelf_auth.models import Base
from shelf_auth.users import create_user
from shelf_kit.contracts import Contract
from shelf_kit.db import get_database
from shelf_kit.testing import (
    StandInTasks,
    database_backends,
    free_port,
    migrated_database,
)

# What tasks publishes: the jobs auth's outbox sends are checked against it (StandInTasks).
TASKS = Contract.load(Path(__file__).resolve().parents[2] / "tasks" / "openapi.json")

# Cheap Argon2 for tests; production keeps argon2-cffi's defaults.
CHEAP_ARGON2 = {
    "SHELF_AUTH_ARGON2_TIME_COST": 1,
    "SHELF_AUTH_ARGON2_MEMORY_COST": 8,
    "SHELF_AUTH_ARGON2_PARALLELISM": 1,
}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    """No test reads the developer's SHELF_* variables; local data goes to a temporary folder."""
    for name in list(os.environ):
        if name.startswith("SHELF_") and name != "SHELF_TEST_POSTGRES_URL":
            monkeypatch.delenv(name)
    monkeypatch.setenv("SHELF_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture(params=database_backends())
def fresh_database_url(request, tmp_path):
    """A database of its own, migrated, for tests that change its schema."""
    with migrated_database(request.param, "auth", str(tmp_path), MIGRATIONS) as url:
        yield url


@pytest.fixture(scope="session", params=database_backends())
def migrated_database_url(request, tmp_path_factory):
    """One migrated database per backend for the whole run (creating one on Postgres takes
    longer than most tests)."""
    folder = str(tmp_path_factory.mktemp("db"))
    with migrated_database(request.param, "auth", folder, MIGRATIONS) as url:
        yield url


@pytest.fixture
def database_url(migrated_database_url):
    """The run's database, emptied for this test."""
    engine = create_engine(migrated_database_url)
    try:
        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                # A connection a test left open would block this: fail instead of waiting.
                connection.execute(text("SET LOCAL lock_timeout = '10s'"))
                names = ", ".join(table.name for table in Base.metadata.sorted_tables)
                connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in reversed(Base.metadata.sorted_tables):
                    connection.execute(table.delete())
                # As RESTART IDENTITY does on Postgres: ids start again at 1 for each test.
                connection.execute(text("DELETE FROM sqlite_sequence"))
    finally:
        engine.dispose()
    return migrated_database_url


@pytest.fixture
def keys_dir(tmp_path):
    return tmp_path / "keys"


@pytest.fixture
def make_app(database_url, keys_dir):
    apps = []

    def make(**overrides):
        app = create_app(
            {
                "SHELF_ENV": "test",
                "SHELF_AUTH_DATABASE_URL": database_url,
                "SHELF_AUTH_KEYS_DIR": str(keys_dir),
                "SHELF_TASKS_URL": f"http://127.0.0.1:{free_port()}",  # nothing listens there
                # Tests deliver the outbox when they choose (helpers.deliver); those of the relay
                # thread turn it on.
                "SHELF_AUTH_OUTBOX_RELAY": False,
                **CHEAP_ARGON2,
                **overrides,
            }
        )
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["shelf_db"].dispose()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def add_user(app):
    """Make a user straight in the database; its id."""

    def add(username, *, password=PASSWORD, email="", is_admin=False, is_active=True):
        with app.app_context(), get_database(app).transaction() as session:
            user = create_user(
                session=session,
                username=username,
                password=password,
                email=email,
                is_admin=is_admin,
            )
            user.is_active = is_active
            session.flush()
            return user.id

    return add


@pytest.fixture
def user_token(client, add_user):
    """An access token of a plain user, "ada"."""
    add_user("ada", email="ada@example.org")
    return log_in(client, "ada").get_json()["access_token"]


@pytest.fixture
def admin_token(client, add_user):
    """An access token of an administrator, "root"."""
    add_user("root", is_admin=True, email="root@example.org")
    return log_in(client, "root").get_json()["access_token"]


@pytest.fixture
def service_token(client):
    """api's token for auth (API-key introspection, the revocation feed)."""
    answer = client.post(
        "/v1/service-tokens",
        json={"client_id": "api", "client_secret": "dev-api-secret", "audience": "auth"},
    )
    assert answer.status_code == 200
    return answer.get_json()["access_token"]


@pytest.fixture(scope="session")
def tasks_server():
    with StandInTasks(TASKS) as server:
        yield server


@pytest.fixture
def tasks(tasks_server):
    """The stand-in tasks, with no jobs yet; what it was sent fits tasks' document."""
    tasks_server.reset()
    yield tasks_server
    assert tasks_server.problems == []

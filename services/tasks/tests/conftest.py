import pytest

from shelf_kit.migrations import upgrade
from shelf_kit.testing import database_backends, free_port, temporary_database
from shelf_tasks import create_app
from shelf_tasks.app import MIGRATIONS


@pytest.fixture(params=database_backends())
def database_url(request, tmp_path):
    with temporary_database(request.param, "tasks", str(tmp_path)) as url:
        upgrade(MIGRATIONS, url)
        yield url


@pytest.fixture
def nowhere():
    """A URL where nothing listens (a service that is down)."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture
def app(database_url, nowhere):
    app = create_app({
        "SHELF_ENV": "test",
        "SHELF_TASKS_DATABASE_URL": database_url,
        "SHELF_AUTH_URL": nowhere,
        "SHELF_API_URL": nowhere,
    })
    yield app
    app.extensions["shelf_db"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()

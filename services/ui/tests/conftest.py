import pytest
from standins import Shelf, StandIn

from shelf_kit import kit
from shelf_kit.testing import free_port
from shelf_ui import create_app


@pytest.fixture
def start_stand_in():
    """Start a stand-in (`start_stand_in("api", version=...)`); stopped after the test."""
    started = []

    def start(service: str, version: str = "0.1.0") -> StandIn:
        server = StandIn(service, version).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
    assert_described([p for server in started for p in server.problems])


@pytest.fixture
def stand_ins():
    """auth, api and tasks stand-ins, all up, each reporting a different version."""
    servers = {
        "auth": StandIn("auth", "0.1.0").start(),
        "api": StandIn("api", "0.2.3").start(),
        "tasks": StandIn("tasks", "1.0.0rc1").start(),
    }
    yield servers
    for server in servers.values():
        server.stop()
    assert_described([p for server in servers.values() for p in server.problems])


def assert_described(problems: list[str]) -> None:
    """Every answer a stand-in gave is one its service's openapi.json describes."""
    assert not problems, "\n".join(sorted(set(problems)))


def nowhere() -> str:
    """A loopback URL where nothing listens."""
    return f"http://127.0.0.1:{free_port()}"


def make_app(**urls):
    """The ui in test mode; services not given point where nothing listens."""
    config = {"SHELF_ENV": "test"}
    for name in ("auth", "api", "tasks"):
        config[f"SHELF_{name.upper()}_URL"] = urls.get(name) or nowhere()
    return create_app(config)


def close_clients(app) -> None:
    for client in kit(app).clients.values():
        client.close()


@pytest.fixture
def app_for():
    """Build a ui pointed at the given URLs (`app_for(auth=url, ...)`), closed afterwards."""
    built = []

    def build(**urls):
        app = make_app(**urls)
        built.append(app)
        return app

    yield build
    for app in built:
        close_clients(app)


@pytest.fixture
def app(app_for, stand_ins):
    return app_for(**{name: server.url for name, server in stand_ins.items()})


@pytest.fixture
def client(app):
    return app.test_client()


# -- the whole cast: auth, api and tasks stand-ins that answer their contracts ------------------


@pytest.fixture
def shelf():
    """Running auth (shelf-identity's stand-in), api and tasks stand-ins; api and tasks take
    the tokens auth issued, as the real ones do; users alice (user) and root (admin)."""
    cast = Shelf()
    yield cast
    cast.stop()
    assert_described(cast.problems)


@pytest.fixture
def shelf_app(app_for, shelf):
    return app_for(auth=shelf.auth.url, api=shelf.api.url, tasks=shelf.tasks.url)


@pytest.fixture
def browser(shelf_app):
    return shelf_app.test_client()

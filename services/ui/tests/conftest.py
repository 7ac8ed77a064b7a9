import threading

import pytest
from flask import Flask, jsonify, request
from werkzeug.serving import WSGIRequestHandler, make_server

from shelf_kit import kit
from shelf_kit.testing import free_port
from shelf_ui import create_app


class _OneRequestPerConnection(WSGIRequestHandler):
    # HTTP/1.0: the connection closes after each answer, so a stopped stand-in cannot keep
    # answering on a kept-alive connection (a real service that stops closes them too).
    protocol_version = "HTTP/1.0"


class StandIn:
    """A real HTTP server on a free loopback port answering /healthz like a Shelf service,
    recording the headers of every request it was sent."""

    def __init__(self, service: str, version: str = "0.1.0"):
        self.service = service
        self.version = version
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.seen: list[dict[str, str]] = []
        app = Flask(f"stand-in-{service}")

        @app.get("/healthz")
        def healthz():
            self.seen.append(dict(request.headers))
            return jsonify(status="ok", service=self.service, version=self.version)

        self.server = make_server("127.0.0.1", self.port, app, threaded=True,
                                  request_handler=_OneRequestPerConnection)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True,
                                       kwargs={"poll_interval": 0.05})
        self.running = False

    def start(self) -> "StandIn":
        self.thread.start()
        self.running = True
        return self

    def stop(self) -> None:
        """Stop answering and close the listening socket: connections are refused."""
        if self.running:
            self.server.shutdown()
            self.server.server_close()
            self.thread.join()
            self.running = False


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

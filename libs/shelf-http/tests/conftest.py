"""A real HTTP server on a free loopback port, scripted per test."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from werkzeug.datastructures import Headers
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from shelf_http import ServiceClient

Handler = Callable[[Request], Response]


@dataclass
class Hit:
    method: str
    path: str
    headers: Headers  # case-insensitive


@dataclass
class FakeService:
    """Routes are set by the test; every request is recorded in ``hits``."""

    url: str = ""
    hits: list[Hit] = field(default_factory=list)
    routes: dict[str, Handler] = field(default_factory=dict)
    #: Set at teardown so that handlers blocked in ``stall`` return promptly.
    release: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def route(self, path: str, handler: Handler) -> None:
        self.routes[path] = handler

    def sequence(self, path: str, *responses: Response) -> None:
        """Answer ``path`` with ``responses`` in order, repeating the last one."""
        queue = list(responses)

        def handler(request: Request) -> Response:
            with self._lock:
                return queue.pop(0) if len(queue) > 1 else queue[0]

        self.route(path, handler)

    def stall(self, path: str) -> None:
        """Accept requests on ``path`` and never answer (until teardown)."""

        def handler(request: Request) -> Response:
            self.release.wait(10)
            return Response("too late")

        self.route(path, handler)

    def count(self, path: str) -> int:
        return sum(1 for hit in self.hits if hit.path == path)

    def __call__(self, environ, start_response):  # type: ignore[no-untyped-def]
        request = Request(environ)
        with self._lock:
            self.hits.append(Hit(request.method, request.path, Headers(request.headers)))
        handler = self.routes.get(request.path)
        response = handler(request) if handler else Response("no route", status=404)
        return response(environ, start_response)


@pytest.fixture
def service() -> Iterator[FakeService]:
    fake = FakeService()
    server = make_server("127.0.0.1", 0, fake, threaded=True)
    fake.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01})
    thread.start()
    try:
        yield fake
    finally:
        fake.release.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def closed_port() -> int:
    """A loopback port with nothing listening on it (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def make_client() -> Iterator[Callable[..., ServiceClient]]:
    """Build clients that are closed at teardown (unclosed sockets would warn)."""
    clients: list[ServiceClient] = []

    def make(base_url: str, **kwargs: object) -> ServiceClient:
        kwargs.setdefault("backoff_factor", 0)
        client = ServiceClient("api", base_url, **kwargs)  # type: ignore[arg-type]
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()

"""The front door's own behaviour: deploy/gateway/Caddyfile, run by the Caddy `make run` uses
(.tools/bin/caddy), with stand-ins for auth, api and ui that answer with what they received.

Which path reaches which service (and with which path), the forwarded headers a client cannot
forge, the metrics kept inside, and a write that arrives while its service is being replaced.
The same file, in front of the real services, is tested by test_front_door.py and, in
containers, by test_compose_up.py.
"""

from __future__ import annotations

import json
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from requests.adapters import HTTPAdapter

from shelf_kit.testing import LoopbackServer, free_port
from shelf_system import CADDY, CADDYFILE

TIMEOUT = (3, 15)
SERVICES = ("auth", "api", "ui")


def echo(service: str):
    """A WSGI app answering with the service's name, the path and headers it received."""

    def app(environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length).decode() if length else ""
        headers = {
            key[5:].replace("_", "-").title(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        answer = json.dumps(
            {
                "service": service,
                "path": environ["PATH_INFO"],
                "query": environ.get("QUERY_STRING", ""),
                "body": body,
                "headers": headers,
            }
        ).encode()
        start_response(
            "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(answer)))]
        )
        return [answer]

    return app


class Gateway:
    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.upstreams = {name: LoopbackServer(echo(name)) for name in SERVICES}
        self.env = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(folder),
            "XDG_CONFIG_HOME": str(folder),
            "XDG_DATA_HOME": str(folder),
            "SHELF_PORT": str(self.port),
            "SHELF_GATEWAY_BIND": "127.0.0.1",
            "SHELF_GATEWAY_ADMIN": "off",
            **{f"SHELF_{name.upper()}_HOST": "127.0.0.1" for name in SERVICES},
            **{f"SHELF_{name.upper()}_PORT": str(s.port) for name, s in self.upstreams.items()},
        }
        self.log = folder / "caddy.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        for upstream in self.upstreams.values():
            upstream.start()
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [str(CADDY), "run", "--adapter", "caddyfile", "--config", str(CADDYFILE)],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(self.url + "/", timeout=1)
                return
            except requests.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"Caddy did not start:\n{self.log.read_text()}") from None
                time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=15)
        for upstream in self.upstreams.values():
            upstream.stop()


@pytest.fixture(scope="module")
def gateway() -> Iterator[Gateway]:
    running = Gateway(Path(tempfile.mkdtemp(prefix="shelf-gateway-")))
    try:
        running.start()
        yield running
    finally:
        running.stop()


@pytest.mark.parametrize(
    "path, service, seen_as",
    [
        ("/api/bookmarks/?q=%23t&limit=5000", "api", "/api/bookmarks/"),
        ("/health", "api", "/health"),
        ("/feeds/abc/all", "api", "/feeds/abc/all"),
        ("/auth/v1/sessions", "auth", "/v1/sessions"),
        ("/auth/.well-known/jwks.json", "auth", "/.well-known/jwks.json"),
        ("/", "ui", "/"),
        ("/bookmarks?q=word", "ui", "/bookmarks"),  # the extension's omnibox opens this
        ("/login", "ui", "/login"),
    ],
)
def test_each_path_reaches_its_service(gateway, path, service, seen_as):
    answer = requests.get(gateway.url + path, timeout=TIMEOUT)
    assert answer.status_code == 200, answer.text
    seen = answer.json()
    assert (seen["service"], seen["path"]) == (service, seen_as)
    if "?" in path:
        assert seen["query"] == path.split("?", 1)[1]
    if service == "auth":
        assert seen["headers"]["X-Forwarded-Prefix"] == "/auth"


@pytest.mark.parametrize("path", ["/metrics", "/auth/metrics"])
def test_metrics_stay_inside(gateway, path):
    assert requests.get(gateway.url + path, timeout=TIMEOUT).status_code == 404


def test_a_client_cannot_forge_the_address_the_services_trust(gateway):
    """The services trust X-Forwarded-* from the gateway (api's and ui's links, auth's login
    throttling per address): what they get is what the gateway saw, not what a client wrote."""
    session = requests.Session()
    session.mount("http://", SourceAddressAdapter("127.0.0.7"))  # a client of its own
    forged = {
        "X-Forwarded-For": "203.0.113.9",
        "X-Forwarded-Host": "evil.example",
        "X-Forwarded-Proto": "https",
    }
    for path in ("/auth/v1/sessions", "/api/bookmarks/", "/login"):
        headers = session.post(
            gateway.url + path, json={"username": "ada"}, headers=forged, timeout=TIMEOUT
        ).json()["headers"]
        assert headers["X-Forwarded-For"] == "127.0.0.7", path
        assert headers["X-Forwarded-Host"] == f"127.0.0.1:{gateway.port}", path
        assert headers["X-Forwarded-Proto"] == "http", path


def test_a_write_sent_while_its_service_restarts_waits_for_it(gateway):
    """A replica being replaced refuses connections for a moment: the gateway tries again
    (for up to 10 s) instead of answering 502, and the body arrives whole."""
    api = gateway.upstreams["api"]
    api.stop()
    answers: list[requests.Response] = []
    sender = threading.Thread(
        target=lambda: answers.append(
            requests.post(
                gateway.url + "/api/bookmarks/",
                json={"url": "https://example.org/kept"},
                timeout=TIMEOUT,
            )
        )
    )
    sender.start()
    time.sleep(1)  # the request is being retried by now; then the service comes back
    api.start()
    sender.join(timeout=30)
    assert answers and answers[0].status_code == 200, answers
    assert json.loads(answers[0].json()["body"]) == {"url": "https://example.org/kept"}


class SourceAddressAdapter(HTTPAdapter):
    """Connections from a given loopback address (Linux routes all of 127.0.0.0/8 to lo)."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)

"""Request bodies against the real services (issue 11, items 2 and 12; contract C5).

The attacks as they were found: tens of megabytes of JSON keys to the login endpoints, several
at once, held every auth worker for half a minute and so stopped every login; a 100 MB body
grew a worker's memory by its size; JSON nested 1,000 deep or holding a lone surrogate was a
500. Bodies are sent over raw sockets, reading the answer while still sending, as an attacker's
client would: a service that refuses a body unread answers, and closes, before it has all been
sent.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from shelf_accounts import (
    TIMEOUT,
    api_key,
    log_in,
    make_admin,
    make_user,
    service_token,
    ui_session,
)
from shelf_system import ShelfSystem

MIB = 1024 * 1024
LIMIT = MIB  # SHELF_MAX_BODY_BYTES' default
ATTACKERS = 3
SOCKET_TIMEOUT = 120.0  # an answer, however slow the machine; never a verdict by itself
RSS_GROWTH_BOUND = 30 * MIB


@pytest.fixture(scope="module")
def admin(shelf_system):
    return make_admin(shelf_system)


@pytest.fixture(scope="module")
def person(shelf_system, admin):
    return make_user(shelf_system, admin, "limits")


@pytest.fixture(scope="module")
def millions_of_keys() -> bytes:
    """~63 MB of JSON: one object of five million keys, as the attack sent."""
    keys = b",".join(b'"k%d":0' % n for n in range(5_000_000))
    return b'{"username":"x","password":"y",' + keys + b"}"


@pytest.fixture(scope="module")
def hundred_megabytes() -> bytes:
    return b'{"username": "' + b"a" * (100 * MIB) + b'", "password": "x"}'


# -- raw HTTP -------------------------------------------------------------------------------


def post_raw(
    url: str,
    path: str,
    body: bytes,
    *,
    headers: dict[str, str] | None = None,
    content_type: str = "application/json",
    chunked: bool = False,
    declared_length: int | None = None,
) -> int:
    """POST `body` (with its Content-Length, a `declared_length` that lies, or chunked) while
    reading the answer; its status. Sending stops, quietly, when the service closes."""
    parts = urlsplit(url)
    head = [
        f"POST {path} HTTP/1.1",
        f"Host: {parts.netloc}",
        f"Content-Type: {content_type}",
        "Connection: close",
    ]
    head += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if chunked:
        head.append("Transfer-Encoding: chunked")
    else:
        head.append(f"Content-Length: {len(body) if declared_length is None else declared_length}")
    assert parts.hostname and parts.port, f"{url} names no host and port"
    with socket.create_connection((parts.hostname, parts.port), timeout=SOCKET_TIMEOUT) as sock:
        sender = threading.Thread(target=_send, args=(sock, head, body, chunked), daemon=True)
        sender.start()
        answer = b""
        try:
            while b"\r\n" not in answer:
                received = sock.recv(4096)
                if not received:
                    break
                answer += received
        finally:
            with contextlib.suppress(OSError):  # the service may have closed it already
                sock.shutdown(socket.SHUT_RDWR)
            sender.join()
    status_line = answer.split(b"\r\n", 1)[0].decode("latin-1")
    assert status_line.startswith("HTTP/1."), f"no answer to {path}: {answer[:200]!r}"
    return int(status_line.split()[1])


def _send(sock: socket.socket, head: list[str], body: bytes, chunked: bool) -> None:
    try:
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        view = memoryview(body)
        for start in range(0, len(body), MIB):
            piece = view[start : start + MIB]
            sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
        if chunked:
            sock.sendall(b"0\r\n\r\n")
    except OSError:  # the service answered and closed: the rest goes unsent, as it should
        pass


# -- a flood of huge logins, and a person logging in meanwhile -------------------------------


@dataclass
class Flood:
    """Attackers posting `body` to `path` over and over until stopped; every status kept."""

    url: str
    path: str
    body: bytes
    statuses: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    answered: threading.Event = field(default_factory=threading.Event)

    def attacker(self, chunked: bool) -> None:
        while not self.stop.is_set():
            try:
                self.statuses.append(post_raw(self.url, self.path, self.body, chunked=chunked))
            except (AssertionError, OSError) as error:
                self.errors.append(repr(error))
            self.answered.set()

    def __enter__(self) -> Flood:
        # Two attackers declare the body's length, one sends it chunked (no length at all).
        self.threads = [
            threading.Thread(target=self.attacker, args=(n == ATTACKERS - 1,), daemon=True)
            for n in range(ATTACKERS)
        ]
        for thread in self.threads:
            thread.start()
        assert self.answered.wait(SOCKET_TIMEOUT), "the flood got no answer at all"
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(SOCKET_TIMEOUT)


def test_a_flood_of_huge_logins_to_auth_is_refused_while_a_person_logs_in(
    shelf_system, person, millions_of_keys
):
    with Flood(shelf_system.urls["auth"], "/v1/sessions", millions_of_keys) as flood:
        logged_in = [log_in(shelf_system, person.username) for _ in range(3)]
        assert flood.answered.is_set() and not flood.stop.is_set()
    assert all(who.access_token for who in logged_in)
    assert flood.errors == []
    assert flood.statuses and set(flood.statuses) == {413}


def test_a_flood_of_huge_logins_to_the_ui_is_refused_while_a_person_logs_in(
    shelf_system, person, millions_of_keys
):
    with Flood(shelf_system.urls["ui"], "/login", millions_of_keys) as flood:
        browsers = [ui_session(shelf_system, person.username) for _ in range(3)]
    home = browsers[-1].get(shelf_system.urls["ui"] + "/", timeout=TIMEOUT)
    assert home.status_code == 200 and person.username in home.text
    assert flood.errors == []
    assert flood.statuses and set(flood.statuses) == {413}


def test_a_body_that_lies_about_its_length_is_read_no_further(shelf_system, millions_of_keys):
    # Declared small, sent huge: the service reads what was declared, and it is not JSON.
    status = post_raw(
        shelf_system.urls["auth"], "/v1/sessions", millions_of_keys, declared_length=1000
    )
    assert status == 400


# -- memory -------------------------------------------------------------------------------


def workers(system: ShelfSystem, service: str) -> list[int]:
    master = system.process(service).pid
    return [int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()]


def rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for {pid}")


MEMORY_TARGETS = [
    ("auth", "/v1/sessions"),
    ("ui", "/login"),
    ("api", "/api/bookmarks/"),
    ("tasks", "/v1/jobs"),
]


@pytest.mark.parametrize(("service", "path"), MEMORY_TARGETS)
def test_a_100_mb_body_does_not_grow_a_workers_memory(
    shelf_system, hundred_megabytes, service, path
):
    url = shelf_system.urls[service]
    for _ in range(8):  # each worker has answered something like it: first-use costs are paid
        post_raw(url, path, b'{"username": "x", "password": "y"}')
    before = {pid: rss(pid) for pid in workers(shelf_system, service)}
    statuses = [
        post_raw(url, path, hundred_megabytes, chunked=chunked)
        for chunked in (False, True)
        for _ in range(2)
    ]
    after = {pid: rss(pid) for pid in workers(shelf_system, service)}
    assert statuses == [413] * 4
    assert set(after) == set(before), "a worker died (or was replaced) under the bodies"
    growth = {pid: after[pid] - before[pid] for pid in before}
    assert max(growth.values()) < RSS_GROWTH_BOUND, f"RSS growth per worker: {growth}"


# -- JSON a schema must never see: 400 naming the field, never a 500 ------------------------


def deep(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@pytest.fixture(scope="module")
def callers(shelf_system, person):
    return {
        "auth": {},
        "ui": {},
        "api": {"Authorization": f"Token {api_key(shelf_system, person)}"},
        "tasks": {"Authorization": f"Bearer {service_token(shelf_system, 'api')}"},
    }


# (service, path, a body with `HOLE` where the bad value goes, the field it is in)
HOLE = b"@"
BAD_BODIES = [
    ("auth", "/v1/sessions", b'{"username": "ann", "password": @}', "password"),
    ("ui", "/login", b'{"username": "ann", "password": @}', "password"),
    ("api", "/api/bookmarks/", b'{"url": "https://example.com/", "tag_names": @}', "tag_names"),
    (
        "tasks",
        "/v1/jobs",
        b'{"kind": "fetch_metadata", "args": {"bookmark_id": @}}',
        "args.bookmark_id",
    ),
]


def bad_json(shelf_system, callers, service, path, body, value) -> requests.Response:
    return requests.post(
        shelf_system.urls[service] + path,
        data=body.replace(HOLE, value),
        timeout=TIMEOUT,
        headers={"Content-Type": "application/json", **callers[service]},
    )


def field_errors(service: str, response: requests.Response) -> dict:
    """api's linkding surface answers in DRF's shape; everything else in problem+json."""
    if service == "api":
        assert response.headers["Content-Type"].startswith("application/json")
        return response.json()
    assert response.headers["Content-Type"].startswith("application/problem+json")
    return response.json()["errors"]


@pytest.mark.parametrize(("service", "path", "body", "where"), BAD_BODIES)
def test_json_nested_1000_deep_is_a_400_naming_the_field(
    shelf_system, callers, service, path, body, where
):
    response = bad_json(shelf_system, callers, service, path, body, deep(1000))
    assert response.status_code == 400, response.text[:300]
    errors = field_errors(service, response)
    assert list(errors) == [where]
    assert "32 levels" in errors[where][0]


@pytest.mark.parametrize(("service", "path", "body", "where"), BAD_BODIES)
def test_a_lone_surrogate_is_a_400_naming_the_field(
    shelf_system, callers, service, path, body, where
):
    response = bad_json(shelf_system, callers, service, path, body, b'"a\\ud800b"')
    assert response.status_code == 400, response.text[:300]
    errors = field_errors(service, response)
    assert list(errors) == [where]
    assert "surrogate" in errors[where][0]


def test_api_answers_a_body_over_the_limit_in_linkdings_shape(shelf_system, callers):
    status = post_raw(
        shelf_system.urls["api"], "/api/bookmarks/", b" " * (2 * MIB), headers=callers["api"]
    )
    assert status == 413
    answer = requests.post(
        shelf_system.urls["api"] + "/api/bookmarks/",
        timeout=TIMEOUT,
        headers={"Content-Length": str(2 * MIB), **callers["api"]},
        data=b"",
    )
    assert answer.status_code == 413
    assert answer.json() == {
        "detail": f"The request body is larger than this endpoint accepts ({LIMIT} bytes)."
    }


def test_api_takes_an_import_file_larger_than_the_json_limit(shelf_system, callers):
    # Its route declares its own limit (SHELF_API_IMPORT_MAX_BYTES); a browser's export
    # carries much besides the links (icons as data: URLs), here a comment stands for it.
    lines = b"".join(
        b'<DT><A HREF="https://example.com/limits/%d">Page %d</A>\n' % (n, n) for n in range(3)
    )
    page = (
        b"<!DOCTYPE NETSCAPE-Bookmark-file-1>\n<!-- " + b"x" * (2 * LIMIT) + b" -->\n"
        b"<DL><p>\n" + lines + b"</DL><p>\n"
    )
    answer = requests.post(
        shelf_system.urls["api"] + "/api/bookmarks/import/",
        timeout=(2, 60),
        headers=callers["api"],
        files={"file": ("bookmarks.html", page, "text/html")},
    )
    assert answer.status_code == 201, answer.text[:300]
    assert answer.json()["total"] == 3


# -- /metrics -------------------------------------------------------------------------------


@pytest.mark.parametrize("service", ["auth", "ui"])
def test_metrics_answer_loopback_only_when_not_forwarded(shelf_system, service):
    url = shelf_system.urls[service] + "/metrics"
    direct = requests.get(url, timeout=TIMEOUT)
    assert direct.status_code == 200 and "shelf_http_requests_total" in direct.text
    forwarded = requests.get(url, timeout=TIMEOUT, headers={"X-Forwarded-For": "203.0.113.9"})
    assert forwarded.status_code == 404
    assert "shelf_http_requests_total" not in forwarded.text

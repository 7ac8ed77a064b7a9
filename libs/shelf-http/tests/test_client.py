"""Requests go where they should, carrying what they should."""

from __future__ import annotations

import importlib.metadata
import tomllib
from pathlib import Path

import pytest
import requests
from werkzeug.wrappers import Response

import shelf_http
from shelf_http import REQUEST_ID_HEADER, ServiceClient
from shelf_http.retry import RETRY_METHODS, RETRY_STATUSES, ShelfRetry


def test_version_matches_distribution() -> None:
    with (Path(__file__).parents[1] / "pyproject.toml").open("rb") as fh:
        declared = tomllib.load(fh)["project"]["version"]
    assert shelf_http.__version__ == importlib.metadata.version("shelf-http") == declared


def test_returns_response_for_success(service, make_client) -> None:
    service.route("/healthz", lambda r: Response('{"status":"ok"}', mimetype="application/json"))
    response = make_client(service.url).get("/healthz")
    assert isinstance(response, requests.Response)
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE"])
def test_verb_helpers_send_their_method(service, make_client, method) -> None:
    service.route(
        "/things", lambda r: Response(r.method, status=201 if r.method == "POST" else 200)
    )
    client = make_client(service.url)
    response = getattr(client, method.lower())("/things")
    assert response.text == method
    assert [hit.method for hit in service.hits] == [method]


@pytest.mark.parametrize(
    ("prefix", "suffix"),
    [("", ""), ("", "/"), ("/prefix", ""), ("/prefix", "/")],
    ids=["bare", "trailing-slash", "prefix", "prefix-trailing-slash"],
)
def test_joins_base_url_and_path(service, make_client, prefix, suffix) -> None:
    client = make_client(service.url + prefix + suffix)
    assert client.url("/bookmarks") == f"{service.url}{prefix}/bookmarks"
    service.route(f"{prefix}/bookmarks", lambda r: Response(r.query_string))
    assert client.get("/bookmarks", params={"q": "x y"}).text == "q=x+y"
    assert service.hits[0].path == f"{prefix}/bookmarks"


@pytest.mark.parametrize("path", ["bookmarks", "", "//evil.example/steal", "http://evil.example/"])
def test_rejects_paths_that_are_not_absolute_paths(make_client, path) -> None:
    client = make_client("http://127.0.0.1:8002")
    with pytest.raises(ValueError, match="must start with a single '/'"):
        client.get(path)


@pytest.mark.parametrize(
    "base_url", ["127.0.0.1:8001", "ftp://host", "http://", "/relative", "http://h/?q=1"]
)
def test_rejects_bad_base_url(base_url) -> None:
    with pytest.raises(ValueError, match="base_url"):
        ServiceClient("auth", base_url)


def test_sends_request_id_when_callable_returns_one(service, make_client) -> None:
    service.route("/x", lambda r: Response("ok"))
    client = make_client(service.url, request_id=lambda: "req-123")
    client.get("/x", headers={"Accept": "text/plain"})
    assert service.hits[0].headers[REQUEST_ID_HEADER] == "req-123"
    assert service.hits[0].headers["Accept"] == "text/plain"


@pytest.mark.parametrize(
    "request_id", [None, lambda: None, lambda: ""], ids=["no-callable", "none", "empty"]
)
def test_no_request_id_header_without_a_value(service, make_client, request_id) -> None:
    service.route("/x", lambda r: Response("ok"))
    make_client(service.url, request_id=request_id).get("/x")
    assert REQUEST_ID_HEADER not in service.hits[0].headers


def test_request_id_is_read_per_call(service, make_client) -> None:
    ids = iter(["first", "second"])
    service.route("/x", lambda r: Response("ok"))
    client = make_client(service.url, request_id=lambda: next(ids))
    client.get("/x")
    client.get("/x")
    assert [hit.headers[REQUEST_ID_HEADER] for hit in service.hits] == ["first", "second"]


def test_explicit_request_id_header_wins(service, make_client) -> None:
    service.route("/x", lambda r: Response("ok"))
    client = make_client(service.url, request_id=lambda: "from-context")
    client.get("/x", headers={"x-request-id": "explicit"})
    assert service.hits[0].headers[REQUEST_ID_HEADER] == "explicit"


def test_auth_object_is_applied(service, make_client) -> None:
    class TokenAuth(requests.auth.AuthBase):
        def __call__(self, r):
            r.headers["Authorization"] = "Bearer s3cret"
            return r

    service.route("/x", lambda r: Response("ok"))
    make_client(service.url, auth=TokenAuth()).get("/x")
    assert service.hits[0].headers["Authorization"] == "Bearer s3cret"


def test_user_agent_default_and_custom(service, make_client) -> None:
    service.route("/x", lambda r: Response("ok"))
    make_client(service.url).get("/x")
    make_client(service.url, user_agent="shelf-ui/0.1.0").get("/x")
    assert [hit.headers["User-Agent"] for hit in service.hits] == [
        f"shelf-http/{shelf_http.__version__}",
        "shelf-ui/0.1.0",
    ]


def test_cookies_from_one_call_are_not_sent_on_the_next(service, make_client) -> None:
    def login(request):
        response = Response("ok")
        response.set_cookie("session", "alice")
        return response

    service.route("/login", login)
    service.route("/x", lambda r: Response("ok"))
    client = make_client(service.url)
    assert client.post("/login").cookies["session"] == "alice"
    client.get("/x")
    client.get("/x", cookies={"explicit": "1"})
    assert "Cookie" not in service.hits[1].headers
    assert service.hits[2].headers["Cookie"] == "explicit=1"


def test_defaults_and_mounted_retry_policy() -> None:
    with ServiceClient("auth", "http://127.0.0.1:8001") as client:
        assert client.timeout == (1.0, 5.0)
        for prefix in ("http://", "https://"):
            retry = client.session.get_adapter(prefix + "x").max_retries
            assert isinstance(retry, ShelfRetry)
            assert (retry.total, retry.connect, retry.read, retry.status) == (2, 2, 2, 2)
            assert retry.backoff_factor == 0.1
            assert tuple(retry.status_forcelist) == RETRY_STATUSES == (502, 503, 504)
            assert retry.allowed_methods == RETRY_METHODS
            assert retry.raise_on_status is False
            assert retry.respect_retry_after_header is True
        assert repr(client) == "<ServiceClient auth http://127.0.0.1:8001>"


def test_context_manager_closes_the_session(monkeypatch) -> None:
    closed = []
    client = ServiceClient("auth", "http://127.0.0.1:8001")
    monkeypatch.setattr(client.session, "close", lambda: closed.append(True))
    with client as entered:
        assert entered is client
    assert closed == [True]


@pytest.mark.parametrize(
    "kwargs",
    [{"connect_timeout": 0}, {"read_timeout": -1}, {"retries": -1}, {"backoff_factor": -0.1}],
)
def test_rejects_bad_settings(kwargs) -> None:
    with pytest.raises(ValueError):
        ServiceClient("auth", "http://127.0.0.1:8001", **kwargs)

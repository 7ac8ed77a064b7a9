"""The exception tree and what each error tells the caller."""

from __future__ import annotations

import json
import socket
import threading

import pytest
from werkzeug.wrappers import Response

from shelf_http import ServiceError, ServiceRejected, ServiceUnavailable


def problem(status: int, title: str, detail: str, **extra: object) -> Response:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return Response(json.dumps(body), status=status, mimetype="application/problem+json")


def test_exception_tree() -> None:
    assert issubclass(ServiceUnavailable, ServiceError)
    assert issubclass(ServiceRejected, ServiceError)
    assert issubclass(ServiceError, Exception)
    assert not issubclass(ServiceRejected, ServiceUnavailable)


def test_4xx_problem_json_raises_rejected_with_problem(service, make_client) -> None:
    service.route(
        "/bookmarks/7",
        lambda r: problem(404, "Not Found", "bookmark 7 does not exist", request_id="abc"),
    )
    with pytest.raises(ServiceRejected) as caught:
        make_client(service.url).get("/bookmarks/7")
    error = caught.value
    assert error.status == 404
    assert error.problem == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "bookmark 7 does not exist",
        "request_id": "abc",
    }
    assert error.response is not None and error.response.status_code == 404
    assert (error.service, error.method, error.url) == ("api", "GET", f"{service.url}/bookmarks/7")
    assert str(error) == (
        "api rejected the request: 404 NOT FOUND: bookmark 7 does not exist "
        f"(GET {service.url}/bookmarks/7)"
    )


def test_validation_problem_keeps_field_errors(service, make_client) -> None:
    service.route(
        "/bookmarks",
        lambda r: problem(
            422, "Unprocessable Entity", "invalid input", errors={"url": ["required"]}
        ),
    )
    with pytest.raises(ServiceRejected) as caught:
        make_client(service.url).post("/bookmarks", json={})
    assert caught.value.status == 422
    assert caught.value.problem["errors"] == {"url": ["required"]}
    assert "POST" in str(caught.value)


def test_plain_json_error_body_is_parsed_too(service, make_client) -> None:
    service.route(
        "/x", lambda r: Response('{"error": "nope"}', status=400, mimetype="application/json")
    )
    with pytest.raises(ServiceRejected) as caught:
        make_client(service.url).get("/x")
    assert caught.value.problem == {"error": "nope"}


@pytest.mark.parametrize(
    ("body", "mimetype"),
    [("<h1>Forbidden</h1>", "text/html"), ("{not json", "application/problem+json")],
    ids=["html", "broken-json"],
)
def test_non_json_4xx_has_no_problem(service, make_client, body, mimetype) -> None:
    service.route("/x", lambda r: Response(body, status=403, mimetype=mimetype))
    with pytest.raises(ServiceRejected) as caught:
        make_client(service.url).get("/x")
    assert caught.value.status == 403
    assert caught.value.problem is None
    assert str(caught.value) == f"api rejected the request: 403 FORBIDDEN (GET {service.url}/x)"


def test_500_raises_unavailable_with_status_and_problem(service, make_client) -> None:
    service.route("/x", lambda r: problem(500, "Internal Server Error", "database is\nlocked"))
    with pytest.raises(ServiceUnavailable) as caught:
        make_client(service.url).get("/x")
    error = caught.value
    assert error.status == 500
    assert error.problem["detail"] == "database is\nlocked"
    assert error.response is not None
    assert str(error) == (
        "api is unavailable: answered 500 INTERNAL SERVER ERROR: database is locked "
        f"(GET {service.url}/x)"
    )


def test_long_detail_is_shortened_to_one_line(service, make_client) -> None:
    service.route("/x", lambda r: problem(400, "Bad Request", "word\n" * 200))
    with pytest.raises(ServiceRejected) as caught:
        make_client(service.url).get("/x")
    message = str(caught.value)
    assert "\n" not in message
    assert len(message) < 300
    assert "..." in message


def test_transport_error_is_chained(closed_port, make_client) -> None:
    with pytest.raises(ServiceUnavailable) as caught:
        make_client(f"http://127.0.0.1:{closed_port}", retries=0).get("/x")
    assert caught.value.__cause__ is not None


def test_other_request_failures_are_plain_service_errors(service, make_client) -> None:
    service.route("/loop", lambda r: Response(status=302, headers={"Location": "/loop"}))
    client = make_client(service.url)
    client.session.max_redirects = 3
    with pytest.raises(ServiceError) as caught:
        client.get("/loop")
    assert type(caught.value) is ServiceError
    assert str(caught.value) == f"call to api failed: too many redirects (GET {service.url}/loop)"


@pytest.mark.parametrize(("method", "attempts"), [("GET", 3), ("POST", 1)])
def test_connection_dropped_after_sending_is_retried_only_if_idempotent(
    make_client, method, attempts
) -> None:
    # A server that reads the request and hangs up: the request *was* sent, so
    # urllib3 counts it as a read error (ProtocolError), retried only for
    # allowed_methods.
    connections = []
    stop = threading.Event()
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(0.01)
        port = listener.getsockname()[1]

        def hang_up() -> None:
            while not stop.is_set():
                try:
                    conn, _ = listener.accept()
                except TimeoutError:
                    continue
                with conn:
                    connections.append(conn)
                    data = b""
                    while b"\r\n\r\n" not in data:
                        data += conn.recv(65536)
                    conn.shutdown(socket.SHUT_RDWR)

        thread = threading.Thread(target=hang_up)
        thread.start()
        url = f"http://127.0.0.1:{port}"
        try:
            with pytest.raises(ServiceUnavailable) as caught:
                make_client(url, retries=2).request(method, "/x")
        finally:
            stop.set()
            thread.join(5)
    assert len(connections) == attempts
    assert str(caught.value) == (
        f"api is unavailable: connection closed without an answer ({method} {url}/x)"
    )

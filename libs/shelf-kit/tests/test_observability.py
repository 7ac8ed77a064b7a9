"""Request ids, JSON logs and metrics."""

import json

from flask import g, request


def test_request_id_is_echoed(client):
    response = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"


def test_request_id_is_made_when_missing_or_unsafe(client):
    made = client.get("/healthz").headers["X-Request-ID"]
    assert len(made) == 32
    replaced = client.get("/healthz", headers={"X-Request-ID": "bad id; with spaces"})
    assert replaced.headers["X-Request-ID"] != "bad id; with spaces"


def test_each_request_logs_one_json_line_with_its_request_id(client, capsys):
    capsys.readouterr()
    client.get("/healthz", headers={"X-Request-ID": "log-me"})
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.strip()]
    requests = [line for line in lines if line.get("path") == "/healthz"]
    assert len(requests) == 1
    assert requests[0]["request_id"] == "log-me"
    assert requests[0]["service"] == "demo"
    assert requests[0]["status"] == 200


def test_metrics_count_requests_by_route(client):
    client.get("/healthz")
    text = client.get("/metrics").get_data(as_text=True)
    sample = 'shelf_http_requests_total{method="GET",route="/healthz",service="demo",status="200"}'
    assert sample in text


REMOTE = {"REMOTE_ADDR": "203.0.113.7"}


def test_metrics_answer_a_direct_caller_on_loopback(client):
    for address in ("127.0.0.1", "127.8.9.1", "::1", "::ffff:127.0.0.1"):
        response = client.get("/metrics", environ_base={"REMOTE_ADDR": address})
        assert response.status_code == 200, address
        assert b"shelf_http_requests_total" in response.data


def test_metrics_are_not_there_for_anyone_else(client):
    # The gateway serves the ui's paths (and so /metrics) to the world: what it forwards
    # carries X-Forwarded-For, though the gateway itself is on loopback.
    forwarded = client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.7"})
    assert forwarded.status_code == 404
    assert forwarded.content_type == "application/problem+json"
    assert client.get("/metrics", headers={"Forwarded": "for=203.0.113.7"}).status_code == 404
    assert client.get("/metrics", environ_base=REMOTE).status_code == 404
    # No token configured: no bearer token opens them.
    assert (
        client.get(
            "/metrics", environ_base=REMOTE, headers={"Authorization": "Bearer "}
        ).status_code
        == 404
    )


def test_metrics_answer_the_metrics_token_from_anywhere(make_app):
    client = make_app(SHELF_METRICS_TOKEN="s3cret-scrape").test_client()
    right = client.get(
        "/metrics",
        environ_base=REMOTE,
        headers={"Authorization": "Bearer s3cret-scrape", "X-Forwarded-For": "203.0.113.7"},
    )
    assert right.status_code == 200
    for wrong in ("Bearer s3cret", "Bearer s3cret-scrape-not", "Token s3cret-scrape", ""):
        answer = client.get("/metrics", environ_base=REMOTE, headers={"Authorization": wrong})
        assert answer.status_code == 404, wrong


def test_metrics_answer_whom_the_services_identity_guard_let_in(app):
    # api and tasks guard every route with shelf-identity, which sets g.identity.
    @app.before_request
    def _identity_guard():
        if request.headers.get("Authorization") == "Bearer valid-user-token":
            g.identity = "a user"

    client = app.test_client()
    assert (
        client.get(
            "/metrics", environ_base=REMOTE, headers={"Authorization": "Bearer valid-user-token"}
        ).status_code
        == 200
    )
    assert client.get("/metrics", environ_base=REMOTE).status_code == 404

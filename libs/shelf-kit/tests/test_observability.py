"""Request ids, JSON logs and metrics."""

import json


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

"""Every error is problem+json, with the request id and without internals."""

PROBLEM = "application/problem+json"


def test_unknown_path_is_a_problem(client):
    response = client.get("/nowhere", headers={"X-Request-ID": "req-404"})
    assert response.status_code == 404
    assert response.content_type == PROBLEM
    body = response.get_json()
    assert body["status"] == 404
    assert body["title"] == "Not Found"
    assert body["request_id"] == "req-404"


def test_wrong_method_keeps_allow_header(client):
    response = client.delete("/v1/items")
    assert response.status_code == 405
    assert response.content_type == PROBLEM
    assert "POST" in response.headers["Allow"]


def test_validation_error_names_the_fields(client):
    response = client.post("/v1/items", json={"name": "", "count": 1.5})
    assert response.status_code == 422
    body = response.get_json()
    assert response.content_type == PROBLEM
    assert set(body["errors"]) == {"name", "count"}
    assert "count" in body["detail"] and "name" in body["detail"]


def test_valid_request_passes(client):
    response = client.post("/v1/items", json={"name": "pen", "count": 2})
    assert response.status_code == 201
    assert response.get_json() == {"name": "pen", "count": 2}


def test_unexpected_error_hides_internals(client, capsys):
    response = client.get("/v1/boom")
    assert response.status_code == 500
    assert response.content_type == PROBLEM
    assert "secret internals" not in response.get_data(as_text=True)
    assert "secret internals" in capsys.readouterr().err  # the log keeps the trace


def test_dependency_down_is_503_naming_it(app):
    from shelf_http import ServiceUnavailable

    @app.get("/v1/needs-auth")
    def needs_auth():
        raise ServiceUnavailable("auth is unavailable: connection refused", service="auth",
                                 method="GET", url="http://127.0.0.1:1/x")

    response = app.test_client().get("/v1/needs-auth")
    assert response.status_code == 503
    assert response.get_json()["dependency"] == "auth"
    assert "auth" in response.get_json()["detail"]
    assert response.headers["Retry-After"]


def test_nul_characters_are_refused_naming_the_field(client):
    body = client.post("/v1/items", json={"name": "a\x00b", "count": 1})
    assert body.status_code == 400
    assert body.content_type == PROBLEM
    assert body.get_json()["errors"] == {"name": ["Text may not contain NUL characters."]}
    query = client.get("/healthz?q=a%00b")
    assert query.status_code == 400
    assert "q" in query.get_json()["errors"]
    assert client.post("/v1/items", json={"name": "ab", "count": 1}).status_code == 201

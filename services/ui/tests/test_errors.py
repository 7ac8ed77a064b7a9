"""Errors: a page for a browser, problem+json for everyone else."""

import pytest
from flask import session

from shelf_http import ServiceUnavailable
from shelf_ui import create_app

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_a_browser_gets_a_not_found_page_with_the_request_id(client):
    response = client.get(
        "/no/such/page", headers={"Accept": BROWSER, "X-Request-ID": "quote-me-404"}
    )
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "Not Found" in html
    assert "404" in html
    assert "quote-me-404" in html
    assert 'href="/"' in html  # a way back


@pytest.mark.parametrize("accept", ["application/json", "*/*", None])
def test_an_api_client_gets_problem_json(client, accept):
    headers = {"X-Request-ID": "json-404"}
    if accept:
        headers["Accept"] = accept
    response = client.get("/no/such/page", headers=headers)
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"
    body = response.get_json()
    assert body["status"] == 404
    assert body["request_id"] == "json-404"


def test_a_page_whose_service_is_down_says_which(app):
    @app.get("/needs-api")
    def needs_api():
        raise ServiceUnavailable(
            "api is unavailable: connection refused",
            service="api",
            method="GET",
            url="http://127.0.0.1:1/api/bookmarks/",
        )

    response = app.test_client().get(
        "/needs-api", headers={"Accept": BROWSER, "X-Request-ID": "down-1"}
    )
    assert response.status_code == 503
    assert response.mimetype == "text/html"
    assert response.headers["Retry-After"]
    html = response.get_data(as_text=True)
    assert "The <strong>api</strong> service is down" in html
    assert "down-1" in html
    assert "127.0.0.1:1" not in html  # internal addresses stay in the log


def test_an_unexpected_error_page_hides_internals(app):
    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals <script>")

    response = app.test_client().get("/boom", headers={"Accept": BROWSER})
    assert response.status_code == 500
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "secret internals" not in html
    assert "Internal Server Error" in html


def set_session_route(app):
    @app.get("/remember")
    def remember():
        session["seen"] = True
        return "ok"


def test_the_session_cookie_is_httponly_and_samesite_lax(app):
    set_session_route(app)
    cookie = app.test_client().get("/remember").headers["Set-Cookie"]
    assert cookie.startswith("shelf_session=")
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert "httponly" in flags
    assert "samesite=lax" in flags
    assert "secure" not in flags  # test mode serves plain http


def test_the_session_cookie_is_secure_when_configured():
    app = create_app({"SHELF_ENV": "test", "SHELF_UI_SECURE_COOKIES": True})
    set_session_route(app)
    cookie = app.test_client().get("/remember", base_url="https://localhost").headers["Set-Cookie"]
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"secure", "httponly", "samesite=lax"} <= flags

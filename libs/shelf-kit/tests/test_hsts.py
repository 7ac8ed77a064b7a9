"""Strict-Transport-Security on every answer that came over TLS, never on plain HTTP."""

from werkzeug.middleware.proxy_fix import ProxyFix

HSTS = "Strict-Transport-Security"


def test_answers_over_tls_carry_hsts(client):
    for path, status in (("/healthz", 200), ("/nowhere", 404)):
        response = client.get(path, base_url="https://shelf.example")
        assert response.status_code == status
        assert response.headers[HSTS] == "max-age=31536000"


def test_plain_http_never_carries_hsts(client):
    assert HSTS not in client.get("/healthz").headers
    # An untrusted caller's word changes nothing.
    claimed = client.get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert HSTS not in claimed.headers


def test_a_trusted_proxy_saying_tls_brings_hsts(app):
    app.wsgi_app = ProxyFix(app.wsgi_app, x_proto=1)
    client = app.test_client()
    behind_tls = client.get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert behind_tls.headers[HSTS] == "max-age=31536000"
    plain = client.get("/healthz", headers={"X-Forwarded-Proto": "http"})
    assert HSTS not in plain.headers

"""HTTP Strict Transport Security on every answer that came over TLS, never on plain HTTP.

"Came over TLS" is `request.is_secure`: the WSGI server's own TLS, or the scheme a trusted
proxy in front reported (a service that trusts its proxy applies Werkzeug's ProxyFix with
`x_proto`, which sets the scheme from X-Forwarded-Proto; an untrusted caller's
X-Forwarded-Proto changes nothing). A browser that saw the header once then refuses plain
HTTP to that host for MAX_AGE seconds, so a network in between cannot strip TLS. On plain HTTP
the header would mean nothing to a browser and would only mislead.
"""

from __future__ import annotations

from flask import Flask, Response, request

HEADER = "Strict-Transport-Security"
MAX_AGE = 365 * 24 * 3600  # a year; subdomains are left alone (they may be other sites)
VALUE = f"max-age={MAX_AGE}"


def init_app(app: Flask) -> None:
    @app.after_request
    def _strict_transport_security(response: Response) -> Response:
        if request.is_secure:
            response.headers.setdefault(HEADER, VALUE)
        return response

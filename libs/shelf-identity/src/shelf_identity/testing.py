"""A stand-in auth for tests: real HTTP on loopback, real ES256 keys, counting what it is asked.

    auth = StandInAuth({"api": "s3cret"}).start()   # the clients and secrets it knows
    auth.user_token(7, is_admin=True)               # tokens signed with the current key
    auth.api_keys["a" * 40] = {"id": 7, "username": "ann", "is_admin": False, "is_active": True}
    auth.add_key("k2")                              # rotate: k2 signs from now on
    auth.stop()                                     # auth is down: connections refused

It serves what Shelf's services ask auth for: /healthz, /.well-known/jwks.json,
POST /v1/service-tokens (client credentials) and POST /v1/api-keys/introspect (service tokens
only). `calls` counts the requests to each.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from flask import Flask, Response, jsonify, request

from shelf_kit.testing import LoopbackServer

ISSUER = "shelf-auth"
AUDIENCE = "shelf"
DEV_CLIENTS: Mapping[str, str] = MappingProxyType({"api": "dev-api-secret"})


def _problem(status: int, title: str, detail: str) -> Response:
    response = jsonify(type="about:blank", title=title, status=status, detail=detail)
    response.status_code = status
    response.content_type = "application/problem+json"
    if status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


class StandInAuth(LoopbackServer):
    """auth on a free loopback port (not started: call `start()`)."""

    def __init__(self, clients: Mapping[str, str] = DEV_CLIENTS, *, port: int | None = None,
                 version: str = "0.1.0") -> None:
        self.clients = dict(clients)                 # client id -> secret
        self.version = version
        self.keys: dict[str, ec.EllipticCurvePrivateKey] = {}   # kid -> private key
        self.published: list[str] = []               # kids in the JWKS
        self.current: str | None = None              # the kid that signs
        self.calls = {"healthz": 0, "jwks": 0, "service-tokens": 0, "introspect": 0}
        self.api_keys: dict[str, dict[str, Any]] = {}  # API key -> user dict
        self.add_key("k1")
        super().__init__(self._app(), port)

    # -- keys and tokens ------------------------------------------------------------------------

    def add_key(self, kid: str, *, current: bool = True, publish: bool = True) -> None:
        """A new key; `current` signs from now on, `publish` puts it in the JWKS."""
        self.keys[kid] = ec.generate_private_key(ec.SECP256R1())
        if publish:
            self.published.append(kid)
        if current:
            self.current = kid

    def sign(self, claims: Mapping[str, Any], *, kid: str | None = None,
             lifetime: int = 900) -> str:
        """A token with auth's standard claims and these, signed with the key `kid` (the
        current one by default)."""
        now = int(time.time())
        payload = {"iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + lifetime,
                   "jti": uuid.uuid4().hex, **claims}
        kid = kid or self.current
        assert kid is not None
        return jwt.encode(payload, self.keys[kid], algorithm="ES256", headers={"kid": kid})

    def user_token(self, user_id: int, username: str | None = None, is_admin: bool = False,
                   **options: Any) -> str:
        """A user's access token, as auth issues it; options go to `sign()`."""
        return self.sign({"sub": str(user_id), "scope": "user",
                          "username": username or f"user{user_id}", "is_admin": is_admin},
                         **options)

    def service_token(self, client_id: str, **options: Any) -> str:
        """A service token of this client, as auth issues it; options go to `sign()`."""
        return self.sign({"sub": f"service:{client_id}", "scope": "service",
                          "client_id": client_id, "is_admin": False}, **options)

    def verify(self, token: str) -> dict[str, Any]:
        """The claims of a token this stand-in signed; jwt.InvalidTokenError otherwise."""
        kid = jwt.get_unverified_header(token).get("kid")
        if kid not in self.keys:
            raise jwt.InvalidTokenError(f"unknown key id {kid!r}")
        return jwt.decode(token, self.keys[kid].public_key(), algorithms=["ES256"],
                          audience=AUDIENCE, issuer=ISSUER)

    def jwks(self) -> dict[str, Any]:
        keys = []
        for kid in self.published:
            jwk = jwt.algorithms.ECAlgorithm.to_jwk(self.keys[kid].public_key(), as_dict=True)
            keys.append({**jwk, "kid": kid, "alg": "ES256", "use": "sig"})
        return {"keys": keys}

    # -- the routes -----------------------------------------------------------------------------

    def _app(self) -> Flask:
        app = Flask("stand-in-auth")

        @app.get("/healthz")
        def healthz():
            self.calls["healthz"] += 1
            return jsonify(status="ok", service="auth", version=self.version)

        @app.get("/.well-known/jwks.json")
        def jwks():
            self.calls["jwks"] += 1
            return jsonify(self.jwks())

        @app.post("/v1/service-tokens")
        def service_tokens():
            self.calls["service-tokens"] += 1
            body = request.get_json(silent=True)
            client_id = body.get("client_id") if isinstance(body, dict) else None
            secret = self.clients.get(client_id) if isinstance(client_id, str) else None
            if secret is None or body.get("client_secret") != secret:
                return _problem(401, "Unauthorized", "Unknown client or wrong secret.")
            return jsonify(access_token=self.service_token(client_id), token_type="Bearer",
                           expires_in=900)

        @app.post("/v1/api-keys/introspect")
        def introspect():
            self.calls["introspect"] += 1
            scheme, _, token = request.headers.get("Authorization", "").partition(" ")
            try:
                claims = self.verify(token) if scheme == "Bearer" else None
            except jwt.InvalidTokenError:
                claims = None
            if claims is None:
                return _problem(401, "Unauthorized", "A service token is needed.")
            if claims.get("scope") != "service":
                return _problem(403, "Forbidden", "Only Shelf's services may do this.")
            body = request.get_json(silent=True)
            key = body.get("key") if isinstance(body, dict) else None
            user = self.api_keys.get(key) if isinstance(key, str) else None
            return jsonify(active=True, user=user) if user else jsonify(active=False)

        return app

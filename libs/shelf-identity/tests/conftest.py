"""A stand-in auth on loopback: real HTTP, real ES256 keys, counting what it is asked."""

import threading
import time
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from flask import Flask, jsonify, request
from werkzeug.serving import make_server

from shelf_identity import (
    current_identity,
    public,
    require_admin,
    require_service,
    setup_identity,
)
from shelf_kit import create_service_app
from shelf_kit.testing import free_port


class StandInAuth:
    def __init__(self):
        self.keys = {}            # kid -> private key
        self.published = []       # kids in the JWKS
        self.current = None
        self.calls = {"jwks": 0, "service-tokens": 0, "introspect": 0}
        self.api_keys = {}        # key -> user dict
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.add_key("k1")
        app = Flask("stand-in-auth")

        @app.get("/.well-known/jwks.json")
        def jwks():
            self.calls["jwks"] += 1
            keys = []
            for kid in self.published:
                jwk = jwt.algorithms.ECAlgorithm.to_jwk(self.keys[kid].public_key(), as_dict=True)
                keys.append({**jwk, "kid": kid, "alg": "ES256", "use": "sig"})
            return jsonify(keys=keys)

        @app.post("/v1/service-tokens")
        def service_tokens():
            self.calls["service-tokens"] += 1
            body = request.get_json()
            if body != {"client_id": "api", "client_secret": "s3cret"}:
                return jsonify(title="Unauthorized", status=401), 401
            token = self.sign({"sub": "service:api", "scope": "service", "client_id": "api"})
            return jsonify(access_token=token, token_type="Bearer", expires_in=900)

        @app.post("/v1/api-keys/introspect")
        def introspect():
            self.calls["introspect"] += 1
            token = request.headers.get("Authorization", "").partition(" ")[2]
            key = self.keys[jwt.get_unverified_header(token)["kid"]].public_key()
            claims = jwt.decode(token, key, algorithms=["ES256"], audience="shelf")
            if claims["scope"] != "service":
                return jsonify(title="Forbidden", status=403), 403
            user = self.api_keys.get(request.get_json()["key"])
            return jsonify(active=True, user=user) if user else jsonify(active=False)

        self.server = make_server("127.0.0.1", self.port, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def add_key(self, kid, *, current=True, publish=True):
        self.keys[kid] = ec.generate_private_key(ec.SECP256R1())
        if publish:
            self.published.append(kid)
        if current:
            self.current = kid

    def sign(self, claims, *, kid=None, lifetime=900, key=None):
        now = int(time.time())
        payload = {"iss": "shelf-auth", "aud": "shelf", "iat": now, "exp": now + lifetime,
                   "jti": uuid.uuid4().hex, **claims}
        kid = kid or self.current
        return jwt.encode(payload, key or self.keys[kid], algorithm="ES256", headers={"kid": kid})

    def user_token(self, user_id=7, *, is_admin=False, **options):
        return self.sign({"sub": str(user_id), "scope": "user", "username": f"user{user_id}",
                          "is_admin": is_admin}, **options)

    def stop(self):
        self.server.shutdown()
        self.thread.join()


@pytest.fixture
def auth():
    stand_in = StandInAuth()
    stand_in.thread.start()
    yield stand_in
    stand_in.stop()


def build_service(auth_url):
    app, _api = create_service_app("svc", service="svc", version="0.0.1", settings={},
                                   test_config={"SHELF_ENV": "test"})
    setup_identity(app, auth_url=auth_url, client_id="api", client_secret="s3cret")

    @app.get("/v1/me")
    def me():
        identity = current_identity()
        return {"kind": identity.kind, "user_id": identity.user_id, "via": identity.via}

    @app.get("/v1/admin-only")
    @require_admin
    def admin_only():
        return {"ok": True}

    @app.get("/v1/service-only")
    @require_service
    def service_only():
        return {"ok": True}

    @app.get("/v1/open")
    @public
    def open_view():
        return {"ok": True}

    return app


@pytest.fixture
def service(auth):
    return build_service(auth.url)


@pytest.fixture
def client(service):
    return service.test_client()

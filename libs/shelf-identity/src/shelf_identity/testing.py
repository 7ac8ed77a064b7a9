"""A stand-in auth for tests: real HTTP on loopback, real ES256 keys, counting what it is asked.

    auth = StandInAuth({"api": "s3cret"}).start()   # the clients and secrets it knows
    auth.user_token(7, is_admin=True)               # tokens signed with the current key
    auth.api_keys["a" * 40] = {"id": 7, "username": "ann", "is_admin": False, "is_active": True}
    auth.add_key("k2")                              # rotate: k2 signs from now on
    auth.revoke_user(7)                             # every token user 7 holds is void
    auth.stop()                                     # auth is down: connections refused

It serves what Shelf's services ask auth for: /healthz, /.well-known/jwks.json,
POST /v1/service-tokens (client credentials, for the audience asked, if `audiences` allows
it), and, for service tokens meant for auth only, POST /v1/api-keys/introspect,
GET /v1/revocations (what `revoke_session`, `revoke_user` and `api_key_changed` recorded) and
POST /v1/maintenance/purge (tasks' nightly purge). `calls` counts the requests to each.

Given auth's document (`contract`, the `shelf_kit.contracts.Contract` of
services/auth/openapi.json), every request it is sent and every answer it gives is checked
against it, and `problems` lists what did not fit: a consumer's tests then fail when auth's
document changes in a way the consumer, or this stand-in, no longer fits.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from flask import Flask, Response, jsonify, request

from shelf_kit.testing import LoopbackServer

if TYPE_CHECKING:
    from shelf_kit.contracts import Contract

ISSUER = "shelf-auth"
AUDIENCE = "shelf"
SERVICES = ("auth", "api", "tasks", "ui")
WINDOW_SECONDS = 960  # auth's: an access token's 900 s and a leeway
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

    def __init__(
        self,
        clients: Mapping[str, str] = DEV_CLIENTS,
        *,
        port: int | None = None,
        version: str = "0.1.0",
        audiences: Mapping[str, Iterable[str]] | None = None,
        contract: Contract | None = None,
    ) -> None:
        self.clients = dict(clients)  # client id -> secret
        self.contract = contract
        self.problems: list[str] = []  # what did not fit `contract`
        # client id -> the services it may get tokens for; None: any client, any service
        self.audiences = (
            None
            if audiences is None
            else {client: frozenset(services) for client, services in audiences.items()}
        )
        self.version = version
        self.keys: dict[str, ec.EllipticCurvePrivateKey] = {}  # kid -> private key
        self.published: list[str] = []  # kids in the JWKS
        self.current: str | None = None  # the kid that signs
        self.calls = {
            "healthz": 0,
            "jwks": 0,
            "service-tokens": 0,
            "introspect": 0,
            "revocations": 0,
            "purge": 0,
        }
        self.api_keys: dict[str, dict[str, Any]] = {}  # API key -> user dict
        self.revocations: list[dict[str, Any]] = []  # what GET /v1/revocations lists
        self.versions: dict[int, int] = {}  # user id -> token version (default 1)
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

    def sign(
        self, claims: Mapping[str, Any], *, kid: str | None = None, lifetime: int = 900
    ) -> str:
        """A token with auth's standard claims and these, signed with the key `kid` (the
        current one by default)."""
        now = int(time.time())
        payload = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": now,
            "exp": now + lifetime,
            "jti": uuid.uuid4().hex,
            **claims,
        }
        kid = kid or self.current
        assert kid is not None
        return jwt.encode(payload, self.keys[kid], algorithm="ES256", headers={"kid": kid})

    def user_token(
        self,
        user_id: int,
        username: str | None = None,
        is_admin: bool = False,
        *,
        session_id: str | None = None,
        **options: Any,
    ) -> str:
        """A user's access token, as auth issues it (in session `session_id`, or a new one;
        with the user's current token version); options go to `sign()`."""
        return self.sign(
            {
                "sub": str(user_id),
                "scope": "user",
                "username": username or f"user{user_id}",
                "is_admin": is_admin,
                "sid": session_id or uuid.uuid4().hex,
                "ver": self.versions.get(user_id, 1),
            },
            **options,
        )

    def service_token(self, client_id: str, audience: str | None = None, **options: Any) -> str:
        """A service token of this client for the service `audience`, as auth issues it;
        without one, for every service the client may call (auth's answer to a client that
        names none). Options go to `sign()`."""
        if self.audiences is None:
            allowed = sorted(SERVICES)
        else:
            allowed = sorted(self.audiences.get(client_id, frozenset()))
        aud = audience if audience is not None else [AUDIENCE, *allowed]
        return self.sign(
            {
                "sub": f"service:{client_id}",
                "scope": "service",
                "client_id": client_id,
                "is_admin": False,
                "aud": aud,
            },
            **options,
        )

    def verify(self, token: str) -> dict[str, Any]:
        """The claims of a token this stand-in signed, whatever its audience;
        jwt.InvalidTokenError otherwise."""
        kid = jwt.get_unverified_header(token).get("kid")
        if kid not in self.keys:
            raise jwt.InvalidTokenError(f"unknown key id {kid!r}")
        return jwt.decode(
            token,
            self.keys[kid].public_key(),
            algorithms=["ES256"],
            issuer=ISSUER,
            options={"verify_aud": False, "require": ["aud"]},
        )

    # -- revocations (what GET /v1/revocations lists) -----------------------------------------

    def _revoke(self, kind: str, user_id: int, **fields: Any) -> None:
        self.revocations.append(
            {
                "id": len(self.revocations) + 1,
                "kind": kind,
                "user_id": user_id,
                "session_id": None,
                "token_version": None,
                "created_at": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
                **fields,
            }
        )

    def revoke_session(self, user_id: int, session_id: str) -> None:
        """Log a session out: its access tokens are void."""
        self._revoke("session", user_id, session_id=session_id)

    def revoke_user(self, user_id: int) -> int:
        """Void every token the user holds (a password change, say); the new token version."""
        self.versions[user_id] = self.versions.get(user_id, 1) + 1
        self._revoke("user", user_id, token_version=self.versions[user_id])
        return self.versions[user_id]

    def api_key_changed(self, user_id: int) -> None:
        """The user's API key was made anew or revoked (change `api_keys` as well)."""
        self._revoke("api_key", user_id)

    def jwks(self) -> dict[str, Any]:
        keys = []
        for kid in self.published:
            jwk = jwt.algorithms.ECAlgorithm.to_jwk(self.keys[kid].public_key(), as_dict=True)
            keys.append({**jwk, "kid": kid, "alg": "ES256", "use": "sig"})
        return {"keys": keys}

    # -- the routes -----------------------------------------------------------------------------

    def _checked(self, response: Response) -> Response:
        """The request and this answer to it, against auth's document (when given)."""
        if self.contract is None:
            return response
        self.problems += self.contract.check_exchange(request, response)
        return response

    def _app(self) -> Flask:
        app = Flask("stand-in-auth")
        app.after_request(self._checked)

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
            if not isinstance(body, dict):
                body = {}
            client_id = body.get("client_id")
            secret = self.clients.get(client_id) if isinstance(client_id, str) else None
            if (
                secret is None
                or not isinstance(client_id, str)
                or body.get("client_secret") != secret
            ):
                return _problem(401, "Unauthorized", "Unknown client or wrong secret.")
            audience = body.get("audience")
            allowed = None if self.audiences is None else self.audiences.get(client_id, ())
            if allowed is not None and (
                not allowed or (audience is not None and audience not in allowed)
            ):
                return _problem(
                    403,
                    "Forbidden",
                    f"Client {client_id!r} may not get tokens for {audience or 'any service'!r}.",
                )
            return jsonify(
                access_token=self.service_token(client_id, audience),
                token_type="Bearer",
                expires_in=900,
            )

        def refused_unless_a_service_token_for_auth() -> Response | None:
            scheme, _, token = request.headers.get("Authorization", "").partition(" ")
            try:
                claims = self.verify(token) if scheme == "Bearer" else None
            except jwt.InvalidTokenError:
                claims = None
            if claims is None:
                return _problem(401, "Unauthorized", "A service token is needed.")
            if claims.get("scope") != "service":
                return _problem(403, "Forbidden", "Only Shelf's services may do this.")
            aud = claims.get("aud")
            if "auth" not in ([aud] if isinstance(aud, str) else aud or []):
                return _problem(401, "Unauthorized", "This token is for another service.")
            return None

        @app.get("/v1/revocations")
        def revocations():
            self.calls["revocations"] += 1
            if (refusal := refused_unless_a_service_token_for_auth()) is not None:
                return refusal
            listed = list(self.revocations)  # only ever appended to: its length tells
            tag = f'"{len(listed)}"'
            if tag in request.headers.get("If-None-Match", ""):
                return Response(status=304, headers={"ETag": tag})
            response = jsonify(window_seconds=WINDOW_SECONDS, revocations=listed)
            response.headers["ETag"] = tag
            return response

        @app.post("/v1/api-keys/introspect")
        def introspect():
            self.calls["introspect"] += 1
            if (refusal := refused_unless_a_service_token_for_auth()) is not None:
                return refusal
            body = request.get_json(silent=True)
            key = body.get("key") if isinstance(body, dict) else None
            user = self.api_keys.get(key) if isinstance(key, str) else None
            return jsonify(active=True, user=user) if user else jsonify(active=False)

        @app.post("/v1/maintenance/purge")
        def purge():
            self.calls["purge"] += 1
            if (refusal := refused_unless_a_service_token_for_auth()) is not None:
                return refusal
            return jsonify(
                refresh_sessions=3,
                login_attempts=1,
                known_addresses=0,
                throttle_events=0,
                password_reset_tokens=0,
                outbox=0,
                revocations=0,
            )

        return app

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

It also serves what the ui asks auth for, for the accounts in `accounts` (`add_user()`):
sessions (log in, refresh with reuse detection, log out), sign-up, /v1/users/me and its
password and email, the API key, password resets and the admin's /v1/admin/users. Access
tokens are its real JWTs; refresh tokens are opaque. `identify(authorization)` gives the
claims of a live user token (not expired, its session and token version not revoked, its user
active) or None: the api and tasks stand-ins take it to accept the tokens the ui got from
here. `received` lists every request but /healthz (`called(method, path)` filters it),
`seen` the headers of each /healthz request.

Given auth's document (`contract`, the `shelf_kit.contracts.Contract` of
services/auth/openapi.json), every request it is sent and every answer it gives is checked
against it, and `problems` lists what did not fit: a consumer's tests then fail when auth's
document changes in a way the consumer, or this stand-in, no longer fits.
"""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from flask import Flask, Response, jsonify, request

from shelf_kit.testing import Call, LoopbackServer, recorded_call

if TYPE_CHECKING:
    from shelf_kit.contracts import Contract

ISSUER = "shelf-auth"
AUDIENCE = "shelf"
SERVICES = ("auth", "api", "tasks", "ui")
WINDOW_SECONDS = 960  # auth's: an access token's 900 s and a leeway
DEV_CLIENTS: Mapping[str, str] = MappingProxyType({"api": "dev-api-secret"})


def _problem(status: int, title: str, detail: str, **extra: Any) -> Response:
    response = jsonify(type="about:blank", title=title, status=status, detail=detail, **extra)
    response.status_code = status
    response.content_type = "application/problem+json"
    if status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


def _invalid(errors: dict[str, list[str]]) -> Response:
    detail = "The request is not valid: " + ", ".join(sorted(errors)) + "."
    return _problem(422, "Error", detail, errors=errors)


@dataclass
class Account:
    """A user of the stand-in auth."""

    id: int
    username: str
    password: str
    email: str = ""
    is_admin: bool = False
    is_active: bool = True

    def answer(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "username": self.username,
            "email": self.email,
            "is_admin": self.is_admin,
            "is_active": self.is_active,
            "created_at": "2026-11-20T10:00:00+00:00",
            "last_login_at": None,
        }


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
        # the ui's side: accounts, logins, API keys, resets
        self.accounts: dict[int, Account] = {}
        self.refresh_tokens: dict[str, tuple[int, str]] = {}  # live -> (user id, session id)
        self.traded: dict[str, int] = {}  # refresh tokens already traded -> user id
        self.expires_in = 900  # an access token's lifetime, in seconds
        self.signup_open = True
        self.signup_state_broken = False  # GET /v1/signup answers 404 (an older auth)
        self.api_key: dict[int, str] = {}  # user id -> the user's API key
        self.reset_tokens: dict[str, int] = {}  # password reset token -> user id
        self.reset_requests: list[str] = []  # the logins resets were asked for
        self.reset_refusal: str | None = None  # set: reset requests are refused with 429
        self.received: list[Call] = []  # every request but /healthz
        self.seen: list[dict[str, str]] = []  # the headers of each /healthz request
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

    # -- accounts and sessions (the ui's side) --------------------------------------------------

    def add_user(
        self, username: str, password: str, email: str = "", *, is_admin: bool = False
    ) -> Account:
        account = Account(
            max(self.accounts, default=0) + 1, username, password, email, is_admin=is_admin
        )
        self.accounts[account.id] = account
        return account

    def issue(self, user_id: int, session_id: str | None = None) -> dict[str, Any]:
        """auth's answer to a login: a JWT access token and an opaque refresh token, in
        session `session_id` (a new one by default)."""
        account = self.accounts[user_id]
        session_id = session_id or uuid.uuid4().hex
        refresh = "ref-" + secrets.token_hex(8)
        self.refresh_tokens[refresh] = (user_id, session_id)
        access = self.user_token(
            user_id,
            account.username,
            account.is_admin,
            session_id=session_id,
            lifetime=self.expires_in,
        )
        return {
            "access_token": access,
            "refresh_token": refresh,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "refresh_expires_in": 30 * 86400,
            "user": account.answer(),
        }

    def identify(self, authorization: str | None) -> dict[str, Any] | None:
        """The claims of a live user access token in an Authorization header: signed here, not
        expired, its session and token version not revoked, its user (if in `accounts`)
        active. None otherwise."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme != "Bearer" or not token:
            return None
        try:
            claims = self.verify(token)
        except jwt.InvalidTokenError:
            return None
        if claims.get("scope") != "user":
            return None
        user_id = int(claims["sub"])
        if claims.get("ver") != self.versions.get(user_id, 1):
            return None
        if any(
            r["kind"] == "session" and r["session_id"] == claims.get("sid")
            for r in self.revocations
        ):
            return None
        account = self.accounts.get(user_id)
        if account is not None and not account.is_active:
            return None
        return claims

    def user(self, authorization: str | None) -> Account | None:
        """The account whose live access token this is (see `identify`)."""
        claims = self.identify(authorization)
        return self.accounts.get(int(claims["sub"])) if claims is not None else None

    def end_sessions(self, user_id: int) -> None:
        """The user's refresh tokens are void (logged out everywhere)."""
        for token in [t for t, (uid, _) in self.refresh_tokens.items() if uid == user_id]:
            del self.refresh_tokens[token]

    def end_login(self, refresh_token: str) -> None:
        """Logging out: the login's refresh token and its access tokens are void."""
        found = self.refresh_tokens.pop(refresh_token, None)
        if found is not None:
            self.revoke_session(*found)

    def called(self, method: str, path: str) -> list[Call]:
        return [c for c in self.received if c.method == method and c.path == path]

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

        @app.before_request
        def _record() -> None:
            if request.path != "/healthz":
                self.received.append(recorded_call())

        @app.get("/healthz")
        def healthz():
            self.calls["healthz"] += 1
            self.seen.append(dict(request.headers))
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

        self._ui_routes(app)
        return app

    def _ui_routes(self, app: Flask) -> None:
        """What the ui asks auth for."""

        def me() -> Account | Response:
            account = self.user(request.headers.get("Authorization"))
            return account if account is not None else _problem(401, "Error", "Log in first.")

        def admin() -> Account | Response:
            account = me()
            if isinstance(account, Account) and not account.is_admin:
                return _problem(403, "Error", "Only administrators may do this.")
            return account

        @app.post("/v1/sessions")
        def log_in():
            body = request.get_json()
            for account in self.accounts.values():
                if account.username == body["username"] and account.password == body["password"]:
                    if not account.is_active:
                        return _problem(403, "Error", "This account is disabled.")
                    return jsonify(self.issue(account.id)), 201
            return _problem(401, "Error", "Wrong username or password.")

        @app.post("/v1/sessions/refresh")
        def refresh():
            token = request.get_json()["refresh_token"]
            if token in self.traded:  # reuse: taken for theft, every session is revoked
                self.end_sessions(self.traded[token])
                return _problem(401, "Error", "This refresh token was used already.")
            found = self.refresh_tokens.pop(token, None)
            if found is None or not self.accounts[found[0]].is_active:
                return _problem(401, "Error", "This refresh token is not valid.")
            self.traded[token] = found[0]
            return jsonify(self.issue(*found))

        @app.post("/v1/sessions/logout")
        def log_out():
            self.end_login(request.get_json()["refresh_token"])
            return "", 204

        @app.get("/v1/signup")
        def signup_state():
            if self.signup_state_broken:  # an auth that cannot say (or predates C11)
                return _problem(404, "Error", "Not Found")
            return jsonify(open=self.signup_open)

        @app.post("/v1/users")
        def sign_up():
            if not self.signup_open:
                return _problem(
                    403, "Error", "Sign-up is closed; ask an administrator for an account."
                )
            return self._create(request.get_json())

        @app.get("/v1/users/me")
        def who():
            account = me()
            return account if isinstance(account, Response) else jsonify(account.answer())

        @app.post("/v1/users/me/password")
        def change_password():
            account = me()
            if isinstance(account, Response):
                return account
            body = request.get_json()
            if body["current_password"] != account.password:
                return _invalid({"current_password": ["This is not your current password."]})
            account.password = body["new_password"]
            self.end_sessions(account.id)  # every login ends (C1), this one gets new tokens
            self.revoke_user(account.id)
            if body.get("revoke_api_key") is True:
                self.api_key.pop(account.id, None)
            return jsonify(self.issue(account.id))

        @app.post("/v1/users/me/email")
        def change_email():
            account = me()
            if isinstance(account, Response):
                return account
            body = request.get_json()
            if body["password"] != account.password:
                return _invalid({"password": ["This is not your current password."]})
            account.email = body["email"]
            return jsonify(account.answer())

        @app.route("/v1/api-key", methods=["GET", "POST"])
        def api_key():
            account = me()
            if isinstance(account, Response):
                return account
            if request.method == "POST":
                made = self.api_key[account.id] = secrets.token_hex(20)
                return jsonify(
                    exists=True, created_at="2026-11-24T10:00:00+00:00", last4=made[-4:], key=made
                ), 201
            key = self.api_key.get(account.id)
            return jsonify(
                exists=key is not None,
                created_at="2026-11-24T10:00:00+00:00" if key else None,
                last4=key[-4:] if key else None,
            )

        @app.post("/v1/password-resets")
        def request_reset():
            login = request.get_json()["login"]
            if self.reset_refusal:  # auth's throttle, per client address
                response = _problem(429, "Error", self.reset_refusal)
                response.headers["Retry-After"] = "600"
                return response
            self.reset_requests.append(login)
            for account in self.accounts.values():
                if login in (account.username, account.email) and account.email:
                    self.reset_tokens["reset-" + secrets.token_hex(6)] = account.id
            return jsonify(detail="If an account matches, a link is on its way."), 202

        @app.post("/v1/password-resets/confirm")
        def confirm_reset():
            body = request.get_json()
            user_id = self.reset_tokens.pop(body["token"], None)
            if user_id is None:
                return _invalid(
                    {"token": ["This reset link is not valid or has expired; ask for a new one."]}
                )
            self.accounts[user_id].password = body["password"]
            self.end_sessions(user_id)
            return "", 204

        @app.route("/v1/admin/users", methods=["GET", "POST"])
        def admin_users():
            account = admin()
            if isinstance(account, Response):
                return account
            if request.method == "POST":
                return self._create(request.get_json())
            q = request.args.get("q", "").lower()
            limit, offset = int(request.args.get("limit", 20)), int(request.args.get("offset", 0))
            found = [
                a
                for a in sorted(self.accounts.values(), key=lambda a: a.id)
                if q in a.username.lower() or q in a.email.lower()
            ]
            return jsonify(
                items=[a.answer() for a in found[offset : offset + limit]],
                total=len(found),
                limit=limit,
                offset=offset,
            )

        @app.patch("/v1/admin/users/<int:user_id>")
        def admin_update(user_id):
            account = admin()
            if isinstance(account, Response):
                return account
            target = self.accounts.get(user_id)
            if target is None:
                return _problem(404, "Error", f"There is no user {user_id}.")
            body = request.get_json()
            if target.id == account.id and False in (body.get("is_active"), body.get("is_admin")):
                return _problem(409, "Error", "You cannot do this to yourself.")
            if body.get("is_active") is False:
                self.end_sessions(target.id)
                self.revoke_user(target.id)
            for key in ("is_active", "is_admin", "email"):
                if key in body:
                    setattr(target, key, body[key])
            return jsonify(target.answer())

        @app.post("/v1/admin/users/<int:user_id>/password-reset")
        def admin_reset(user_id):
            account = admin()
            if isinstance(account, Response):
                return account
            target = self.accounts.get(user_id)
            if target is None:
                return _problem(404, "Error", f"There is no user {user_id}.")
            if not target.email:
                return _problem(409, "Error", f"{target.username} has no email address.")
            return jsonify(detail=f"A reset link is on its way to {target.email}."), 202

    def _create(self, body: dict[str, Any]) -> Any:
        errors = {}
        if any(a.username == body["username"] for a in self.accounts.values()):
            errors["username"] = ["This username is taken."]
        if len(body["password"]) < 8:
            errors["password"] = ["Use at least 8 characters."]
        if errors:
            return _invalid(errors)
        account = self.add_user(
            body["username"],
            body["password"],
            body.get("email", ""),
            is_admin=bool(body.get("is_admin", False)),
        )
        return jsonify(account.answer()), 201

"""auth: sessions, accounts, API keys, and the user administration."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from flask import current_app, has_request_context, request

from shelf_http import ServiceError

from . import as_user, service

# Logging in and resetting passwords are never retried by the client once sent (POST), and
# their answers come fast: a short read timeout shows "auth is down" quickly.
TIMEOUT = (1.0, 5.0)
# Whether sign-up is open changes only when an administrator appears or auth's setting
# changes: asked at most this often per process (seconds), and only by pages that link to it.
SIGNUP_STATE_SECONDS = 30.0
# A short timeout: the answer only decides whether a link is shown.
SIGNUP_STATE_TIMEOUT = (0.5, 1.0)


def forwarded_for() -> dict[str, str]:
    """The person's address for auth's throttles (contract C8): auth counts failed logins,
    password checks and reset requests per client address, and every one of those calls
    comes from the ui's own address. The address is the one the ui saw (after its own
    trusted-proxy handling: SHELF_UI_TRUST_PROXY); auth believes it only from the peers it
    trusts (SHELF_AUTH_TRUSTED_PROXIES)."""
    if has_request_context() and request.remote_addr:
        return {"X-Forwarded-For": request.remote_addr}
    return {}


@dataclass(frozen=True)
class User:
    id: int
    username: str
    email: str
    is_admin: bool
    is_active: bool
    created_at: str
    last_login_at: str | None

    @classmethod
    def from_answer(cls, body: dict[str, Any]) -> User:
        return cls(
            id=int(body["id"]),
            username=str(body["username"]),
            email=str(body.get("email") or ""),
            is_admin=bool(body.get("is_admin")),
            is_active=bool(body.get("is_active", True)),
            created_at=str(body.get("created_at") or ""),
            last_login_at=body.get("last_login_at"),
        )

    def as_session(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "username": self.username,
            "email": self.email,
            "is_admin": self.is_admin,
        }


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    user: User

    @classmethod
    def from_answer(cls, body: dict[str, Any]) -> TokenPair:
        return cls(
            access_token=str(body["access_token"]),
            refresh_token=str(body["refresh_token"]),
            expires_in=int(body.get("expires_in") or 0),
            user=User.from_answer(body["user"]),
        )


# -- sessions (no user token: these make or end one) -------------------------------------------


def log_in(username: str, password: str) -> TokenPair:
    answer = service("auth").post(
        "/v1/sessions",
        json={"username": username, "password": password},
        headers=forwarded_for(),
        timeout=TIMEOUT,
    )
    return TokenPair.from_answer(answer.json())


def refresh(refresh_token: str) -> TokenPair:
    answer = service("auth").post(
        "/v1/sessions/refresh", json={"refresh_token": refresh_token}, timeout=TIMEOUT
    )
    return TokenPair.from_answer(answer.json())


def log_out(refresh_token: str) -> None:
    service("auth").post(
        "/v1/sessions/logout", json={"refresh_token": refresh_token}, timeout=TIMEOUT
    )


def sign_up(username: str, password: str, email: str) -> User:
    answer = service("auth").post(
        "/v1/users",
        json={"username": username, "password": password, "email": email},
        headers=forwarded_for(),
        timeout=TIMEOUT,
    )
    return User.from_answer(answer.json())


class _SignupState:
    """auth's `GET /v1/signup` (contract C11), remembered for SIGNUP_STATE_SECONDS per
    process: True (open), False (closed) or None (unknown: auth down, an older auth without
    the endpoint, an answer that cannot be read). Pages link to sign-up only when it is open;
    unknown hides the link rather than point to a form that may refuse."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._known: tuple[float, bool | None] | None = None

    def is_open(self) -> bool | None:
        with self._lock:
            if self._known and time.monotonic() - self._known[0] < SIGNUP_STATE_SECONDS:
                return self._known[1]
        state: bool | None = None
        try:
            body = service("auth").get("/v1/signup", timeout=SIGNUP_STATE_TIMEOUT).json()
            if isinstance(body, dict) and isinstance(body.get("open"), bool):
                state = body["open"]
        except (ServiceError, ValueError):
            state = None
        with self._lock:
            self._known = (time.monotonic(), state)
        return state

    def forget(self) -> None:
        with self._lock:
            self._known = None


def signup_state() -> _SignupState:
    """This app's remembered sign-up state."""
    return current_app.extensions.setdefault("shelf_ui.signup_state", _SignupState())


def request_password_reset(login: str) -> None:
    service("auth").post(
        "/v1/password-resets", json={"login": login}, headers=forwarded_for(), timeout=TIMEOUT
    )


def confirm_password_reset(token: str, password: str) -> None:
    service("auth").post(
        "/v1/password-resets/confirm",
        json={"token": token, "password": password},
        headers=forwarded_for(),
        timeout=TIMEOUT,
    )


# -- the user's own account ---------------------------------------------------------------------


def change_password(current_password: str, new_password: str, *, revoke_api_key: bool) -> TokenPair:
    """auth ends every other login of the user and answers new tokens for this one; with
    `revoke_api_key` it also revokes the user's API key (sent only when asked: keeping the
    key is auth's default)."""
    body: dict[str, Any] = {"current_password": current_password, "new_password": new_password}
    if revoke_api_key:
        body["revoke_api_key"] = True
    answer = as_user("auth", "POST", "/v1/users/me/password", headers=forwarded_for(), json=body)
    return TokenPair.from_answer(answer.json())


def change_email(email: str, password: str) -> User:
    answer = as_user(
        "auth",
        "POST",
        "/v1/users/me/email",
        headers=forwarded_for(),
        json={"email": email, "password": password},
    )
    return User.from_answer(answer.json())


@dataclass(frozen=True)
class ApiKey:
    exists: bool
    created_at: str | None
    last4: str | None
    key: str | None = None  # only in the answer that made it


def api_key() -> ApiKey:
    body = as_user("auth", "GET", "/v1/api-key").json()
    return ApiKey(
        exists=bool(body.get("exists")), created_at=body.get("created_at"), last4=body.get("last4")
    )


def regenerate_api_key() -> ApiKey:
    body = as_user("auth", "POST", "/v1/api-key").json()
    return ApiKey(
        exists=True,
        created_at=body.get("created_at"),
        last4=body.get("last4"),
        key=str(body["key"]),
    )


# -- administration -----------------------------------------------------------------------------


def list_users(q: str, limit: int, offset: int) -> tuple[list[User], int]:
    body = as_user(
        "auth", "GET", "/v1/admin/users", params={"q": q, "limit": limit, "offset": offset}
    ).json()
    return [User.from_answer(item) for item in body.get("items", [])], int(body.get("total", 0))


def create_user(username: str, password: str, email: str, is_admin: bool) -> User:
    answer = as_user(
        "auth",
        "POST",
        "/v1/admin/users",
        json={"username": username, "password": password, "email": email, "is_admin": is_admin},
    )
    return User.from_answer(answer.json())


def update_user(user_id: int, **changes: Any) -> User:
    answer = as_user("auth", "PATCH", f"/v1/admin/users/{user_id}", json=changes)
    return User.from_answer(answer.json())


def force_password_reset(user_id: int) -> str:
    body = as_user("auth", "POST", f"/v1/admin/users/{user_id}/password-reset").json()
    return str(body.get("detail") or "A reset link is on its way.")

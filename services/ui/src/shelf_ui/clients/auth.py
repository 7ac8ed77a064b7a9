"""auth: sessions, accounts, API keys, and the user administration."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import as_user, service

# Logging in and resetting passwords are never retried by the client once sent (POST), and
# their answers come fast: a short read timeout shows "auth is down" quickly.
TIMEOUT = (1.0, 5.0)


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
        return cls(id=int(body["id"]), username=str(body["username"]),
                   email=str(body.get("email") or ""), is_admin=bool(body.get("is_admin")),
                   is_active=bool(body.get("is_active", True)),
                   created_at=str(body.get("created_at") or ""),
                   last_login_at=body.get("last_login_at"))

    def as_session(self) -> dict[str, Any]:
        return {"id": self.id, "username": self.username, "email": self.email,
                "is_admin": self.is_admin}


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    user: User

    @classmethod
    def from_answer(cls, body: dict[str, Any]) -> TokenPair:
        return cls(access_token=str(body["access_token"]),
                   refresh_token=str(body["refresh_token"]),
                   expires_in=int(body.get("expires_in") or 0),
                   user=User.from_answer(body["user"]))


# -- sessions (no user token: these make or end one) -------------------------------------------

def log_in(username: str, password: str, client_address: str | None = None) -> TokenPair:
    # auth throttles failed logins per client address: tell it whose login this is, or every
    # login through the ui would share the ui's own address (auth reads this header only
    # when SHELF_AUTH_TRUST_PROXY is set).
    headers = {"X-Forwarded-For": client_address} if client_address else {}
    answer = service("auth").post("/v1/sessions", json={"username": username,
                                                         "password": password},
                                  headers=headers, timeout=TIMEOUT)
    return TokenPair.from_answer(answer.json())


def refresh(refresh_token: str) -> TokenPair:
    answer = service("auth").post("/v1/sessions/refresh", json={"refresh_token": refresh_token},
                                  timeout=TIMEOUT)
    return TokenPair.from_answer(answer.json())


def log_out(refresh_token: str) -> None:
    service("auth").post("/v1/sessions/logout", json={"refresh_token": refresh_token},
                         timeout=TIMEOUT)


def sign_up(username: str, password: str, email: str) -> User:
    answer = service("auth").post("/v1/users", json={"username": username, "password": password,
                                                      "email": email}, timeout=TIMEOUT)
    return User.from_answer(answer.json())


def request_password_reset(login: str, client_address: str | None = None) -> None:
    # auth throttles reset requests per client address too: say whose request this is.
    headers = {"X-Forwarded-For": client_address} if client_address else {}
    service("auth").post("/v1/password-resets", json={"login": login}, headers=headers,
                         timeout=TIMEOUT)


def confirm_password_reset(token: str, password: str) -> None:
    service("auth").post("/v1/password-resets/confirm", json={"token": token,
                                                               "password": password},
                         timeout=TIMEOUT)


# -- the user's own account ---------------------------------------------------------------------

def change_password(current_password: str, new_password: str) -> TokenPair:
    answer = as_user("auth", "POST", "/v1/users/me/password",
                     json={"current_password": current_password, "new_password": new_password})
    return TokenPair.from_answer(answer.json())


def change_email(email: str, password: str) -> User:
    answer = as_user("auth", "POST", "/v1/users/me/email",
                     json={"email": email, "password": password})
    return User.from_answer(answer.json())


@dataclass(frozen=True)
class ApiKey:
    exists: bool
    created_at: str | None
    last4: str | None
    key: str | None = None  # only in the answer that made it


def api_key() -> ApiKey:
    body = as_user("auth", "GET", "/v1/api-key").json()
    return ApiKey(exists=bool(body.get("exists")), created_at=body.get("created_at"),
                  last4=body.get("last4"))


def regenerate_api_key() -> ApiKey:
    body = as_user("auth", "POST", "/v1/api-key").json()
    return ApiKey(exists=True, created_at=body.get("created_at"), last4=body.get("last4"),
                  key=str(body["key"]))


# -- administration -----------------------------------------------------------------------------

def list_users(q: str, limit: int, offset: int) -> tuple[list[User], int]:
    body = as_user("auth", "GET", "/v1/admin/users",
                   params={"q": q, "limit": limit, "offset": offset}).json()
    return [User.from_answer(item) for item in body.get("items", [])], int(body.get("total", 0))


def create_user(username: str, password: str, email: str, is_admin: bool) -> User:
    answer = as_user("auth", "POST", "/v1/admin/users",
                     json={"username": username, "password": password, "email": email,
                           "is_admin": is_admin})
    return User.from_answer(answer.json())


def update_user(user_id: int, **changes: Any) -> User:
    answer = as_user("auth", "PATCH", f"/v1/admin/users/{user_id}", json=changes)
    return User.from_answer(answer.json())


def force_password_reset(user_id: int) -> str:
    body = as_user("auth", "POST", f"/v1/admin/users/{user_id}/password-reset").json()
    return str(body.get("detail") or "A reset link is on its way.")

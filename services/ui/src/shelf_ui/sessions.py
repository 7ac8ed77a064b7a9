"""The login, kept in Flask's signed session cookie: auth's access and refresh tokens, when the
access token expires, and who the user is (id, username, email, is_admin) for the pages.

The cookie is signed, not encrypted: the tokens are readable by whoever holds the cookie, which
is why it is HttpOnly, SameSite=Lax and Secure (by setting) and why logging out revokes the
refresh token at auth.
"""

from __future__ import annotations

import functools
import hashlib
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from flask import abort, g, session

from shelf_http import ServiceRejected

if TYPE_CHECKING:
    from .clients.auth import TokenPair

F = TypeVar("F", bound=Callable[..., Any])

# Renew the access token this many seconds before it expires, so a call never carries one that
# expires on its way.
REFRESH_MARGIN = 30.0
# auth rotates refresh tokens and treats a traded one presented again as theft (it revokes the
# session). Two requests of one browser may both find the access token expired: the second is
# given the pair the first obtained instead of trading the old token again. Per process.
RECENT_REFRESH_SECONDS = 60.0


class LoginRequired(Exception):
    """No login, or one that can no longer be renewed: the user must log in (again)."""

    def __init__(self, expired: bool = False) -> None:
        super().__init__("login required")
        self.expired = expired


class _RecentRefreshes:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pairs: dict[str, tuple[float, TokenPair]] = {}

    @staticmethod
    def _key(refresh_token: str) -> str:
        return hashlib.sha256(refresh_token.encode()).hexdigest()

    def trade(self, refresh_token: str, exchange: Callable[[str], TokenPair]) -> TokenPair:
        key = self._key(refresh_token)
        with self._lock:
            now = time.monotonic()
            for old in [
                k for k, (at, _) in self._pairs.items() if now - at > RECENT_REFRESH_SECONDS
            ]:
                del self._pairs[old]
            if key in self._pairs:
                return self._pairs[key][1]
            pair = exchange(refresh_token)
            self._pairs[key] = (now, pair)
            return pair

    def forget(self, refresh_token: str) -> None:
        """A login that ended: a copy of its cookie, whose refresh token was traded here a
        moment ago, is not handed the pair that trade got."""
        with self._lock:
            for key in [
                k for k, (_, pair) in self._pairs.items() if pair.refresh_token == refresh_token
            ]:
                del self._pairs[key]


_recent = _RecentRefreshes()


def start(pair: TokenPair) -> None:
    """Begin a login (a fresh session: nothing from before it is kept)."""
    session.clear()
    session.permanent = True
    _store(pair)


def _store(pair: TokenPair) -> None:
    session["tokens"] = {
        "access": pair.access_token,
        "refresh": pair.refresh_token,
        "expires_at": time.time() + max(pair.expires_in, 0),
    }
    session["user"] = pair.user.as_session()
    g.pop("user", None)


def update_user(user: dict[str, Any]) -> None:
    if "user" in session:
        session["user"] = {**session["user"], **user}


def end() -> str | None:
    """Forget the login; the refresh token, for the caller to revoke at auth."""
    tokens = session.get("tokens") or {}
    session.clear()
    if tokens.get("refresh"):
        _recent.forget(str(tokens["refresh"]))
    return tokens.get("refresh")


def current_user() -> dict[str, Any] | None:
    user = session.get("user")
    return user if isinstance(user, dict) and session.get("tokens") else None


def access_token() -> str:
    tokens = session.get("tokens")
    if not tokens:
        raise LoginRequired()
    if float(tokens.get("expires_at", 0)) - REFRESH_MARGIN <= time.time():
        return refresh()
    return str(tokens["access"])


def refresh(force: bool = False) -> str:
    """A new access token from the refresh token (silently). LoginRequired when auth refuses
    it (expired, revoked, or the account was disabled)."""
    from .clients import auth

    tokens = session.get("tokens")
    if not tokens:
        raise LoginRequired()
    try:
        pair = _recent.trade(str(tokens["refresh"]), auth.refresh)
        if force and pair.access_token == tokens.get("access"):
            # The service refused the very token the recent trade gave: trade its successor.
            pair = _recent.trade(pair.refresh_token, auth.refresh)
    except ServiceRejected as error:
        if error.status in (400, 401, 403, 404, 422):
            end()
            raise LoginRequired(expired=True) from None
        raise
    _store(pair)
    return pair.access_token


def login_required(view: F) -> F:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_user() is None:
            raise LoginRequired()
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def admin_required(view: F) -> F:
    """Administrators only: others get a 403 page (auth and tasks check again on every call)."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        user = current_user()
        if user is None:
            raise LoginRequired()
        if not user.get("is_admin"):
            abort(403, description="This page is for administrators.")
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]

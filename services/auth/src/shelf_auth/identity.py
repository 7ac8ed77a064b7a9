"""Who is calling auth: its own access tokens, verified locally (`Authorization: Bearer`).

auth owns the users, so unlike the other services it looks the user up on every request:
a deactivated or deleted user's token stops working at once, `is_admin` is the current one,
not the one in the token, and a token whose session was logged out or whose version was
voided (revocations.py) is refused at once. A service token must name auth as its audience.

    @blp.route("/v1/admin/users")
    @requires(blp, "admin")
    def list_users(): ... current_identity().user ...
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import g, request
from flask_smorest import Blueprint

from shelf_kit import Problem
from shelf_kit.db import session

from . import revocations
from .models import User
from .tokens import InvalidToken, verify

BEARER = "bearer"
SECURITY_SCHEME = {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}


@dataclass(frozen=True)
class Identity:
    scope: str  # "user" or "service"
    claims: dict[str, Any]
    user: User | None = None
    client_id: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.user is not None and self.user.is_admin


def unauthorized(detail: str, **extra: Any) -> Problem:
    return Problem(401, "Unauthorized", detail, headers={"WWW-Authenticate": "Bearer"}, **extra)


def forbidden(detail: str) -> Problem:
    return Problem(403, "Forbidden", detail)


def authenticate() -> Identity:
    """The caller's identity from the Authorization header; a 401 Problem otherwise."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthorized("Send an access token: Authorization: Bearer <token>.")
    try:
        claims = verify(token.strip())
    except InvalidToken as error:
        raise unauthorized(str(error)) from None
    if claims["scope"] == "service":
        return Identity("service", claims, client_id=claims.get("client_id"))
    user = session().get(User, int(claims["sub"])) if claims["sub"].isdigit() else None
    if user is None:
        raise unauthorized("The token's user no longer exists.")
    if not user.is_active:
        raise unauthorized("This account is disabled.")
    if (why := revocations.voided(session=session(), claims=claims, user=user)) is not None:
        raise unauthorized(why)
    return Identity("user", claims, user=user)


def require(who: str) -> Identity:
    """Check the caller is `who` ("user", "admin" or "service") and remember it on g."""
    identity = authenticate()
    if who == "service" and identity.scope != "service":
        raise forbidden("Only Shelf services may call this.")
    if who in ("user", "admin") and identity.scope != "user":
        raise forbidden("This needs a user's token, not a service's.")
    if who == "admin" and not identity.is_admin:
        raise forbidden("Only administrators may do this.")
    g.identity = identity
    return identity


def current_identity() -> Identity:
    return g.identity


def current_user() -> User:
    return g.identity.user


def requires(blp: Blueprint, who: str) -> Callable:
    """Decorator: only `who` may call the view; documents the bearer token and the 401/403."""
    if who not in ("user", "admin", "service"):
        raise ValueError(f"unknown caller kind {who!r}")

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            require(who)
            return view(*args, **kwargs)

        documented = blp.doc(security=[{BEARER: []}])(guarded)
        documented = blp.alt_response(401, response="UNAUTHORIZED")(documented)
        return blp.alt_response(403, response="FORBIDDEN")(documented)

    return decorate

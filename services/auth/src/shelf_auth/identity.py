"""Who is calling auth: its own access tokens, verified locally (`Authorization: Bearer`).

auth owns the users, so unlike the other services it looks the user up on every request:
a deactivated or deleted user's token stops working at once, `is_admin` is the current one,
not the one in the token, and a token whose session was logged out or whose version was
voided (revocations.py) is refused at once. A service token must name auth as its audience.

Who may call each route is said with shelf_identity's guard, which asks `identify` here:

    @blp.route("/v1/admin/users")
    @allow(blp, "admin")
    def list_users(): ... current_user() ...
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, g, request

from shelf_identity import identify_callers
from shelf_kit import Problem
from shelf_kit.db import session

from . import revocations
from .models import User
from .tokens import InvalidToken, verify

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

    @property
    def is_user(self) -> bool:
        return self.scope == "user"

    @property
    def is_service(self) -> bool:
        return self.scope == "service"


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


def identify() -> Identity:
    """The caller, verified, remembered on g: what shelf_identity's `@allow` asks."""
    g.identity = authenticate()
    return g.identity


def install(app: Flask) -> None:
    """The guard on auth's routes (`@allow`) knows callers by `identify`."""
    identify_callers(app, identify)


def current_identity() -> Identity:
    return g.identity


def current_user() -> User:
    return g.identity.user

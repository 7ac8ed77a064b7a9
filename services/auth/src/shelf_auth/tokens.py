"""Access tokens: JWTs signed ES256 with the key ring's signing key (see the identity contract).

Claims: iss "shelf-auth", sub, iat, exp, jti, scope ("user" or "service"), and
- users: aud "shelf" (every service takes them), username, is_admin, sid (the refresh
  session, which logout ends) and ver (the user's token version, which a password change and
  other account changes raise);
- services: aud naming the one service the token is for ("tasks"), client_id, is_admin false.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import jwt
from flask import current_app

from shelf_kit.db import utcnow

from .keys import KeyRing, get_key_ring
from .models import User

ISSUER = "shelf-auth"
AUDIENCE = "shelf"  # user tokens: every Shelf service
SELF = "auth"  # the audience of service tokens meant for auth
ALGORITHM = "ES256"
REQUIRED_CLAIMS = ["iss", "aud", "sub", "iat", "exp", "jti", "scope"]
FOR_ANOTHER_SERVICE = "This token is for another service."


class InvalidToken(Exception):
    """The token cannot be trusted; the message says why, in words fit for a client."""


def lifetime() -> int:
    return current_app.config["SHELF_AUTH_ACCESS_TOKEN_SECONDS"]


def sign(
    claims: dict[str, Any],
    *,
    ring: KeyRing | None = None,
    now: datetime | None = None,
    seconds: int | None = None,
    aud: str | list[str] = AUDIENCE,
) -> str:
    """Sign `claims` plus the standard ones (iss, aud, iat, exp, jti) with the signing key."""
    key = (ring or get_key_ring()).signing_key()
    now = now or utcnow()
    seconds = lifetime() if seconds is None else seconds
    payload = {
        "iss": ISSUER,
        "aud": aud,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=seconds)).timestamp()),
        "jti": uuid.uuid4().hex,
        **claims,
    }
    assert key.private is not None  # signing_key() hands out only keys that can sign
    return jwt.encode(payload, key.private, algorithm=ALGORITHM, headers={"kid": key.kid})


def user_token(user: User, session_id: str, **options: Any) -> str:
    return sign(
        {
            "sub": str(user.id),
            "scope": "user",
            "username": user.username,
            "is_admin": user.is_admin,
            "sid": session_id,
            "ver": user.token_version,
        },
        **options,
    )


def service_token(client_id: str, audience: str | list[str], **options: Any) -> str:
    """A token of `client_id` for the service(s) `audience` names, and only for them."""
    return sign(
        {
            "sub": f"service:{client_id}",
            "scope": "service",
            "client_id": client_id,
            "is_admin": False,
        },
        aud=audience,
        **options,
    )


def audiences(claims: dict[str, Any]) -> set[str]:
    aud = claims.get("aud")
    return {aud} if isinstance(aud, str) else set(aud or ())


def verify(token: str, *, ring: KeyRing | None = None) -> dict[str, Any]:
    """The claims of a valid token; InvalidToken otherwise."""
    try:
        kid = jwt.get_unverified_header(token).get("kid")
    except jwt.InvalidTokenError:
        raise InvalidToken("The token is malformed.") from None
    key = (ring or get_key_ring()).get(kid) if isinstance(kid, str) else None
    if key is None:
        raise InvalidToken("The token was signed by an unknown key.")
    try:
        claims = jwt.decode(
            token,
            key.public,
            algorithms=[ALGORITHM],
            audience=[AUDIENCE, SELF],
            issuer=ISSUER,
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.ExpiredSignatureError:
        raise InvalidToken("The token has expired.") from None
    except jwt.InvalidAudienceError:
        raise InvalidToken(FOR_ANOTHER_SERVICE) from None
    except jwt.InvalidTokenError:
        raise InvalidToken("The token is not valid.") from None
    # A user's token is for every service; a service's only for the one it names.
    expected = {"user": AUDIENCE, "service": SELF}.get(claims["scope"])
    if expected is None:
        raise InvalidToken("The token is not valid.")
    if expected not in audiences(claims):
        raise InvalidToken(FOR_ANOTHER_SERVICE)
    return claims

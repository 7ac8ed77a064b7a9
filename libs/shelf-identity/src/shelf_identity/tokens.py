"""Verifying access tokens issued by auth (ES256 JWTs with a `kid`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jwt

from .errors import InvalidToken
from .identity import Identity

ISSUER = "shelf-auth"
AUDIENCE = "shelf"
ALGORITHMS = ["ES256"]

KeyLookup = Callable[[str], "jwt.PyJWK | None"]


class TokenVerifier:
    def __init__(self, key_lookup: KeyLookup, *, leeway_seconds: float = 10.0) -> None:
        self.key_lookup = key_lookup
        self.leeway_seconds = leeway_seconds

    def claims(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise InvalidToken("The token is malformed.") from None
        kid = header.get("kid")
        if not kid or header.get("alg") not in ALGORITHMS:
            raise InvalidToken("The token names no key or an algorithm Shelf does not use.")
        key = self.key_lookup(kid)
        if key is None:
            raise InvalidToken("The token is signed by an unknown key.")
        try:
            return jwt.decode(
                token, key.key, algorithms=ALGORITHMS, audience=AUDIENCE, issuer=ISSUER,
                leeway=self.leeway_seconds,
                options={"require": ["exp", "iat", "sub", "scope"]},
            )
        except jwt.ExpiredSignatureError:
            raise InvalidToken("The token has expired.") from None
        except jwt.PyJWTError as error:
            raise InvalidToken(f"The token is not valid: {error}.") from None

    def verify(self, token: str) -> Identity:
        return Identity.from_claims(self.claims(token))

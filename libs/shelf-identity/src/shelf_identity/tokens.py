"""Verifying access tokens issued by auth (ES256 JWTs with a `kid`).

A user's token (aud "shelf") is good at every service; a service token only at the service it
names in `aud` (contract C9), so a token obtained to call one service opens no other. A user's
token is also checked against auth's revocation feed (revocations.py), when there is one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .errors import InvalidToken
from .identity import Identity
from .revocations import RevocationFeed

ISSUER = "shelf-auth"
AUDIENCE = "shelf"  # users' tokens: every Shelf service
ALGORITHMS = ["ES256"]
FOR_ANOTHER_SERVICE = "This token is for another service."

if TYPE_CHECKING:
    import jwt

KeyLookup = Callable[[str], "jwt.PyJWK | None"]


def audiences(claims: dict[str, Any]) -> set[str]:
    aud = claims.get("aud")
    return {aud} if isinstance(aud, str) else set(aud or ())


class TokenVerifier:
    """`audience`: this service's name (its service tokens say it: "api", "tasks")."""

    def __init__(
        self,
        key_lookup: KeyLookup,
        *,
        audience: str,
        revocations: RevocationFeed | None = None,
        leeway_seconds: float = 10.0,
    ) -> None:
        self.key_lookup = key_lookup
        self.audience = audience
        self.revocations = revocations
        self.leeway_seconds = leeway_seconds

    def claims(self, token: str) -> dict[str, Any]:
        # PyJWT and cryptography (~11 MiB) load with the first token verified, not with the
        # app: a process that only sends service tokens (tasks' job worker) never needs them.
        import jwt

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
            claims = jwt.decode(
                token,
                key.key,
                algorithms=ALGORITHMS,
                audience=[AUDIENCE, self.audience],
                issuer=ISSUER,
                leeway=self.leeway_seconds,
                options={"require": ["exp", "iat", "sub", "scope"]},
            )
        except jwt.ExpiredSignatureError:
            raise InvalidToken("The token has expired.") from None
        except jwt.InvalidAudienceError:
            raise InvalidToken(FOR_ANOTHER_SERVICE) from None
        except jwt.PyJWTError as error:
            raise InvalidToken(f"The token is not valid: {error}.") from None
        expected = {"user": AUDIENCE, "service": self.audience}.get(claims["scope"])
        if expected is None:
            raise InvalidToken("The token's scope is neither a user's nor a service's.")
        if expected not in audiences(claims):
            raise InvalidToken(FOR_ANOTHER_SERVICE)
        if claims["scope"] == "user" and self.revocations is not None:
            self.revocations.refresh()
            if (why := self.revocations.revoked(claims)) is not None:
                raise InvalidToken(why)
        return claims

    def verify(self, token: str) -> Identity:
        return Identity.from_claims(self.claims(token))

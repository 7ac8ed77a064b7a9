"""Who is calling: a user (by access token or API key) or another service."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal


@dataclass(frozen=True)
class Identity:
    kind: Literal["user", "service"]
    subject: str  # "42" for a user, "service:tasks" for a service
    user_id: int | None = None
    username: str | None = None
    is_admin: bool = False
    client_id: str | None = None
    via: Literal["token", "api_key"] = "token"

    @property
    def is_service(self) -> bool:
        return self.kind == "service"

    @property
    def is_user(self) -> bool:
        return self.kind == "user"

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> Identity:
        if claims.get("scope") == "service":
            return cls(
                kind="service", subject=str(claims["sub"]), client_id=claims.get("client_id")
            )
        return cls(
            kind="user",
            subject=str(claims["sub"]),
            user_id=int(claims["sub"]),
            username=claims.get("username"),
            is_admin=bool(claims.get("is_admin")),
        )

    @classmethod
    def from_introspection(cls, user: dict[str, Any]) -> Identity:
        return cls(
            kind="user",
            subject=str(user["id"]),
            user_id=int(user["id"]),
            username=user.get("username"),
            is_admin=bool(user.get("is_admin")),
            via="api_key",
        )

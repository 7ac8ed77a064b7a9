"""Refusals, as problem+json (they are shelf_kit Problems, so the kit renders them)."""

from __future__ import annotations

from shelf_kit import Problem


class NotAuthenticated(Problem):
    """401: no credentials, or credentials that do not verify."""

    def __init__(self, detail: str = "Authentication credentials were not provided.") -> None:
        super().__init__(
            401, "Unauthorized", detail, headers={"WWW-Authenticate": 'Bearer realm="shelf"'}
        )


class NotAllowed(Problem):
    """403: a known caller asking for something it may not do."""

    def __init__(self, detail: str = "You do not have permission to do this.") -> None:
        super().__init__(403, "Forbidden", detail)


class InvalidToken(Exception):
    """A token that does not verify; the message says why, for logs and the 401's detail."""

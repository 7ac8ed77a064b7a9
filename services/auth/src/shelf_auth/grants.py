"""What a successful login (or refresh, or password change) answers: an access token, a
refresh token and the user."""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from . import refresh_sessions, tokens
from .models import User


def token_pair(*, session: Session, user: User, refresh_token: str | None = None) -> dict[str, Any]:
    """A new access token, and `refresh_token` or else one in a new refresh session."""
    refresh_seconds = current_app.config["SHELF_AUTH_REFRESH_TOKEN_SECONDS"]
    if refresh_token is None:
        refresh_token = refresh_sessions.start(session=session, user=user,
                                               seconds=refresh_seconds)
    return {"access_token": tokens.user_token(user), "token_type": "Bearer",
            "expires_in": tokens.lifetime(), "refresh_token": refresh_token,
            "refresh_expires_in": refresh_seconds, "user": user}

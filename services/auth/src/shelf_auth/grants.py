"""What a successful login (or refresh, or password change) answers: an access token, a
refresh token and the user."""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from . import refresh_sessions, tokens
from .models import User


def token_pair(
    *, session: Session, user: User, refreshed: tuple[str, str] | None = None
) -> dict[str, Any]:
    """A new access token, with `refreshed` (a refresh token just rotated and its session) or
    else a refresh token in a new session; the access token names that session (`sid`)."""
    refresh_seconds = current_app.config["SHELF_AUTH_REFRESH_TOKEN_SECONDS"]
    if refreshed is None:
        refreshed = refresh_sessions.start(session=session, user=user, seconds=refresh_seconds)
    refresh_token, session_id = refreshed
    return {
        "access_token": tokens.user_token(user, session_id),
        "token_type": "Bearer",
        "expires_in": tokens.lifetime(),
        "refresh_token": refresh_token,
        "refresh_expires_in": refresh_seconds,
        "user": user,
    }

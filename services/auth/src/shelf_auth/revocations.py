"""Revocations: access tokens and API-key answers that stop being good before they expire.

Other services verify access tokens on their own (against the JWKS) and cache what an API
key resolves to, so auth tells them what it voided: every change below writes a `Revocation`
row in the caller's transaction, and `GET /v1/revocations` (services only) answers the rows
younger than an access token lives (plus a leeway); older ones void only tokens that have
expired anyway, and the purge deletes them. auth itself checks its own tables on every
request (`voided`), so at auth a revocation counts at once.

- a session's tokens (`sid`, the refresh family): logout, and a refresh token used twice;
- every token of a user (`ver` below the user's token version): password change or reset,
  logout everywhere, deactivation, demotion, deletion;
- an API key: made anew, revoked, or gone with its user.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from shelf_kit.db import rows_changed, utcnow

from .models import Revocation, User

SESSION, USER, API_KEY = "session", "user", "api_key"
# Beyond an access token's lifetime: the verifiers' own leeway on `exp` (10 s) and clock skew.
LEEWAY = timedelta(seconds=60)
FIRST_VERSION = 1  # what a token without `ver` (issued before versions existed) counts as


def window() -> timedelta:
    """How long a revocation matters: as long as a token issued just before it lives."""
    return timedelta(seconds=current_app.config["SHELF_AUTH_ACCESS_TOKEN_SECONDS"]) + LEEWAY


def end_session(*, session: Session, user_id: int, session_id: str) -> None:
    """The access tokens of this session (refresh family) are void."""
    session.add(Revocation(kind=SESSION, user_id=user_id, session_id=session_id))


def void_user_tokens(*, session: Session, user: User) -> None:
    """Every access token the user holds now is void; tokens issued from now on are not."""
    user.token_version += 1
    session.add(Revocation(kind=USER, user_id=user.id, token_version=user.token_version))


def api_key_changed(*, session: Session, user_id: int) -> None:
    """The user's API key was replaced or revoked: cached answers about it are stale."""
    session.add(Revocation(kind=API_KEY, user_id=user_id))


def voided(*, session: Session, claims: dict[str, Any], user: User) -> str | None:
    """Why auth no longer honours this user's access token, or None."""
    if claims.get("ver", FIRST_VERSION) < user.token_version:
        return (
            "This token was revoked (password change, logout everywhere or a change to the "
            "account); log in again."
        )
    sid = claims.get("sid")
    if sid and session.scalar(
        select(exists().where(Revocation.kind == SESSION, Revocation.session_id == sid))
    ):
        return "This session was logged out; log in again."
    return None


def recent(*, session: Session, now: datetime | None = None) -> list[Revocation]:
    """The revocations that still matter, oldest first."""
    since = (now or utcnow()) - window()
    return list(
        session.scalars(
            select(Revocation).where(Revocation.created_at > since).order_by(Revocation.id)
        )
    )


def purge(*, session: Session, now: datetime | None = None) -> int:
    """Delete revocations older than any token they could void."""
    cutoff = (now or utcnow()) - window()
    return rows_changed(session, delete(Revocation).where(Revocation.created_at <= cutoff))

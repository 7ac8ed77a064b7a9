"""Refresh sessions: opaque refresh tokens, stored hashed, rotating on every use.

A login starts a family; each refresh marks the presented token rotated and adds its successor
to the family. Presenting a rotated token again means two parties hold it (one of them a
thief), so the whole family is revoked and both must log in again.

Except shortly after its rotation: two tabs or two gunicorn workers sending the same token at
nearly the same time are one person racing themself, not a theft. A rotated token presented
again within the reuse grace window, while its family is neither revoked nor expired, gets a
sibling (a new token in the same family) instead; after the window, reuse revokes the family.
A revoked token is never honoured, grace or not.

Access tokens name their refresh family as `sid`: revoking a family voids them too (a
revocation, see revocations.py), and logging out everywhere voids every token of the user.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, or_, select, update
from sqlalchemy.orm import Session

from shelf_kit.db import rows_changed, utcnow

from . import revocations
from .digests import digest, new_secret
from .models import RefreshSession, User

log = logging.getLogger("shelf.auth.sessions")


class RefreshRefused(Exception):
    """The refresh token cannot be used; the message says why."""


def start(
    *, session: Session, user: User, seconds: int, family_id: str | None = None
) -> tuple[str, str]:
    """A new refresh token for `user` (in a new family unless one is given), and its family."""
    token, family_id = new_secret(), family_id or uuid.uuid4().hex
    session.add(
        RefreshSession(
            user_id=user.id,
            family_id=family_id,
            token_hash=digest(token),
            expires_at=utcnow() + timedelta(seconds=seconds),
        )
    )
    session.flush()
    return token, family_id


def rotate(
    *, session: Session, token: str, seconds: int, grace_seconds: float = 0
) -> tuple[User, str, str]:
    """Trade a refresh token for its successor (the user, the new token, its family);
    RefreshRefused when it cannot be used (after revoking its family if it had been used
    before, more than `grace_seconds` ago)."""
    now = utcnow()
    row = session.scalar(select(RefreshSession).where(RefreshSession.token_hash == digest(token)))
    if row is None:
        raise RefreshRefused("The refresh token is not valid.")
    if row.revoked_at is not None:
        raise RefreshRefused("The refresh token was revoked.")
    if row.expires_at <= now:
        raise RefreshRefused("The refresh token has expired.")
    # One statement decides who rotates it, even with several workers racing.
    claimed = rows_changed(
        session,
        update(RefreshSession)
        .where(
            RefreshSession.id == row.id,
            RefreshSession.rotated_at.is_(None),
            RefreshSession.revoked_at.is_(None),
        )
        .values(rotated_at=now),
    )
    if claimed != 1 and not _reuse_forgiven(
        session=session, row=row, now=now, grace_seconds=grace_seconds
    ):
        revoke_family(session=session, family_id=row.family_id, now=now)
        raise RefreshRefused(
            "The refresh token was already used; every session it belonged "
            "to has been revoked. Log in again."
        )
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        revoke_family(session=session, family_id=row.family_id, now=now)
        raise RefreshRefused("This account is disabled.")
    token, family_id = start(session=session, user=user, seconds=seconds, family_id=row.family_id)
    return user, token, family_id


def _reuse_forgiven(
    *, session: Session, row: RefreshSession, now: datetime, grace_seconds: float
) -> bool:
    """Whether a token that could not be claimed was rotated within the grace window, in a
    family nobody revoked (the caller has checked that the token itself has not expired)."""
    if grace_seconds <= 0:
        return False
    # Read the row again: another worker may have rotated or revoked it after `row` was loaded.
    current = session.execute(
        select(RefreshSession.rotated_at, RefreshSession.revoked_at).where(
            RefreshSession.id == row.id
        )
    ).first()
    if current is None or current.revoked_at is not None or current.rotated_at is None:
        return False
    if now - current.rotated_at > timedelta(seconds=grace_seconds):
        return False
    if session.scalar(
        select(
            exists().where(
                RefreshSession.family_id == row.family_id, RefreshSession.revoked_at.is_not(None)
            )
        )
    ):
        return False
    log.info(
        "rotated refresh token reused within the grace window: sibling issued",
        extra={
            "user_id": row.user_id,
            "family_id": row.family_id,
            "seconds_since_rotation": round((now - current.rotated_at).total_seconds(), 3),
        },
    )
    return True


def revoke_family(*, session: Session, family_id: str, now: datetime | None = None) -> None:
    """Revoke the session: its refresh tokens, and the access tokens issued in it."""
    user_id = session.scalar(
        select(RefreshSession.user_id).where(RefreshSession.family_id == family_id).limit(1)
    )
    revoked = rows_changed(
        session,
        update(RefreshSession)
        .where(RefreshSession.family_id == family_id, RefreshSession.revoked_at.is_(None))
        .values(revoked_at=now or utcnow()),
    )
    if revoked and user_id is not None:
        revocations.end_session(session=session, user_id=user_id, session_id=family_id)


def revoke_token(*, session: Session, token: str) -> None:
    """Log out: revoke the session (the family) the token belongs to; unknown tokens pass."""
    family_id = session.scalar(
        select(RefreshSession.family_id).where(RefreshSession.token_hash == digest(token))
    )
    if family_id is not None:
        revoke_family(session=session, family_id=family_id)


def end_all(*, session: Session, user: User) -> None:
    """Log out everywhere: every refresh token revoked, every access token void."""
    session.execute(
        update(RefreshSession)
        .where(RefreshSession.user_id == user.id, RefreshSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    revocations.void_user_tokens(session=session, user=user)


def purge(*, session: Session, now: datetime | None = None) -> int:
    """Delete expired and revoked tokens (rotated ones stay until they expire, to catch reuse)."""
    now = now or utcnow()
    return rows_changed(
        session,
        delete(RefreshSession).where(
            or_(RefreshSession.expires_at <= now, RefreshSession.revoked_at.is_not(None))
        ),
    )

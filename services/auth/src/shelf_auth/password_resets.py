"""Password reset links: a random token per request, stored as SHA-256, usable once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from shelf_kit.db import rows_changed, utcnow

from .digests import digest, new_secret
from .models import PasswordResetToken, User


def issue(*, session: Session, user: User, seconds: int) -> tuple[PasswordResetToken, str]:
    token = new_secret()
    row = PasswordResetToken(
        user_id=user.id, token_hash=digest(token), expires_at=utcnow() + timedelta(seconds=seconds)
    )
    session.add(row)
    session.flush()
    return row, token


def find_valid(*, session: Session, token: str) -> PasswordResetToken | None:
    row = session.scalar(
        select(PasswordResetToken).where(PasswordResetToken.token_hash == digest(token))
    )
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        return None
    return row


def use(*, session: Session, row: PasswordResetToken) -> bool:
    """Spend the token, and every other open one of its user; False if it was spent already."""
    now = utcnow()
    spent = rows_changed(
        session,
        update(PasswordResetToken)
        .where(PasswordResetToken.id == row.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now),
    )
    session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.user_id == row.user_id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now)
    )
    return spent == 1


def purge(*, session: Session, now: datetime | None = None) -> int:
    now = now or utcnow()
    return rows_changed(
        session,
        delete(PasswordResetToken).where(
            or_(PasswordResetToken.used_at.is_not(None), PasswordResetToken.expires_at <= now)
        ),
    )

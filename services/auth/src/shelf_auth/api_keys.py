"""API keys: one per user, 40 hex characters, stored as SHA-256, shown once when made."""

from __future__ import annotations

import re
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from shelf_kit.db import utcnow

from . import revocations
from .digests import digest
from .models import ApiKey, User

KEY = re.compile(r"^[0-9a-f]{40}$")


def find_for_user(*, session: Session, user_id: int) -> ApiKey | None:
    return session.scalar(select(ApiKey).where(ApiKey.user_id == user_id))


def regenerate(*, session: Session, user: User) -> tuple[ApiKey, str]:
    """Make the user's key, replacing the old one (which stops working); the row and the key."""
    key = secrets.token_hex(20)
    row = find_for_user(session=session, user_id=user.id)
    if row is None:
        row = ApiKey(user_id=user.id)
        session.add(row)
    row.key_hash, row.last4, row.created_at = digest(key), key[-4:], utcnow()
    revocations.api_key_changed(session=session, user_id=user.id)
    session.flush()
    return row, key


def revoke(*, session: Session, user_id: int) -> bool:
    """Delete the user's key (it stops working); False when there was none."""
    row = find_for_user(session=session, user_id=user_id)
    if row is None:
        return False
    session.delete(row)
    revocations.api_key_changed(session=session, user_id=user_id)
    session.flush()
    return True


def resolve(*, session: Session, key: str) -> User | None:
    """The active user this key belongs to, if any."""
    if not KEY.match(key):
        return None
    user = session.scalar(
        select(User).join(ApiKey, ApiKey.user_id == User.id).where(ApiKey.key_hash == digest(key))
    )
    return user if user is not None and user.is_active else None

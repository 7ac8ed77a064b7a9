"""Users' preferences (linkding's profile), and the username api last saw for each user.

api keeps no user table; a profile row is made the first time a user calls, from the identity
auth vouched for, and its username follows renames the next time they call.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy import update as update_rows
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shelf_kit.db import utcnow

from .models import PROFILE_DEFAULTS, Profile

_seen_lock = threading.Lock()


def remember(
    session: Session, owner_id: int, username: str | None, seen: set[tuple[int, str | None]]
) -> None:
    """Make sure the caller has a profile naming them; `seen` (one per app) makes it cheap
    after the first call.

    The name is the caller's from now on (auth vouched for it): a profile that still holds it
    (an account deleted and not purged yet, a user renamed since) loses it, so a new account
    under a deleted one's name never shows that account's shared bookmarks as its own."""
    with _seen_lock:
        if (owner_id, username) in seen:
            return
    try:
        if username:
            session.execute(
                update_rows(Profile)
                .where(Profile.username == username, Profile.owner_id != owner_id)
                .values(username=None)
            )
        profile = session.get(Profile, owner_id)
        if profile is None:
            session.add(Profile(owner_id=owner_id, username=username, preferences={}))
        elif username and profile.username != username:
            profile.username = username
        session.commit()
    except IntegrityError:  # another worker made it first, or took the name: next time
        session.rollback()
        return
    with _seen_lock:
        seen.add((owner_id, username))


def get(session: Session, owner_id: int) -> Profile:
    profile = session.get(Profile, owner_id)
    if profile is None:
        profile = Profile(
            owner_id=owner_id, preferences={}, enable_sharing=False, enable_public_sharing=False
        )
        session.add(profile)
        session.flush()
    return profile


def lock(session: Session, owner_id: int) -> None:
    """Hold the owner's profile row until the transaction ends, so that an owner's writes that
    read before they write (the next free bundle position) run one after the other. SQLite
    locks the whole database for a write: a write that changes nothing takes the lock."""
    owned = Profile.owner_id == owner_id
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update_rows(Profile).where(owned).values(owner_id=Profile.owner_id))
    else:
        session.execute(select(Profile.owner_id).where(owned).with_for_update())


def lax_tags(session: Session, owner_id: int | None) -> bool:
    if owner_id is None:
        return PROFILE_DEFAULTS["tag_search"] == "lax"
    preferences = session.scalar(select(Profile.preferences).where(Profile.owner_id == owner_id))
    return (preferences or {}).get("tag_search", PROFILE_DEFAULTS["tag_search"]) == "lax"


def auto_tagging_rules(session: Session, owner_id: int) -> str:
    preferences = session.scalar(select(Profile.preferences).where(Profile.owner_id == owner_id))
    return (preferences or {}).get("auto_tagging_rules", "")


def update(session: Session, owner_id: int, changes: dict[str, Any]) -> Profile:
    profile = get(session, owner_id)
    preferences = dict(profile.preferences or {})
    for key, value in changes.items():
        if key in ("enable_sharing", "enable_public_sharing"):
            setattr(profile, key, value)
        elif key == "search_preferences":
            preferences[key] = {**preferences.get(key, {}), **value}
        else:
            preferences[key] = value
    profile.preferences = preferences
    profile.date_modified = utcnow()
    return profile


def usernames(session: Session, owner_ids: Iterable[int]) -> dict[int, str | None]:
    """Each owner's username, for the owners that have a profile."""
    rows = session.execute(
        select(Profile.owner_id, Profile.username).where(Profile.owner_id.in_(set(owner_ids)))
    )
    return {owner_id: username for owner_id, username in rows.all()}

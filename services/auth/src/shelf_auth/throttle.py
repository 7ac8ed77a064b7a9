"""Throttling, kept in the database so that every gunicorn worker sees every counted event.

Logins: failures are counted over a sliding window. Per (username, address) and per address,
reaching SHELF_AUTH_LOGIN_MAX_FAILURES refuses logins with 429 until the oldest counted failure
leaves the window: one address cannot guess on. Per username from every address together there
is no refusal, only a slowdown, so nobody can lock an account by failing on purpose: once the
username has more failures than the limit (which takes several addresses), a login for it must
come 1, 2, 4, ... seconds (up to SHELF_AUTH_LOGIN_SLOWDOWN_MAX_SECONDS) after its latest
failure, except from an address the user has logged in from (`KnownAddress`), which is never
slowed. A success clears that username's failures from that address only, so logging in
elsewhere (or as someone else) never resets another counter. The client's address is
forwarded.client_address's (trusted proxies only).

Password resets: every request is counted per client address (over the limit: 429, before
any account is looked up, so the refusal says nothing about accounts), and every reset mail
per account (over the limit: no more mail, the answer unchanged). Both are `ThrottleEvent`
rows in a bucket of their own.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import InstrumentedAttribute, Session

from shelf_kit.db import rows_changed, utcnow

from .models import KnownAddress, LoginAttempt, ThrottleEvent, User

RESET_REQUESTS = "password_reset:address"  # key: the client address
RESET_MAILS = "password_reset:account"  # key: the user id
# Each bucket's (limit, window) settings.
BUCKETS = {
    RESET_REQUESTS: ("SHELF_AUTH_RESET_MAX_REQUESTS", "SHELF_AUTH_RESET_WINDOW_SECONDS"),
    RESET_MAILS: ("SHELF_AUTH_RESET_MAX_MAILS", "SHELF_AUTH_RESET_MAIL_WINDOW_SECONDS"),
}


def _wait(
    session: Session,
    at: InstrumentedAttribute[datetime],
    *where: ColumnElement[bool],
    limit: int,
    window: timedelta,
    now: datetime,
) -> float | None:
    """Seconds until fewer than `limit` of the rows `where` selects are in the window."""
    # The newest `limit` rows in the window: when the oldest of them leaves it, the count
    # drops below the limit.
    times = list(
        session.scalars(
            select(at).where(*where, at > now - window).order_by(at.desc()).limit(limit)
        )
    )
    return (times[-1] + window - now).total_seconds() if len(times) >= limit else None


def _whole_seconds(waits: list[float | None]) -> int | None:
    counted = [wait for wait in waits if wait is not None]
    return max(1, math.ceil(max(counted))) if counted else None


# -- logins ------------------------------------------------------------------------------------


def retry_after(
    *, session: Session, username: str, address: str, now: datetime | None = None
) -> int | None:
    """Seconds until a login may be tried again, or None when it may be tried now."""
    config = current_app.config
    limit = config["SHELF_AUTH_LOGIN_MAX_FAILURES"]
    window = timedelta(seconds=config["SHELF_AUTH_LOGIN_WINDOW_SECONDS"])
    now, username = now or utcnow(), username.lower()
    refused = _whole_seconds(
        [
            _wait(session, LoginAttempt.attempted_at, *where, limit=limit, window=window, now=now)
            for where in (
                (LoginAttempt.username == username, LoginAttempt.address == address),
                (LoginAttempt.address == address,),
            )
        ]
    )
    return refused or _slowdown(
        session=session, username=username, address=address, limit=limit, window=window, now=now
    )


def _slowdown(
    *, session: Session, username: str, address: str, limit: int, window: timedelta, now: datetime
) -> int | None:
    """The wait a username failing from many addresses imposes on unknown addresses."""
    count, latest = session.execute(
        select(func.count(), func.max(LoginAttempt.attempted_at)).where(
            LoginAttempt.username == username, LoginAttempt.attempted_at > now - window
        )
    ).one()
    if count <= limit or _is_known(session=session, username=username, address=address):
        return None
    delay = min(
        2 ** min(count - limit - 1, 30), current_app.config["SHELF_AUTH_LOGIN_SLOWDOWN_MAX_SECONDS"]
    )
    wait = (latest + timedelta(seconds=delay) - now).total_seconds()
    return _whole_seconds([wait]) if wait > 0 else None


def _is_known(*, session: Session, username: str, address: str) -> bool:
    return (
        session.scalar(
            select(KnownAddress.id)
            .join(User, User.id == KnownAddress.user_id)
            .where(func.lower(User.username) == username, KnownAddress.address == address)
            .limit(1)
        )
        is not None
    )


def record_failure(*, session: Session, username: str, address: str) -> None:
    session.add(
        LoginAttempt(username=username.lower()[:150], address=address, attempted_at=utcnow())
    )
    session.flush()


def record_success(*, session: Session, user: User, address: str) -> None:
    """Clear the username's failures from this address, and know the address from now on."""
    session.execute(
        delete(LoginAttempt).where(
            LoginAttempt.username == user.username.lower(), LoginAttempt.address == address
        )
    )
    dialect = {"postgresql": postgresql, "sqlite": sqlite}[session.get_bind().dialect.name]
    now = utcnow()
    session.execute(
        dialect.insert(KnownAddress)
        .values(user_id=user.id, address=address, last_login_at=now)
        .on_conflict_do_update(index_elements=["user_id", "address"], set_={"last_login_at": now})
    )


# -- counted events (password resets) ----------------------------------------------------------


def _limits(bucket: str) -> tuple[int, timedelta]:
    limit_setting, window_setting = BUCKETS[bucket]
    config = current_app.config
    return config[limit_setting], timedelta(seconds=config[window_setting])


def event_retry_after(
    *, session: Session, bucket: str, key: str, now: datetime | None = None
) -> int | None:
    """Seconds until `key` may count once more in `bucket`, or None when it may now."""
    limit, window = _limits(bucket)
    return _whole_seconds(
        [
            _wait(
                session,
                ThrottleEvent.occurred_at,
                ThrottleEvent.bucket == bucket,
                ThrottleEvent.key == key,
                limit=limit,
                window=window,
                now=now or utcnow(),
            )
        ]
    )


def record_event(*, session: Session, bucket: str, key: str) -> None:
    session.add(ThrottleEvent(bucket=bucket, key=key[:150], occurred_at=utcnow()))
    session.flush()


# -- housekeeping ------------------------------------------------------------------------------


def purge(*, session: Session, now: datetime | None = None) -> int:
    """Delete failures too old to count."""
    window = timedelta(seconds=current_app.config["SHELF_AUTH_LOGIN_WINDOW_SECONDS"])
    cutoff = (now or utcnow()) - window
    return rows_changed(session, delete(LoginAttempt).where(LoginAttempt.attempted_at <= cutoff))


def purge_known_addresses(*, session: Session, now: datetime | None = None) -> int:
    """Forget addresses not logged in from for as long as a refresh token lasts."""
    seconds = current_app.config["SHELF_AUTH_REFRESH_TOKEN_SECONDS"]
    cutoff = (now or utcnow()) - timedelta(seconds=seconds)
    return rows_changed(session, delete(KnownAddress).where(KnownAddress.last_login_at <= cutoff))


def purge_events(*, session: Session, now: datetime | None = None) -> int:
    """Delete counted events too old to count, each bucket by its own window."""
    now, deleted = now or utcnow(), 0
    for bucket in BUCKETS:
        _limit, window = _limits(bucket)
        deleted += rows_changed(
            session,
            delete(ThrottleEvent).where(
                ThrottleEvent.bucket == bucket, ThrottleEvent.occurred_at <= now - window
            ),
        )
    return deleted

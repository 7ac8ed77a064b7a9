"""Throttling, kept in the database so that every gunicorn worker sees every counted event.

Logins: failures are counted per username and per client address over a sliding window; when
either count reaches the limit, logins are refused with 429 until the oldest counted failure
leaves the window. A success clears that username's failures from that address only, so
logging in elsewhere (or as someone else) never resets another counter.

Password resets: every request is counted per client address (over the limit: 429, before
any account is looked up, so the refusal says nothing about accounts), and every reset mail
per account (over the limit: no more mail, the answer unchanged). Both are `ThrottleEvent`
rows in a bucket of their own.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from flask import Request, current_app
from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from shelf_kit.db import utcnow

from .models import LoginAttempt, ThrottleEvent

RESET_REQUESTS = "password_reset:address"  # key: the client address
RESET_MAILS = "password_reset:account"  # key: the user id
# Each bucket's (limit, window) settings.
BUCKETS = {
    RESET_REQUESTS: ("SHELF_AUTH_RESET_MAX_REQUESTS", "SHELF_AUTH_RESET_WINDOW_SECONDS"),
    RESET_MAILS: ("SHELF_AUTH_RESET_MAX_MAILS", "SHELF_AUTH_RESET_MAIL_WINDOW_SECONDS"),
}


def client_address(request: Request) -> str:
    """request.remote_addr, or the address the proxy in front saw when it is trusted."""
    if current_app.config["SHELF_AUTH_TRUST_PROXY"]:
        forwarded = request.headers.get("X-Forwarded-For", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1][:64]  # the last hop is the one our own proxy added
    return (request.remote_addr or "unknown")[:64]


def _wait(session: Session, at: InstrumentedAttribute[datetime], *where: ColumnElement[bool],
          limit: int, window: timedelta, now: datetime) -> float | None:
    """Seconds until fewer than `limit` of the rows `where` selects are in the window."""
    # The newest `limit` rows in the window: when the oldest of them leaves it, the count
    # drops below the limit.
    times = list(session.scalars(select(at).where(*where, at > now - window)
                                 .order_by(at.desc()).limit(limit)))
    return (times[-1] + window - now).total_seconds() if len(times) >= limit else None


def _whole_seconds(waits: list[float | None]) -> int | None:
    counted = [wait for wait in waits if wait is not None]
    return max(1, math.ceil(max(counted))) if counted else None


# -- logins ------------------------------------------------------------------------------------

def retry_after(*, session: Session, username: str, address: str,
                now: datetime | None = None) -> int | None:
    """Seconds until a login may be tried again, or None when it may be tried now."""
    limit = current_app.config["SHELF_AUTH_LOGIN_MAX_FAILURES"]
    window = timedelta(seconds=current_app.config["SHELF_AUTH_LOGIN_WINDOW_SECONDS"])
    now = now or utcnow()
    return _whole_seconds([
        _wait(session, LoginAttempt.attempted_at, column == value, limit=limit, window=window,
              now=now)
        for column, value in ((LoginAttempt.username, username.lower()),
                              (LoginAttempt.address, address))])


def record_failure(*, session: Session, username: str, address: str) -> None:
    session.add(LoginAttempt(username=username.lower()[:150], address=address,
                             attempted_at=utcnow()))
    session.flush()


def clear(*, session: Session, username: str, address: str) -> None:
    session.execute(delete(LoginAttempt).where(LoginAttempt.username == username.lower(),
                                               LoginAttempt.address == address))


# -- counted events (password resets) ----------------------------------------------------------

def _limits(bucket: str) -> tuple[int, timedelta]:
    limit_setting, window_setting = BUCKETS[bucket]
    config = current_app.config
    return config[limit_setting], timedelta(seconds=config[window_setting])


def event_retry_after(*, session: Session, bucket: str, key: str,
                      now: datetime | None = None) -> int | None:
    """Seconds until `key` may count once more in `bucket`, or None when it may now."""
    limit, window = _limits(bucket)
    return _whole_seconds([_wait(session, ThrottleEvent.occurred_at, ThrottleEvent.bucket == bucket,
                                 ThrottleEvent.key == key, limit=limit, window=window,
                                 now=now or utcnow())])


def record_event(*, session: Session, bucket: str, key: str) -> None:
    session.add(ThrottleEvent(bucket=bucket, key=key[:150], occurred_at=utcnow()))
    session.flush()


# -- housekeeping ------------------------------------------------------------------------------

def purge(*, session: Session, now: datetime | None = None) -> int:
    """Delete failures too old to count."""
    window = timedelta(seconds=current_app.config["SHELF_AUTH_LOGIN_WINDOW_SECONDS"])
    cutoff = (now or utcnow()) - window
    return session.execute(delete(LoginAttempt).where(LoginAttempt.attempted_at <= cutoff)).rowcount


def purge_events(*, session: Session, now: datetime | None = None) -> int:
    """Delete counted events too old to count, each bucket by its own window."""
    now, deleted = now or utcnow(), 0
    for bucket in BUCKETS:
        _limit, window = _limits(bucket)
        deleted += session.execute(delete(ThrottleEvent).where(
            ThrottleEvent.bucket == bucket, ThrottleEvent.occurred_at <= now - window)).rowcount
    return deleted

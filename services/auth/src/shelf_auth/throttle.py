"""Login throttling, kept in the database so that every gunicorn worker sees every failure.

Failures are counted per username and per client address over a sliding window; when either
count reaches the limit, logins are refused with 429 until the oldest counted failure leaves
the window. A success clears that username's failures from that address only, so logging in
elsewhere (or as someone else) never resets another counter.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from flask import Request, current_app
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from shelf_kit.db import utcnow

from .models import LoginAttempt


def client_address(request: Request) -> str:
    """request.remote_addr, or the address the proxy in front saw when it is trusted."""
    if current_app.config["SHELF_AUTH_TRUST_PROXY"]:
        forwarded = request.headers.get("X-Forwarded-For", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1][:64]  # the last hop is the one our own proxy added
    return (request.remote_addr or "unknown")[:64]


def retry_after(*, session: Session, username: str, address: str,
                now: datetime | None = None) -> int | None:
    """Seconds until a login may be tried again, or None when it may be tried now."""
    limit = current_app.config["SHELF_AUTH_LOGIN_MAX_FAILURES"]
    window = timedelta(seconds=current_app.config["SHELF_AUTH_LOGIN_WINDOW_SECONDS"])
    now = now or utcnow()
    waits = []
    for column, value in ((LoginAttempt.username, username.lower()),
                          (LoginAttempt.address, address)):
        # The newest `limit` failures in the window: when the oldest of them leaves it, the
        # count drops below the limit.
        times = list(session.scalars(
            select(LoginAttempt.attempted_at)
            .where(column == value, LoginAttempt.attempted_at > now - window)
            .order_by(LoginAttempt.attempted_at.desc()).limit(limit)))
        if len(times) >= limit:
            waits.append((times[-1] + window - now).total_seconds())
    return max(1, math.ceil(max(waits))) if waits else None


def record_failure(*, session: Session, username: str, address: str) -> None:
    session.add(LoginAttempt(username=username.lower()[:150], address=address,
                             attempted_at=utcnow()))
    session.flush()


def clear(*, session: Session, username: str, address: str) -> None:
    session.execute(delete(LoginAttempt).where(LoginAttempt.username == username.lower(),
                                               LoginAttempt.address == address))


def purge(*, session: Session, now: datetime | None = None) -> int:
    """Delete failures too old to count."""
    window = timedelta(seconds=current_app.config["SHELF_AUTH_LOGIN_WINDOW_SECONDS"])
    cutoff = (now or utcnow()) - window
    return session.execute(delete(LoginAttempt).where(LoginAttempt.attempted_at <= cutoff)).rowcount

"""Housekeeping that tasks runs on a schedule."""

from __future__ import annotations

from flask_smorest import Blueprint

from shelf_identity import allow
from shelf_kit.db import session

from .. import outbox, password_resets, refresh_sessions, revocations, throttle
from ..schemas.service import PurgeSchema

blp = Blueprint("maintenance", __name__, description="Housekeeping for the tasks scheduler")


@blp.route("/v1/maintenance/purge", methods=["POST"])
@allow(blp, "service")
@blp.response(200, PurgeSchema)
def purge():
    """Purge what is no longer needed (services only).

    Deletes expired or revoked refresh tokens, login failures older than the throttling window,
    addresses not logged in from for as long as a refresh token lasts,
    counted reset requests and mails older than theirs, used or expired reset links, and
    outbox messages delivered a week ago or expired undelivered, and revocations older than
    any access token they could void; answers how many of each went."""
    db = session()
    counts = {
        "refresh_sessions": refresh_sessions.purge(session=db),
        "login_attempts": throttle.purge(session=db),
        "known_addresses": throttle.purge_known_addresses(session=db),
        "throttle_events": throttle.purge_events(session=db),
        "password_reset_tokens": password_resets.purge(session=db),
        "outbox": outbox.purge(session=db),
        "revocations": revocations.purge(session=db),
    }
    db.commit()
    return counts

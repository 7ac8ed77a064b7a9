"""/v1/stats: what the admin dashboard shows about the queue."""

from __future__ import annotations

from flask_smorest import Blueprint

from shelf_identity import allow
from shelf_kit.db import session, utcnow

from ..schemas.stats import StatsSchema
from ..stats import snapshot

blp = Blueprint("stats", __name__, description="Queue statistics")


@blp.route("/v1/stats", methods=["GET"])
@allow(blp, "admin", "service")
@blp.response(200, StatsSchema)
def stats():
    """Jobs by state and by kind, throughput over the last hour, and the job that has waited
    longest since it became due (services and admins)."""
    return snapshot(session(), utcnow())

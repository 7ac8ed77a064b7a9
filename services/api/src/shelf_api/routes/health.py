"""linkding's health check: GET /health, without credentials (linkding's clients call it
first, to learn the server's version). See linkding.py for which version it names."""

from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint

from shelf_identity import allow
from shelf_kit import kit

from ..linkding import LINKDING_API_VERSION
from ..schemas.linkding import LinkdingHealthSchema

blp = Blueprint("linkding_health", __name__, description="linkding's health check")


@blp.route("/health", methods=["GET"])
@allow(blp, public=True)
@blp.response(200, LinkdingHealthSchema)
@blp.alt_response(
    503,
    schema=LinkdingHealthSchema,
    description="A critical dependency (the database, auth) is down: `unhealthy`",
)
def health():
    """Whether api can serve: healthy while its database and auth answer (tasks is not
    needed to serve: its work waits in the outbox)."""
    service = kit(current_app)
    ready, _degraded, _checks = service.readiness.run()
    body = {
        "version": LINKDING_API_VERSION,
        "status": "healthy" if ready else "unhealthy",
        "shelf_version": service.version,
    }
    return body, 200 if ready else 503, {"X-Shelf-Version": service.version}

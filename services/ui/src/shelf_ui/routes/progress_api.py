"""The one JSON endpoint: an import's progress, which the progress page's script polls."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest import Blueprint

from ..sessions import login_required

blp = Blueprint("progress_api", __name__, description="What the ui's own scripts read")


class ProgressSchema(ma.Schema):
    state = ma.fields.String(required=True, metadata={"description": "as api or tasks says"})
    percent = ma.fields.Integer(required=True, metadata={"description": "0 to 100"})
    processed = ma.fields.Integer(required=True)
    total = ma.fields.Integer(required=True)
    done = ma.fields.Boolean(required=True)
    failed = ma.fields.Boolean(required=True)
    message = ma.fields.String(required=True)


@blp.route("/import/<any(import, job):source>/<id:item_id>/progress")
@blp.response(200, ProgressSchema)
@blp.alt_response(401, description="Not logged in (session cookie)")
@blp.alt_response(404, description="No such import of the logged-in user")
@blp.alt_response(503, description="api or tasks is down")
@login_required
def import_progress(source: str, item_id: int):
    """How far an import has got (for the logged-in user, by the session cookie)."""
    from .transfer import read_progress

    state = read_progress(source, item_id)
    return {
        "state": state.state,
        "percent": state.percent,
        "processed": state.processed,
        "total": state.total,
        "done": state.done,
        "failed": state.failed,
        "message": state.message,
    }

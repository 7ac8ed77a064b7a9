"""tasks' dashboard figures (GET /v1/stats)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields


class OldestWaitingSchema(ma.Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    run_at = fields.AwareDateTime(required=True)
    age_seconds = fields.Float(required=True, metadata={"description": "how long it is due"})


class StatsSchema(ma.Schema):
    by_state = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    by_kind = fields.Dict(
        keys=fields.String(),
        values=fields.Dict(keys=fields.String(), values=fields.Integer()),
        required=True,
    )
    completed_last_hour = fields.Integer(required=True)
    discarded_last_hour = fields.Integer(required=True)
    oldest_waiting = fields.Nested(OldestWaitingSchema, allow_none=True, required=True)
    generated_at = fields.AwareDateTime(required=True)

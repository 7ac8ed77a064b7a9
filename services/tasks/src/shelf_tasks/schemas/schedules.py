"""tasks' schedules: what an admin lists and changes."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import ValidationError, fields

from ..schedules import InvalidCron, validate_cron


def _cron(value: str) -> None:
    try:
        validate_cron(value)
    except InvalidCron as error:
        raise ValidationError(str(error)) from None


class ScheduleSchema(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    args = fields.Dict(required=True)
    cron = fields.String(required=True, metadata={"description": "five fields, UTC"})
    enabled = fields.Boolean(required=True)
    next_fire_at = fields.AwareDateTime(allow_none=True)
    last_fire_at = fields.AwareDateTime(allow_none=True)
    last_job_id = fields.Integer(allow_none=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)


class ScheduleUpdateSchema(ma.Schema):
    enabled = fields.Boolean()
    cron = fields.String(
        validate=_cron,
        metadata={"description": 'five fields (minute hour day month weekday), UTC: "0 3 * * *"'},
    )


class ScheduleListSchema(ma.Schema):
    results = fields.List(fields.Nested(ScheduleSchema), required=True)

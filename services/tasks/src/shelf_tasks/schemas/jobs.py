"""tasks' jobs: what a service enqueues (POST /v1/jobs) and what an admin lists and reads."""

from __future__ import annotations

from datetime import UTC

import marshmallow as ma
from marshmallow import fields, validate

from shelf_kit.openapi import MAX_ID

from ..endings import shown_args
from ..models import JobState
from ..registry import build_registry

STATES = [state.value for state in JobState]


SHELF_KINDS = build_registry({}).kinds()  # without the test-only kinds


NAME = validate.Regexp(
    r"^[A-Za-z0-9_.:-]{1,100}$", error="Use 1-100 letters, digits, '_', '.', ':' or '-'."
)


def _strict_int(**kwargs) -> fields.Integer:
    return fields.Integer(strict=True, **kwargs)


class JobErrorSchema(ma.Schema):
    attempt = fields.Integer(required=True)
    at = fields.String(required=True, metadata={"format": "date-time"})
    error = fields.String(required=True)


class ShownArgs(fields.Dict):
    """A job's arguments as anyone may see them: secrets (a mail's text) hidden, always."""

    def _serialize(self, value, attr, obj, **kwargs):
        return super()._serialize(shown_args(obj.kind, value or {}), attr, obj, **kwargs)


class JobSchema(ma.Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    args = ShownArgs(
        required=True,
        metadata={
            "description": "secret arguments (a mail's text) are never shown, and are deleted once "
            "the job ends"
        },
    )
    queue = fields.String(required=True)
    priority = fields.Integer(required=True, metadata={"description": "lower runs first"})
    state = fields.String(required=True, metadata={"enum": STATES})
    attempt = fields.Integer(
        required=True, metadata={"description": "attempts made, interruptions not counted"}
    )
    max_attempts = fields.Integer(required=True)
    interruptions = fields.Integer(
        required=True,
        metadata={
            "description": "attempts given back because the job was interrupted (its worker died, "
            "a service it needs was restarting)"
        },
    )
    run_at = fields.AwareDateTime(required=True)
    created_by = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=MAX_ID))
    progress = fields.Integer(required=True, metadata={"description": "0-100"})
    progress_message = fields.String(allow_none=True)
    errors = fields.List(
        fields.Nested(JobErrorSchema),
        required=True,
        metadata={"description": "one entry per failed attempt"},
    )
    result = fields.Raw(allow_none=True, metadata={"description": "what the handler returned"})
    idempotency_key = fields.String(allow_none=True)
    worker_id = fields.String(allow_none=True, metadata={"description": "who runs it (running)"})
    lease_expires_at = fields.AwareDateTime(allow_none=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)
    finished_at = fields.AwareDateTime(allow_none=True)


class JobCreateSchema(ma.Schema):
    kind = fields.String(
        required=True,
        validate=NAME,
        metadata={"description": "one of the kinds this service runs: " + ", ".join(SHELF_KINDS)},
    )
    args = fields.Dict(keys=fields.String(), load_default=dict)
    run_at = fields.AwareDateTime(
        default_timezone=UTC,
        metadata={"description": "not before this time (UTC when no offset is given); default now"},
    )
    max_attempts = _strict_int(
        validate=validate.Range(min=1, max=100), metadata={"description": "default: the kind's own"}
    )
    queue = fields.String(load_default="default", validate=NAME)
    priority = _strict_int(load_default=0, validate=validate.Range(min=-1000, max=1000))
    idempotency_key = fields.String(
        validate=validate.Length(min=1, max=255),
        metadata={"description": "enqueueing again with the same key answers the first job (200)"},
    )
    created_by = _strict_int(
        allow_none=True,
        validate=validate.Range(min=1, max=MAX_ID),
        metadata={"description": "the user the job works for; they may read it"},
    )


class JobListQuerySchema(ma.Schema):
    state = fields.String(validate=validate.OneOf(STATES))
    kind = fields.String(validate=NAME)
    queue = fields.String(validate=NAME)
    # Query strings are text: plain Integer parses "50" (and refuses "2.5").
    created_by = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_ID))


class JobPageSchema(ma.Schema):
    results = fields.List(fields.Nested(JobSchema), required=True)
    total = fields.Integer(required=True, metadata={"description": "jobs matching the filters"})
    limit = fields.Integer(required=True)
    offset = fields.Integer(required=True)

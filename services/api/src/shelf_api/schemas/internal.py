"""The service-only surface (`/v1/internal/...`): what tasks reads and writes."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from ..models import URL_LENGTH
from .common import (
    UtcDateTime,
    _id,
    _max_length,
)
from .linkding import (
    BookmarkSchema,
)

# -- the service-only surface (/v1/internal/...) ------------------------------------------------


class InternalBookmarkSchema(BookmarkSchema):
    owner_id = fields.Integer(required=True)
    last_checked_at = UtcDateTime(required=True, allow_none=True)


class InternalListQuerySchema(ma.Schema):
    after_id = _id(load_default=0)
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))
    owner_id = _id()


class InternalPageSchema(ma.Schema):
    results = fields.List(fields.Nested(InternalBookmarkSchema), required=True)
    next_after_id = fields.Integer(required=True, allow_none=True)


class MetadataUpdateSchema(ma.Schema):
    title = fields.String(allow_none=True)
    description = fields.String(allow_none=True)
    favicon_url = fields.String(allow_none=True, validate=_max_length(URL_LENGTH))
    preview_image_url = fields.String(allow_none=True, validate=_max_length(URL_LENGTH))
    page_text = fields.String(allow_none=True)
    url = fields.String(metadata={"description": "the URL that was fetched"})


class LinkCheckSchema(ma.Schema):
    ok = fields.Boolean(required=True)
    status = fields.Integer(allow_none=True, strict=True)
    error = fields.String(allow_none=True)


class LinkCheckResultSchema(ma.Schema):
    is_broken = fields.Boolean(required=True)


class BatchSchema(ma.Schema):
    size = fields.Integer(load_default=500, strict=True, validate=validate.Range(min=1, max=5000))


class ImportFailureSchema(ma.Schema):
    detail = fields.String(
        required=True,
        validate=validate.Length(min=1, max=10_000),
        metadata={"description": "why: the job was discarded, cancelled..."},
    )


class BatchResultSchema(ma.Schema):
    processed = fields.Integer(required=True)
    total = fields.Integer(required=True)
    done = fields.Boolean(required=True)


class OwnersSchema(ma.Schema):
    owner_ids = fields.List(fields.Integer(), required=True)

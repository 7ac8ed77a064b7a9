"""The administrators' surface (`/v1/admin/...`): everyone's bookmarks and the counts."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from ..models import FILTER_CHOICES
from .common import (
    UtcDateTime,
    _max_length,
)
from .internal import (
    InternalBookmarkSchema,
)
from .linkding import (
    ListQuerySchema,
    page_schema,
)

# -- the administrators' surface (/v1/admin/...) ----------------------------------------------


class AdminListQuerySchema(ListQuerySchema):
    owner = fields.String(
        validate=_max_length(150),
        metadata={"description": "a username: only that user's bookmarks"},
    )
    archived = fields.String(load_default="off", validate=validate.OneOf(FILTER_CHOICES))


class AdminBookmarkSchema(InternalBookmarkSchema):
    owner = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "the owner's username, as api last saw it"},
    )


AdminBookmarkPageSchema = page_schema("AdminBookmarkPageSchema", AdminBookmarkSchema)


class AdminStatsSchema(ma.Schema):
    bookmarks = fields.Integer(required=True)
    archived = fields.Integer(required=True)
    unread = fields.Integer(required=True)
    shared = fields.Integer(required=True)
    broken = fields.Integer(
        required=True,
        metadata={
            "description": "links found broken, archived ones included (what the users' broken "
            "views list, summed)"
        },
    )
    broken_archived = fields.Integer(
        required=True, metadata={"description": "the archived ones among the broken links"}
    )
    checked = fields.Integer(required=True, metadata={"description": "links checked at least once"})
    owners = fields.Integer(required=True, metadata={"description": "users with bookmarks"})
    last_checked_at = UtcDateTime(required=True, allow_none=True)

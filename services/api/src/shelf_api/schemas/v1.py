"""What Shelf's own user endpoints (/v1/tags, /v1/bookmarks/bulk, /v1/feed-key) take and
answer. Unlike the linkding surface they refuse fields they do not know (400 naming them), and
their errors are problem+json."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from shelf_kit.openapi import ProblemSchema

from ..tagging import SORTS as TAG_SORTS
from .common import (
    MAX_INT,
    REQUIRED,
    Loose,
    UtcDateTime,
    WholeNumber,
    _max_length,
    _messages,
    check_tag_item,
    check_tag_name,
)
from .linkding import page_schema

BULK_ACTIONS = (
    "archive",
    "unarchive",
    "mark_read",
    "mark_unread",
    "share",
    "unshare",
    "delete",
    "tag",
    "untag",
)
VIEWS = ("all", "unread", "archived", "shared", "broken")
MAX_BULK_IDS = 1000
FEEDS = ("all", "unread", "shared")


class Strict(Loose):
    """Unknown fields refused (400 naming them); NUL characters too, as Loose refuses them."""

    class Meta:
        unknown = ma.RAISE


def _id(**kwargs: Any) -> fields.Integer:
    return WholeNumber(
        validate=validate.Range(min=1, max=MAX_INT), error_messages=_messages(), **kwargs
    )


# -- tags ---------------------------------------------------------------------------------------


class TagItemSchema(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    date_added = UtcDateTime(required=True)
    bookmark_count = fields.Integer(
        required=True,
        metadata={"description": "the owner's bookmarks with the tag, archived ones included"},
    )


TagItemPageSchema = page_schema("TagItemPageSchema", TagItemSchema)


class TagListQuerySchema(Strict):
    class Meta:
        unknown = ma.EXCLUDE  # a query string may carry what a page adds (a cache buster)

    q = fields.String(
        load_default="",
        validate=_max_length(64),
        metadata={"description": "a part of the name, any case"},
    )
    sort = fields.String(load_default="name", validate=validate.OneOf(TAG_SORTS))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_INT))


class TagRenameSchema(Strict):
    name = fields.String(required=True, error_messages=_messages(), validate=check_tag_name)


class TagMergeSchema(Strict):
    into = _id(required=True, metadata={"description": "the tag that takes the bookmarks"})


class TagMergedSchema(ma.Schema):
    tag = fields.Nested(TagItemSchema, required=True)
    moved = fields.Integer(
        required=True,
        metadata={"description": "bookmarks that had the merged tag (all have the target now)"},
    )


class TagRemovedSchema(ma.Schema):
    removed_from = fields.Integer(required=True)


class TagConflictSchema(ProblemSchema):
    existing_id = fields.Integer(
        required=True, metadata={"description": "the caller's tag that already has the name"}
    )


# -- bulk edit ----------------------------------------------------------------------------------


class BulkQuerySchema(Strict):
    view = fields.String(required=True, error_messages=_messages(), validate=validate.OneOf(VIEWS))
    q = fields.String(load_default="", validate=_max_length(2000))
    bundle = _id(load_default=None, allow_none=True)


class BulkSchema(Strict):
    action = fields.String(
        required=True, error_messages=_messages(), validate=validate.OneOf(BULK_ACTIONS)
    )
    tag_names = fields.List(
        fields.String(validate=check_tag_item),
        metadata={"description": "required for tag and untag"},
    )
    ids = fields.List(
        _id(),
        validate=validate.Length(
            min=1, max=MAX_BULK_IDS, error=f"Send between 1 and {MAX_BULK_IDS} ids."
        ),
    )
    query = fields.Nested(BulkQuerySchema)
    expected_count = fields.Integer(
        validate=validate.Range(min=0, max=MAX_INT),
        metadata={"description": "required with query: how many bookmarks the person saw"},
    )

    @ma.validates_schema
    def _one_selection(self, data: dict[str, Any], **_kwargs: Any) -> None:
        errors: dict[str, list[str]] = {}
        if ("ids" in data) == ("query" in data):
            errors["ids"] = [
                "Send either ids or query." if "ids" not in data else "Send ids or query, not both."
            ]
        if "query" in data and data.get("expected_count") is None:
            errors["expected_count"] = [REQUIRED]
        if data.get("action") in ("tag", "untag") and not data.get("tag_names"):
            errors["tag_names"] = [
                REQUIRED if "tag_names" not in data else "This list may not be empty."
            ]
        if errors:
            raise ma.ValidationError(errors)


class BulkResultSchema(ma.Schema):
    action = fields.String(required=True)
    affected = fields.Integer(required=True)
    missing = fields.List(
        fields.Integer(),
        required=True,
        metadata={"description": "ids that are not the caller's bookmarks (or are gone)"},
    )


class CountConflictSchema(ProblemSchema):
    count = fields.Integer(
        required=True, metadata={"description": "how many bookmarks the query matches now"}
    )


# -- feeds --------------------------------------------------------------------------------------


class FeedPathsSchema(ma.Schema):
    all = fields.String(required=True)
    unread = fields.String(required=True)
    shared = fields.String(required=True)


class FeedKeySchema(ma.Schema):
    key = fields.String(required=True)
    feeds = fields.Nested(
        FeedPathsSchema,
        required=True,
        metadata={"description": "each feed's path, relative to the front door"},
    )


class FeedQuerySchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE  # feed readers add their own parameters

    q = fields.String(
        load_default="",
        validate=_max_length(2000),
        metadata={"description": "a search (as the bookmark list's)"},
    )

"""The add form's live check: what the page's script asks while a URL is typed (api's
`/api/bookmarks/check/`, for the logged-in user)."""

from __future__ import annotations

import marshmallow as ma
from flask import url_for
from flask_smorest import Blueprint

from ..clients import api
from ..sessions import login_required

blp = Blueprint("check_api", __name__, description="What the ui's own scripts read")


class UrlQuerySchema(ma.Schema):
    url = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2048))


class SavedBookmarkSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    url = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    description = ma.fields.String(required=True)
    notes = ma.fields.String(required=True)
    tag_names = ma.fields.List(ma.fields.String(), required=True)
    unread = ma.fields.Boolean(required=True)
    shared = ma.fields.Boolean(required=True)
    date_added = ma.fields.String(required=True)
    edit_url = ma.fields.String(
        required=True,
        metadata={"description": "the ui's edit page of this bookmark (the add form posts there)"},
    )


class UrlCheckSchema(ma.Schema):
    bookmark = ma.fields.Nested(
        SavedBookmarkSchema,
        allow_none=True,
        required=True,
        metadata={"description": "the user's bookmark of this URL, as saved; null when not saved"},
    )
    title = ma.fields.String(required=True, metadata={"description": "what the page says"})
    description = ma.fields.String(required=True)
    auto_tags = ma.fields.List(
        ma.fields.String(),
        required=True,
        metadata={"description": "the tags the user's auto-tagging rules give this URL"},
    )


@blp.route("/bookmarks/check")
@blp.arguments(UrlQuerySchema, location="query")
@blp.response(200, UrlCheckSchema)
@blp.alt_response(401, description="Not logged in (session cookie)")
@blp.alt_response(503, description="api is down")
@login_required
def check(params):
    """Whether the logged-in user saved this URL already (then its saved values), what the
    page says about itself, and the tags auto-tagging will add."""
    found = api.check(params["url"])
    saved = found.bookmark
    return {
        "bookmark": None
        if saved is None
        else {
            "id": saved.id,
            "url": saved.url,
            "title": saved.title,
            "description": saved.description,
            "notes": saved.notes,
            "tag_names": saved.tag_names,
            "unread": saved.unread,
            "shared": saved.shared,
            "date_added": saved.date_added,
            "edit_url": url_for("bookmarks.edit", bookmark_id=saved.id),
        },
        "title": found.title,
        "description": found.description,
        "auto_tags": found.auto_tags,
    }

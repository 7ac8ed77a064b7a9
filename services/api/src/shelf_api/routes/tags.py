"""linkding's tags API: /api/tags/..."""

from __future__ import annotations

from flask import request

from shelf_identity import allow
from shelf_kit.db import session

from .. import bookmarks as service
from .. import queries, tagging
from ..models import Tag
from ..schemas.linkding import (
    PageQuerySchema,
    TagPageSchema,
    TagSchema,
    TagWriteSchema,
)
from .common import BODY, commit, committed, linkding_blueprint, not_found, owner_id

blp = linkding_blueprint("tags", __name__, "linkding's tags API")


def own_tag(tag_id: int) -> Tag:
    tag = tagging.own_tag(session(), owner_id(), tag_id)
    if tag is None:
        raise not_found()
    return tag


@blp.route("/api/tags/", methods=["GET"])
@allow(blp, "user")
@blp.arguments(PageQuerySchema, location="query")
@blp.response(200, TagPageSchema)
def list_tags(params):
    """The caller's tags, oldest first."""
    page = queries.Page(
        session(),
        tagging.in_order_made(owner_id()),
        limit=params["limit"],
        offset=params["offset"],
        url=request.url,
    )
    return page.envelope(page.items)


@blp.route("/api/tags/<id:tag_id>/", methods=["GET"])
@allow(blp, "user")
@blp.response(200, TagSchema)
def get(tag_id):
    """One of the caller's tags."""
    return own_tag(tag_id)


@blp.route("/api/tags/", methods=["POST"])
@allow(blp, "user")
@blp.arguments(TagWriteSchema, location=BODY)
@blp.response(201, TagSchema)
def create(data):
    """Create a tag; a name the caller already has (in any case) answers that tag."""
    (tag,) = committed(lambda: service.tags_named(session(), owner_id(), [data["name"]]))
    return tag


@blp.route("/api/tags/<id:tag_id>/", methods=["DELETE"])
@allow(blp, "user")
@blp.response(204)
def delete(tag_id):
    """Delete a tag; its bookmarks stay, without it."""
    session().delete(own_tag(tag_id))
    commit()

"""linkding's tags API: /api/tags/..."""

from __future__ import annotations

from flask import request
from sqlalchemy import select

from shelf_identity import allow
from shelf_kit.db import session

from .. import bookmarks as service
from .. import queries
from ..models import Tag
from ..schemas import PageQuerySchema, TagPageSchema, TagSchema, TagWriteSchema
from .common import BODY, commit, committed, linkding_blueprint, not_found, owner_id

blp = linkding_blueprint("tags", __name__, "linkding's tags API")


def own_tag(tag_id: int) -> Tag:
    tag = session().scalars(select(Tag).where(Tag.id == tag_id, Tag.owner_id == owner_id())).first()
    if tag is None:
        raise not_found()
    return tag


@blp.route("/api/tags/", methods=["GET"])
@allow(blp, "user")
@blp.arguments(PageQuerySchema, location="query")
@blp.response(200, TagPageSchema)
def list_tags(params):
    """The caller's tags, oldest first."""
    statement = select(Tag).where(Tag.owner_id == owner_id()).order_by(Tag.id)
    page = queries.Page(
        session(), statement, limit=params["limit"], offset=params["offset"], url=request.url
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

"""The caller's tags with their counts, renamed, merged and deleted (/v1/tags...): the ui's
tag management. The rules and reads are tagging.py's."""

from __future__ import annotations

from flask import request
from sqlalchemy.exc import IntegrityError

from shelf_identity import allow
from shelf_kit import Problem
from shelf_kit.db import session

from .. import queries, tagging
from ..errors import Invalid
from ..schemas.v1 import (
    TagConflictSchema,
    TagItemPageSchema,
    TagItemSchema,
    TagListQuerySchema,
    TagMergedSchema,
    TagMergeSchema,
    TagRemovedSchema,
    TagRenameSchema,
)
from .common import commit, not_found, owner_id, user_blueprint

blp = user_blueprint("tags_v1", __name__, "The caller's tags: counts, rename, merge, delete")


def own_tag(tag_id: int):
    tag = tagging.own_tag(session(), owner_id(), tag_id)
    if tag is None:
        raise not_found()
    return tag


def conflict(existing_id: int) -> Problem:
    return Problem(
        409,
        "Conflict",
        "You have another tag of that name; merge them instead.",
        existing_id=existing_id,
    )


@blp.route("/v1/tags", methods=["GET"])
@allow(blp, "user")
@blp.arguments(TagListQuerySchema, location="query")
@blp.response(200, TagItemPageSchema)
def list_tags(params):
    """The caller's tags with how many bookmarks carry each (archived ones included): `q` a
    part of the name (any case), `sort` name, -name, count, -count."""
    statement = tagging.listed(owner_id(), q=params["q"], sort=params["sort"])
    page = queries.Page(
        session(), statement, limit=params["limit"], offset=params["offset"], url=request.url
    )
    counts = tagging.bookmark_counts(session(), page.items)
    return page.envelope([tagging.as_item(tag, counts[tag.id]) for tag in page.items])


@blp.route("/v1/tags/<id:tag_id>", methods=["GET"])
@allow(blp, "user")
@blp.alt_response(404, description="Not one of the caller's tags")
@blp.response(200, TagItemSchema)
def get_tag(tag_id):
    """One of the caller's tags, with its count."""
    return tagging.item(session(), own_tag(tag_id))


@blp.route("/v1/tags/<id:tag_id>", methods=["PATCH"])
@allow(blp, "user")
@blp.arguments(TagRenameSchema)
@blp.alt_response(404, description="Not one of the caller's tags")
@blp.alt_response(
    409,
    schema=TagConflictSchema,
    description="The caller has another tag of that name (`existing_id`)",
)
@blp.response(200, TagItemSchema)
def rename(data, tag_id):
    """Rename a tag; its bookmarks keep it under the new name. A name the caller has on
    another tag (in any case) is 409 with that tag's `existing_id`, and nothing changes."""
    tag = own_tag(tag_id)
    try:
        tagging.rename(session(), tag, data["name"])
        answer = tagging.item(session(), tag)
        commit()
    except tagging.TagConflict as error:
        session().rollback()
        raise conflict(error.existing_id) from None
    except IntegrityError:  # another request made a tag of that name meanwhile
        session().rollback()
        other = tagging.other_named(session(), own_tag(tag_id), data["name"])
        if other is None:
            raise
        raise conflict(other) from None
    return answer


@blp.route("/v1/tags/<id:tag_id>/merge", methods=["POST"])
@allow(blp, "user")
@blp.arguments(TagMergeSchema)
@blp.alt_response(404, description="Either tag is not one of the caller's")
@blp.response(200, TagMergedSchema)
def merge(data, tag_id):
    """Every bookmark with this tag gets the tag `into`; then this tag is deleted."""
    if data["into"] == tag_id:
        raise Invalid({"into": ["A tag cannot be merged into itself."]})
    source, target = own_tag(tag_id), own_tag(data["into"])
    moved = tagging.merge(session(), source, target)
    answer = {"tag": tagging.item(session(), target), "moved": moved}
    commit()
    return answer


@blp.route("/v1/tags/<id:tag_id>", methods=["DELETE"])
@allow(blp, "user")
@blp.alt_response(404, description="Not one of the caller's tags")
@blp.response(200, TagRemovedSchema)
def delete_tag(tag_id):
    """Delete a tag; its bookmarks stay, without it."""
    removed = tagging.remove(session(), own_tag(tag_id))
    commit()
    return {"removed_from": removed}

"""linkding's bundles (saved searches) API: /api/bundles/..."""

from __future__ import annotations

from flask import request

from shelf_identity import allow
from shelf_kit.db import session, utcnow

from .. import bundles, queries
from ..models import Bundle
from ..schemas.linkding import (
    BundlePageSchema,
    BundlePatchSchema,
    BundleSchema,
    BundleWriteSchema,
    PageQuerySchema,
)
from .common import BODY, commit, linkding_blueprint, not_found, owner_id

blp = linkding_blueprint("bundles", __name__, "linkding's bundles (saved searches) API")


def own_bundle(bundle_id: int) -> Bundle:
    bundle = bundles.find_own(session(), owner_id(), bundle_id)
    if bundle is None:
        raise not_found()
    return bundle


@blp.route("/api/bundles/", methods=["GET"])
@allow(blp, "user")
@blp.arguments(PageQuerySchema, location="query")
@blp.response(200, BundlePageSchema)
def list_bundles(params):
    """The caller's bundles, in their order."""
    page = queries.Page(
        session(),
        bundles.in_order(owner_id()),
        limit=params["limit"],
        offset=params["offset"],
        url=request.url,
    )
    return page.envelope(page.items)


@blp.route("/api/bundles/<id:bundle_id>/", methods=["GET"])
@allow(blp, "user")
@blp.response(200, BundleSchema)
def get(bundle_id):
    """One of the caller's bundles."""
    return own_bundle(bundle_id)


@blp.route("/api/bundles/", methods=["POST"])
@allow(blp, "user")
@blp.arguments(BundleWriteSchema, location=BODY)
@blp.response(201, BundleSchema)
def create(data):
    """Create a bundle; without `order`, it goes after the others (a place of its own, however
    many are created at once). A given `order` is kept as it is, as linkding does."""
    bundles.check_search(data)
    bundle = Bundle(
        owner_id=owner_id(),
        search="",
        any_tags="",
        all_tags="",
        excluded_tags="",
        filter_unread="off",
        filter_shared="off",
    )
    bundles.apply(bundle, data)
    if "order" not in data:
        bundle.order = bundles.next_order(session(), owner_id())
    session().add(bundle)
    commit()
    return bundle


def _update(bundle_id, data):
    bundle = own_bundle(bundle_id)
    bundles.check_search(data)
    bundles.apply(bundle, data)
    bundle.date_modified = utcnow()
    commit()
    return bundle


@blp.route("/api/bundles/<id:bundle_id>/", methods=["PUT"])
@allow(blp, "user")
@blp.arguments(BundleWriteSchema, location=BODY)
@blp.response(200, BundleSchema)
def put(data, bundle_id):
    """Update a bundle (`name` required; fields not sent are kept)."""
    return _update(bundle_id, data)


@blp.route("/api/bundles/<id:bundle_id>/", methods=["PATCH"])
@allow(blp, "user")
@blp.arguments(BundlePatchSchema, location=BODY)
@blp.response(200, BundleSchema)
def patch(data, bundle_id):
    """Update some fields of a bundle."""
    return _update(bundle_id, data)


@blp.route("/api/bundles/<id:bundle_id>/", methods=["DELETE"])
@allow(blp, "user")
@blp.response(204)
def delete(bundle_id):
    """Delete a bundle (its bookmarks are untouched)."""
    session().delete(own_bundle(bundle_id))
    commit()

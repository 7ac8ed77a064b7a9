"""RSS feeds (/feeds/<key>/all, unread, shared; linkding's paths), read with the key alone,
and the caller's key (/v1/feed-key). What a feed holds and how it is written: feeds.py."""

from __future__ import annotations

from flask import Response, request

from shelf_identity import allow
from shelf_kit import Problem
from shelf_kit.db import session

from .. import feeds
from ..schemas.v1 import (
    FeedKeySchema,
    FeedQuerySchema,
)
from .common import UserBlueprint, committed, dialect, owner_id, user_blueprint

blp = user_blueprint("feed_key", __name__, "The caller's key to their RSS feeds")
feeds_blp = UserBlueprint("feeds", __name__, description="RSS feeds, read with the feed key alone")
RSS_DOCUMENT = {"application/rss+xml": {"schema": {"type": "string"}}}


@blp.route("/v1/feed-key", methods=["GET"])
@allow(blp, "user")
@blp.response(200, FeedKeySchema)
def get_key():
    """The caller's feed key (made on the first call) and their feeds' paths, relative to
    the front door."""
    return feeds.key_answer(committed(lambda: feeds.key_of(session(), owner_id())))


@blp.route("/v1/feed-key", methods=["POST"])
@allow(blp, "user")
@blp.response(201, FeedKeySchema)
def renew_key():
    """A new feed key: the old key's feeds answer 404 from now on."""
    return feeds.key_answer(committed(lambda: feeds.renew_key(session(), owner_id())))


def feed(kind: str, feed_key: str, params: dict) -> Response:
    owner = feeds.owner_of(session(), feed_key)
    if owner is None:
        raise Problem(404, "Not Found", "No feed has this key.")
    bookmarks = feeds.items(session(), owner, kind, params["q"], dialect=dialect())
    # the channel's link: the feed's own address (without the query), as linkding's
    return Response(feeds.rss(kind, request.base_url, bookmarks), content_type=feeds.CONTENT_TYPE)


def feed_route(kind: str):
    @feeds_blp.route(f"/feeds/<string:feed_key>/{kind}", methods=["GET"], endpoint=f"feed_{kind}")
    @allow(feeds_blp, public=True)
    @feeds_blp.doc(
        summary=f"{feeds.CHANNELS[kind][0]} (RSS 2.0)",
        description="`q` searches as the bookmark list does. No token: the key in "
        "the path is the credential.",
        responses={
            "200": {
                "content": RSS_DOCUMENT,
                "description": (
                    f"RSS 2.0: {feeds.CHANNELS[kind][1].lower()}, newest first, at most "
                    f"{feeds.MAX_ITEMS}"
                ),
            }
        },
    )
    @feeds_blp.arguments(FeedQuerySchema, location="query")
    @feeds_blp.alt_response(404, description="No feed has this key")
    @feeds_blp.response(200)
    def view(params, feed_key):
        return feed(kind, feed_key, params)

    return view


for _kind in feeds.KINDS:
    feed_route(_kind)

"""linkding's bookmarks API: /api/bookmarks/..."""

from __future__ import annotations

from flask import current_app, g, request

from shelf_identity import allow
from shelf_kit.db import session

from .. import assets, auto_tags, profiles, queries, selections
from .. import bookmarks as service
from ..errors import Invalid
from ..extensions import previews
from ..models import Bookmark
from ..schemas.linkding import (
    BookmarkCheckSchema,
    BookmarkCreateQuerySchema,
    BookmarkPageSchema,
    BookmarkPatchSchema,
    BookmarkSchema,
    BookmarkWriteSchema,
    CheckQuerySchema,
    ListQuerySchema,
    SharedQuerySchema,
)
from .common import (
    BODY,
    commit,
    committed,
    dialect,
    linkding_blueprint,
    not_found,
    owner_id,
)

blp = linkding_blueprint("bookmarks", __name__, "linkding's bookmarks API")


def own_bookmark(bookmark_id: int) -> Bookmark:
    """The caller's bookmark; another user's is as absent as a deleted one (404)."""
    bookmark = service.find_own(session(), owner_id(), bookmark_id)
    if bookmark is None:
        raise not_found()
    return bookmark


def listing(statement, params, *, lax_tags: bool):
    statement = queries.filtered(statement, params, dialect=dialect(), lax_tags=lax_tags)
    page = queries.Page(
        session(),
        statement,
        limit=params["limit"],
        offset=params["offset"],
        url=request.url,
        load_tags=True,
    )
    return page.envelope([service.as_linkding(bookmark) for bookmark in page.items])


def with_bundle(statement, params, *, lax_tags: bool):
    if params.get("bundle") is None:
        return statement
    bundle = selections.own_bundle(session(), owner_id(), params["bundle"])
    return statement.where(queries.bundle_condition(bundle, dialect=dialect(), lax_tags=lax_tags))


def owner_listing(params, *, archived: bool):
    lax = profiles.lax_tags(session(), owner_id())
    statement = with_bundle(queries.owned(owner_id(), archived=archived), params, lax_tags=lax)
    return listing(statement, params, lax_tags=lax)


@blp.route("/api/bookmarks/", methods=["GET"])
@allow(blp, "user")
@blp.arguments(ListQuerySchema, location="query")
@blp.response(200, BookmarkPageSchema)
def list_bookmarks(params):
    """The caller's unarchived bookmarks (filters, search `q`, sort, pages)."""
    return owner_listing(params, archived=False)


@blp.route("/api/bookmarks/archived/", methods=["GET"])
@allow(blp, "user")
@blp.arguments(ListQuerySchema, location="query")
@blp.response(200, BookmarkPageSchema)
def list_archived(params):
    """The caller's archived bookmarks."""
    return owner_listing(params, archived=True)


@blp.route("/api/bookmarks/shared/", methods=["GET"])
@allow(blp, "user", "service", public=True)
@blp.arguments(SharedQuerySchema, location="query")
@blp.response(200, BookmarkPageSchema)
def list_shared(params):
    """Bookmarks shared by users who enabled sharing; without credentials, only those of
    users who enabled public sharing. `user` narrows to one username."""
    identity = g.get("identity")  # None without credentials; @allow verified any sent
    caller = identity.user_id if identity is not None and identity.is_user else None
    lax = profiles.lax_tags(session(), caller)
    statement = queries.shared(public_only=identity is None, username=params.get("user"))
    if params.get("bundle") is not None and caller is not None:
        statement = with_bundle(statement, params, lax_tags=lax)
    return listing(statement, params, lax_tags=lax)


@blp.route("/api/bookmarks/check/", methods=["GET"])
@allow(blp, "user")
@blp.arguments(CheckQuerySchema, location="query")
@blp.response(200, BookmarkCheckSchema)
def check(params):
    """Whether the caller has bookmarked a URL, what the page says about itself, and the tags
    the caller's auto-tagging rules would give it.

    For a bookmarked URL the metadata is what the bookmark holds; otherwise the page is read
    now (SSRF-safe, at most SHELF_API_CHECK_TIMEOUT seconds; empty values when it cannot be,
    or when SHELF_API_CHECK_FETCHES_PER_USER of the caller's pages are being read already).
    With `read_page=false` the page is never read: a caller about to save the URL only needs
    to know whether it is saved, and must not wait on a slow page."""
    url = params["url"]
    bookmark = service.find_by_url(session(), owner_id(), url)
    if bookmark is not None:
        metadata = {
            "url": url,
            "title": bookmark.website_title or bookmark.title or None,
            "description": (bookmark.website_description or bookmark.description or None),
            "preview_image": bookmark.preview_image_url,
        }
    elif not params["read_page"]:
        metadata = {"url": url, "title": None, "description": None, "preview_image": None}
    else:
        session().rollback()  # no transaction stays open while the page is read
        metadata = previews(current_app).metadata(url, user=owner_id())
    rules = profiles.auto_tagging_rules(session(), owner_id())
    return {
        "bookmark": service.as_linkding(bookmark) if bookmark else None,
        "metadata": metadata,
        "auto_tags": auto_tags.tags_for(rules, url),
    }


@blp.route("/api/bookmarks/", methods=["POST"])
@allow(blp, "user")
@blp.arguments(BookmarkCreateQuerySchema, location="query", as_kwargs=True)
@blp.arguments(BookmarkWriteSchema, location=BODY)
@blp.response(201, BookmarkSchema)
def create(data, **query):
    """Create a bookmark; a URL the caller already has updates that bookmark instead. Tasks
    fetches the page's title, description, favicon and preview image afterwards (not with
    `disable_scraping`)."""
    bookmark, _created = committed(
        lambda: service.create_or_update(
            session(), owner_id(), data, fetch_metadata="disable_scraping" not in query
        ),
        wake_relay=True,
    )
    return service.as_linkding(bookmark)


@blp.route("/api/bookmarks/<id:bookmark_id>/", methods=["GET"])
@allow(blp, "user")
@blp.response(200, BookmarkSchema)
def get(bookmark_id):
    """One of the caller's bookmarks."""
    return service.as_linkding(own_bookmark(bookmark_id))


def _update(bookmark_id, data):
    bookmark = own_bookmark(bookmark_id)
    if "url" in data and service.url_taken(session(), bookmark, data["url"]):
        raise Invalid({"url": ["A bookmark with this URL already exists."]})
    committed(lambda: service.update(session(), own_bookmark(bookmark_id), data), wake_relay=True)
    return service.as_linkding(own_bookmark(bookmark_id))


@blp.route("/api/bookmarks/<id:bookmark_id>/", methods=["PUT"])
@allow(blp, "user")
@blp.arguments(BookmarkWriteSchema, location=BODY)
@blp.response(200, BookmarkSchema)
def put(data, bookmark_id):
    """Update a bookmark (`url` required; fields not sent are kept)."""
    return _update(bookmark_id, data)


@blp.route("/api/bookmarks/<id:bookmark_id>/", methods=["PATCH"])
@allow(blp, "user")
@blp.arguments(BookmarkPatchSchema, location=BODY)
@blp.response(200, BookmarkSchema)
def patch(data, bookmark_id):
    """Update some fields of a bookmark."""
    return _update(bookmark_id, data)


@blp.route("/api/bookmarks/<id:bookmark_id>/", methods=["DELETE"])
@allow(blp, "user")
@blp.response(204)
def delete(bookmark_id):
    """Delete a bookmark (and its assets' files)."""
    bookmark = own_bookmark(bookmark_id)
    names = assets.files_of(session(), bookmark.id)
    session().delete(bookmark)
    commit()
    for name in names:
        assets.remove(name)


def _set_archived(bookmark_id: int, archived: bool) -> None:
    bookmark = own_bookmark(bookmark_id)
    bookmark.is_archived = archived
    service.touch(bookmark)
    commit()


@blp.route("/api/bookmarks/<id:bookmark_id>/archive/", methods=["POST"])
@allow(blp, "user")
@blp.response(204)
def archive(bookmark_id):
    """Archive a bookmark."""
    _set_archived(bookmark_id, True)


@blp.route("/api/bookmarks/<id:bookmark_id>/unarchive/", methods=["POST"])
@allow(blp, "user")
@blp.response(204)
def unarchive(bookmark_id):
    """Take a bookmark out of the archive."""
    _set_archived(bookmark_id, False)

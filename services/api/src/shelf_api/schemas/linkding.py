"""The linkding surface (`/api/...`): bookmarks, tags, bundles, the user profile, the health
check, import and export, assets. It keeps linkding's fields and Django REST Framework's
validation messages, and ignores fields it does not know (clients send back whole objects,
read-only fields included), as DRF does."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from ..models import FILTER_CHOICES, URL_LENGTH
from ..tag_names import MAX_PER_BOOKMARK, TOO_MANY
from .common import (
    AUTO_TAGGING_LENGTH,
    BLANK,
    DESCRIPTION_LENGTH,
    MAX_INT,
    NOTES_LENGTH,
    SORTS,
    TITLE_LENGTH,
    Loose,
    Upload,
    UtcDateTime,
    WholeNumber,
    _id,
    _limit,
    _max_length,
    _messages,
    _offset,
    check_auto_tagging_rules,
    check_tag_item,
    check_tag_name,
    url_field,
)

# -- bookmarks ---------------------------------------------------------------------------------


class BookmarkSchema(ma.Schema):
    id = fields.Integer(required=True)
    url = fields.String(required=True)
    title = fields.String(required=True)
    description = fields.String(required=True)
    notes = fields.String(required=True)
    web_archive_snapshot_url = fields.String(required=True)
    favicon_url = fields.String(required=True, allow_none=True)
    preview_image_url = fields.String(required=True, allow_none=True)
    is_archived = fields.Boolean(required=True)
    unread = fields.Boolean(required=True)
    shared = fields.Boolean(required=True)
    tag_names = fields.List(fields.String(), required=True)
    date_added = UtcDateTime(required=True)
    date_modified = UtcDateTime(required=True)
    website_title = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "always null (kept for old clients)"},
    )
    website_description = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "always null (kept for old clients)"},
    )
    is_broken = fields.Boolean(
        required=True,
        metadata={"description": "a Shelf addition: the link failed its last two scheduled checks"},
    )


class BookmarkWriteSchema(Loose):
    """Create (POST; `url` required) and update (PUT: `url` required; PATCH: nothing is).
    Fields not sent are kept on update."""

    url = url_field(required=True)
    title = fields.String(validate=_max_length(TITLE_LENGTH), error_messages=_messages())
    description = fields.String(
        validate=_max_length(DESCRIPTION_LENGTH), error_messages=_messages()
    )
    notes = fields.String(validate=_max_length(NOTES_LENGTH), error_messages=_messages())
    is_archived = fields.Boolean(error_messages=_messages(invalid="Must be a valid boolean."))
    unread = fields.Boolean(error_messages=_messages(invalid="Must be a valid boolean."))
    shared = fields.Boolean(error_messages=_messages(invalid="Must be a valid boolean."))
    tag_names = fields.List(
        fields.String(validate=check_tag_item),
        validate=validate.Length(max=MAX_PER_BOOKMARK, error=TOO_MANY),
        error_messages=_messages(),
    )
    date_added = UtcDateTime(error_messages=_messages())
    date_modified = UtcDateTime(error_messages=_messages())


class BookmarkPatchSchema(BookmarkWriteSchema):
    url = url_field()


class BookmarkCreateQuerySchema(Loose):
    disable_scraping = fields.String(
        metadata={
            "description": "present: do not fill an empty title and description from the page"
        }
    )
    disable_html_snapshot = fields.String(
        metadata={"description": "present: no snapshot (Shelf makes none anyway)"}
    )


class ListQuerySchema(Loose):
    q = fields.String(
        load_default="",
        validate=_max_length(2000),
        metadata={"description": "a search (see README)"},
    )
    limit = _limit()
    offset = _offset()
    sort = fields.String(load_default="added_desc", validate=validate.OneOf(SORTS))
    unread = fields.String(load_default="off", validate=validate.OneOf(FILTER_CHOICES))
    shared = fields.String(load_default="off", validate=validate.OneOf(FILTER_CHOICES))
    modified_since = UtcDateTime(metadata={"description": "only bookmarks modified after"})
    added_since = UtcDateTime(metadata={"description": "only bookmarks added after"})
    bundle = _id(metadata={"description": "a bundle id: what that bundle matches"})
    broken = fields.String(
        load_default="off",
        validate=validate.OneOf(FILTER_CHOICES),
        metadata={
            "description": "a Shelf addition: yes, only links found broken; no, only the others"
        },
    )


class SharedQuerySchema(ListQuerySchema):
    user = fields.String(metadata={"description": "a username: only that user's bookmarks"})


class PageQuerySchema(Loose):
    limit = _limit()
    offset = _offset()


def page_schema(name: str, item: type[ma.Schema]) -> type[ma.Schema]:
    return type(
        name,
        (ma.Schema,),
        {
            "count": fields.Integer(required=True),
            "next": fields.String(required=True, allow_none=True),
            "previous": fields.String(required=True, allow_none=True),
            "results": fields.List(fields.Nested(item), required=True),
        },
    )


BookmarkPageSchema = page_schema("BookmarkPageSchema", BookmarkSchema)


class CheckQuerySchema(Loose):
    url = fields.String(
        required=True,
        error_messages=_messages(),
        validate=[validate.Length(min=1, error=BLANK), _max_length(URL_LENGTH)],
    )
    # Shelf's own: `read_page=false` only asks whether the URL is saved (the metadata of a URL
    # not saved is then empty), for a caller about to save it who must not wait on the page.
    read_page = fields.Boolean(
        load_default=True,
        metadata={
            "description": (
                "false: do not read the page; a URL not bookmarked answers empty metadata at once"
            )
        },
    )


class MetadataSchema(ma.Schema):
    url = fields.String(required=True)
    title = fields.String(required=True, allow_none=True)
    description = fields.String(required=True, allow_none=True)
    preview_image = fields.String(required=True, allow_none=True)


class BookmarkCheckSchema(ma.Schema):
    bookmark = fields.Nested(BookmarkSchema, required=True, allow_none=True)
    metadata = fields.Nested(MetadataSchema, required=True)
    auto_tags = fields.List(fields.String(), required=True)


# -- tags ---------------------------------------------------------------------------------------


class TagSchema(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    date_added = UtcDateTime(required=True)


class TagWriteSchema(Loose):
    name = fields.String(required=True, error_messages=_messages(), validate=check_tag_name)


TagPageSchema = page_schema("TagPageSchema", TagSchema)


# -- bundles ------------------------------------------------------------------------------------


class BundleSchema(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    search = fields.String(required=True)
    any_tags = fields.String(required=True)
    all_tags = fields.String(required=True)
    excluded_tags = fields.String(required=True)
    filter_unread = fields.String(required=True, validate=validate.OneOf(FILTER_CHOICES))
    filter_shared = fields.String(required=True, validate=validate.OneOf(FILTER_CHOICES))
    order = fields.Integer(required=True)
    date_created = UtcDateTime(required=True)
    date_modified = UtcDateTime(required=True)


def _choice() -> fields.String:
    return fields.String(
        error_messages=_messages(),
        validate=validate.OneOf(FILTER_CHOICES, error='"{input}" is not a valid choice.'),
    )


class BundleWriteSchema(Loose):
    name = fields.String(
        required=True,
        error_messages=_messages(),
        validate=[validate.Length(min=1, error=BLANK), _max_length(256)],
    )
    search = fields.String(validate=_max_length(256), error_messages=_messages())
    any_tags = fields.String(validate=_max_length(1024), error_messages=_messages())
    all_tags = fields.String(validate=_max_length(1024), error_messages=_messages())
    excluded_tags = fields.String(validate=_max_length(1024), error_messages=_messages())
    filter_unread = _choice()
    filter_shared = _choice()
    order = WholeNumber(
        validate=validate.Range(min=0, max=MAX_INT),
        error_messages=_messages(invalid="A valid integer is required."),
    )


class BundlePatchSchema(BundleWriteSchema):
    name = fields.String(
        error_messages=_messages(), validate=[validate.Length(min=1, error=BLANK), _max_length(256)]
    )


BundlePageSchema = page_schema("BundlePageSchema", BundleSchema)


# -- user profile -------------------------------------------------------------------------------


class SearchPreferencesSchema(Loose):
    sort = fields.String(validate=validate.OneOf(SORTS))
    shared = fields.String(validate=validate.OneOf(FILTER_CHOICES))
    unread = fields.String(validate=validate.OneOf(FILTER_CHOICES))


class ProfileSchema(ma.Schema):
    theme = fields.String(required=True)
    bookmark_date_display = fields.String(required=True)
    bookmark_link_target = fields.String(required=True)
    web_archive_integration = fields.String(required=True)
    tag_search = fields.String(required=True)
    enable_sharing = fields.Boolean(required=True)
    enable_public_sharing = fields.Boolean(required=True)
    enable_favicons = fields.Boolean(required=True)
    display_url = fields.Boolean(required=True)
    permanent_notes = fields.Boolean(required=True)
    search_preferences = fields.Nested(SearchPreferencesSchema, required=True)
    auto_tagging_rules = fields.String(
        required=True,
        metadata={"description": "a Shelf addition: '<URL pattern> <tag> ...' per line"},
    )
    version = fields.String(
        required=True,
        metadata={
            "description": "the linkding release whose API Shelf implements, as on GET /health"
        },
    )
    shelf_version = fields.String(
        required=True, metadata={"description": "a Shelf addition: Shelf api's own version"}
    )


class ProfilePatchSchema(Loose):
    theme = fields.String(validate=validate.OneOf(("auto", "light", "dark")))
    bookmark_date_display = fields.String(
        validate=validate.OneOf(("relative", "absolute", "hidden"))
    )
    bookmark_link_target = fields.String(validate=validate.OneOf(("_blank", "_self")))
    web_archive_integration = fields.String(validate=validate.OneOf(("disabled", "enabled")))
    tag_search = fields.String(validate=validate.OneOf(("strict", "lax")))
    enable_sharing = fields.Boolean()
    enable_public_sharing = fields.Boolean()
    enable_favicons = fields.Boolean()
    display_url = fields.Boolean()
    permanent_notes = fields.Boolean()
    search_preferences = fields.Nested(SearchPreferencesSchema)
    auto_tagging_rules = fields.String(
        validate=[_max_length(AUTO_TAGGING_LENGTH), check_auto_tagging_rules]
    )


# -- linkding's health check ---------------------------------------------------------------------


class LinkdingHealthSchema(ma.Schema):
    version = fields.String(
        required=True,
        metadata={
            "description": "the linkding release whose API Shelf implements (not Shelf's version)"
        },
    )
    status = fields.String(required=True, metadata={"enum": ["healthy", "unhealthy"]})
    shelf_version = fields.String(required=True, metadata={"description": "Shelf api's version"})


# -- import and export (Shelf additions on the linkding surface) ---------------------------------


class ExportQuerySchema(ma.Schema):
    format = fields.String(load_default="html", validate=validate.OneOf(("html", "json", "csv")))


class ImportSchema(Loose):
    """multipart/form-data: the file, and how to read it."""

    file = Upload(
        required=True,
        error_messages=_messages(),
        metadata={
            "description": "a bookmark file: Netscape HTML (browsers, linkding), "
            "Pocket HTML, Pinboard JSON or Shelf JSON"
        },
    )
    folders_as_tags = fields.Boolean(
        load_default=True,
        metadata={"description": "tag bookmarks with the names of the folders they are in"},
    )


class SkippedSchema(ma.Schema):
    line = fields.Integer(required=True)
    url = fields.String(required=True)
    reason = fields.String(required=True)


class ImportProgressSchema(ma.Schema):
    id = fields.Integer(required=True)
    state = fields.String(required=True)
    format = fields.String(required=True)
    filename = fields.String(required=True)
    total = fields.Integer(required=True)
    processed = fields.Integer(required=True)
    created = fields.Integer(required=True)
    updated = fields.Integer(required=True)
    job_id = fields.Integer(
        required=True, allow_none=True, metadata={"description": "the tasks job, once tasks has it"}
    )
    detail = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "why the import failed (state failed)"},
    )
    created_at = UtcDateTime(required=True)
    updated_at = UtcDateTime(required=True)


class ImportResultSchema(ma.Schema):
    format = fields.String(required=True)
    total = fields.Integer(required=True, metadata={"description": "distinct bookmarks read"})
    created = fields.Integer()
    updated = fields.Integer()
    skipped = fields.List(fields.Nested(SkippedSchema), required=True)
    warnings = fields.List(
        fields.Nested(SkippedSchema),
        required=True,
        metadata={
            "description": "bookmarks imported with their tags changed to follow the rules (at "
            "most 100 tags of at most 64 characters, no control characters): "
            "each line and what was changed"
        },
    )
    import_ = fields.Nested(
        ImportProgressSchema,
        data_key="import",
        metadata={"description": "large files: the import job's progress"},
    )


# -- bookmark assets ------------------------------------------------------------------------------


class AssetSchema(ma.Schema):
    id = fields.Integer(required=True)
    bookmark = fields.Integer(required=True, attribute="bookmark_id")
    date_created = UtcDateTime(required=True)
    file_size = fields.Integer(required=True)
    asset_type = fields.String(required=True, metadata={"enum": ["snapshot", "upload"]})
    content_type = fields.String(required=True)
    display_name = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": ["pending", "complete", "failure"]})


AssetPageSchema = page_schema("AssetPageSchema", AssetSchema)


class AssetUploadSchema(ma.Schema):
    file = Upload(required=True, error_messages=_messages())


class SingleFileSchema(Loose):
    """multipart/form-data: the page's URL and the browser's snapshot of it."""

    url = url_field(required=True)
    file = Upload(required=True, error_messages=_messages())


class MessageSchema(ma.Schema):
    message = fields.String(required=True)

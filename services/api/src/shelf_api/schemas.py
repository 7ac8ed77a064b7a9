"""What the endpoints take and answer (marshmallow; flask-smorest documents them).

The linkding surface (`/api/...`) keeps linkding's fields and Django REST Framework's
validation messages, and ignores fields it does not know (clients send back whole objects,
read-only fields included), as DRF does.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import marshmallow as ma
from flask_smorest import fields as smorest_fields
from marshmallow import fields, validate
from werkzeug.datastructures import FileStorage

from .auto_tags import rule_problems
from .models import FILTER_CHOICES, URL_LENGTH
from .tag_names import MAX_PER_BOOKMARK, TOO_MANY
from .tag_names import problem as tag_problem

REQUIRED = "This field is required."
NULL = "This field may not be null."
BLANK = "This field may not be blank."
TITLE_LENGTH = 512
DESCRIPTION_LENGTH = 10_000
NOTES_LENGTH = 100_000
AUTO_TAGGING_LENGTH = 10_000
SORTS = ("added_asc", "added_desc", "modified_asc", "modified_desc", "title_asc", "title_desc")
MAX_INT = 2**31 - 1  # the databases' INTEGER
NUL = "Null characters are not allowed."
DATETIME_OVERFLOW = "Datetime value out of range."  # DRF's message


def _messages(**extra: str) -> dict[str, Any]:
    return {"required": REQUIRED, "null": NULL, **extra}


def _max_length(length: int) -> validate.Length:
    return validate.Length(
        max=length, error=f"Ensure this field has no more than {length} characters."
    )


class UtcDateTime(fields.DateTime):
    """ISO 8601 in UTC with a `Z` (`2020-09-26T09:46:23.006313Z`), as linkding answers; on
    input, an offset-less time is taken as UTC."""

    def _serialize(self, value: datetime | None, attr: Any, obj: Any, **kwargs: Any) -> Any:
        if value is None:
            return None
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> datetime:
        parsed = super()._deserialize(value, attr, data, **kwargs)
        try:
            return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
        except OverflowError:  # its offset takes it past year 9999 (or before year 1) in UTC
            raise ma.ValidationError(DATETIME_OVERFLOW) from None


def check_url(value: str) -> None:
    """DRF's checks, one message at a time: blank, too long, not a web URL."""
    from urllib.parse import urlsplit

    if not value.strip():
        raise ma.ValidationError(BLANK)
    if len(value) > URL_LENGTH:
        raise ma.ValidationError(f"Ensure this field has no more than {URL_LENGTH} characters.")
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        raise ma.ValidationError("Enter a valid URL.") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ma.ValidationError("Enter a valid URL.")


def check_tag_name(value: str) -> None:
    problem = tag_problem(value)
    if problem:
        raise ma.ValidationError(problem)


def check_tag_item(value: str) -> None:
    """One item of a bookmark's tag_names: whitespace in it separates names (linkding's)."""
    problem = tag_problem(value, spaces_split=True)
    if problem:
        raise ma.ValidationError(problem)


def check_auto_tagging_rules(value: str) -> None:
    problems = rule_problems(value)
    if problems:
        raise ma.ValidationError(problems)


class Loose(ma.Schema):
    """Unknown fields ignored (DRF's way); NUL characters refused (Postgres cannot store them)."""

    class Meta:
        unknown = ma.EXCLUDE

    @ma.pre_load
    def _no_nul(self, data: Any, **_kwargs: Any) -> Any:
        if hasattr(data, "items"):
            errors = {key: [NUL] for key, value in data.items() if _has_nul(value)}
            if errors:
                raise ma.ValidationError(errors)
        return data


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


class Upload(smorest_fields.Upload):
    """A file part of a multipart body; a plain field of that name is refused as DRF does."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> FileStorage:
        if not isinstance(value, FileStorage):
            raise ma.ValidationError(
                "The submitted data was not a file. Check the encoding type on the form."
            )
        return value


class WholeNumber(fields.Integer):
    """An integer as DRF takes one: a JSON number without a fraction, or its digits as text
    (a form sends nothing else); not 1.5, not true."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strict=True, **kwargs)

    def _validated(self, value: Any) -> int:
        if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,12}\s*", value):
            value = int(value)
        return super()._validated(value)


def _id(**kwargs: Any) -> fields.Integer:
    return fields.Integer(validate=validate.Range(min=0, max=MAX_INT), **kwargs)


class PagingNumber(fields.Integer):
    """A limit or offset as linkding reads it (Django REST framework's limit/offset paging): a
    value that is not a whole number, or is below `minimum`, means the default rather than an
    error, so clients that send `limit=0` or `offset=-1` get a page as they do from linkding."""

    def __init__(self, *, minimum: int, default: int, **kwargs: Any) -> None:
        super().__init__(load_default=default, validate=validate.Range(max=MAX_INT), **kwargs)
        self.minimum, self.default = minimum, default

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        try:
            number = int(value)
        except (TypeError, ValueError):
            return self.default
        return number if number >= self.minimum else self.default


def _limit() -> fields.Integer:
    return PagingNumber(
        minimum=1,
        default=100,
        metadata={
            "description": "rows per page: any positive number (linkding sets no maximum); "
            "anything else means 100"
        },
    )


def _offset() -> fields.Integer:
    return PagingNumber(
        minimum=0,
        default=0,
        metadata={"description": "rows to skip; anything but a whole number from 0 means 0"},
    )


def url_field(**kwargs: Any) -> fields.String:
    return fields.String(validate=check_url, error_messages=_messages(), **kwargs)


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


# -- the service-only surface (/v1/internal/...) ------------------------------------------------


class InternalBookmarkSchema(BookmarkSchema):
    owner_id = fields.Integer(required=True)
    last_checked_at = UtcDateTime(required=True, allow_none=True)


class InternalListQuerySchema(ma.Schema):
    after_id = _id(load_default=0)
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))
    owner_id = _id()


class InternalPageSchema(ma.Schema):
    results = fields.List(fields.Nested(InternalBookmarkSchema), required=True)
    next_after_id = fields.Integer(required=True, allow_none=True)


class MetadataUpdateSchema(ma.Schema):
    title = fields.String(allow_none=True)
    description = fields.String(allow_none=True)
    favicon_url = fields.String(allow_none=True, validate=_max_length(URL_LENGTH))
    preview_image_url = fields.String(allow_none=True, validate=_max_length(URL_LENGTH))
    page_text = fields.String(allow_none=True)
    url = fields.String(metadata={"description": "the URL that was fetched"})


class LinkCheckSchema(ma.Schema):
    ok = fields.Boolean(required=True)
    status = fields.Integer(allow_none=True, strict=True)
    error = fields.String(allow_none=True)


class LinkCheckResultSchema(ma.Schema):
    is_broken = fields.Boolean(required=True)


class BatchSchema(ma.Schema):
    size = fields.Integer(load_default=500, strict=True, validate=validate.Range(min=1, max=5000))


class ImportFailureSchema(ma.Schema):
    detail = fields.String(
        required=True,
        validate=validate.Length(min=1, max=10_000),
        metadata={"description": "why: the job was discarded, cancelled..."},
    )


class BatchResultSchema(ma.Schema):
    processed = fields.Integer(required=True)
    total = fields.Integer(required=True)
    done = fields.Boolean(required=True)


class OwnersSchema(ma.Schema):
    owner_ids = fields.List(fields.Integer(), required=True)


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


class ExportQuerySchema(ma.Schema):
    format = fields.String(load_default="html", validate=validate.OneOf(("html", "json", "csv")))


# -- import and export (Shelf additions on the linkding surface) ---------------------------------


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

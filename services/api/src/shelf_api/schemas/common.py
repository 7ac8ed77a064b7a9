"""What every surface's schemas are built from: linkding's (DRF's) messages, fields that
read as DRF does, the paging numbers, tag names and URLs."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import marshmallow as ma
from flask_smorest import fields as smorest_fields
from marshmallow import fields, validate
from werkzeug.datastructures import FileStorage

from ..auto_tags import rule_problems
from ..models import URL_LENGTH
from ..tag_names import problem as tag_problem

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

"""What several of auth's surfaces share: the user, the email and password fields, "accepted"."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

_EMAIL = validate.Email(error="Not a valid email address.")


def _email_or_empty(value: str) -> None:
    # "" means "no address"; anything else must look like one.
    if value != "":
        _EMAIL(value)
        validate.Length(max=254)(value)


# What the document says of such a field: an address, or "" (no address).
_EMAIL_OR_EMPTY = {"anyOf": [{"format": "email", "maxLength": 254}, {"maxLength": 0}]}


def email_field(**kwargs) -> fields.String:
    return fields.String(validate=_email_or_empty, metadata=_EMAIL_OR_EMPTY, **kwargs)


def password_field(**kwargs) -> fields.String:
    return fields.String(required=True, metadata={"format": "password"}, **kwargs)


def current_password_field() -> fields.String:
    return password_field(validate=validate.Length(min=1, max=4096))


class UserSchema(ma.Schema):
    id = fields.Integer(required=True)
    username = fields.String(required=True)
    email = fields.String(required=True)
    is_admin = fields.Boolean(required=True)
    is_active = fields.Boolean(required=True)
    created_at = fields.AwareDateTime(required=True)
    last_login_at = fields.AwareDateTime(allow_none=True)


def revoke_api_key_field() -> fields.Boolean:
    return fields.Boolean(
        load_default=False,
        metadata={
            "description": "also revoke your API key (scripts and apps using it stop working until "
            "you make a new one)"
        },
    )


class AcceptedSchema(ma.Schema):
    detail = fields.String(required=True, metadata={"description": "what happens next"})

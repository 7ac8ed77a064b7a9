"""A person's own calls: sign-up, log-in sessions, their password, email and API key, and
password resets."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from ..users import USERNAME_RULE
from .common import (
    UserSchema,
    current_password_field,
    email_field,
    password_field,
    revoke_api_key_field,
)


class SignUpSchema(ma.Schema):
    username = fields.String(required=True, metadata={"description": USERNAME_RULE})
    password = password_field()
    email = email_field(load_default="")


class SignUpStateSchema(ma.Schema):
    open = fields.Boolean(
        required=True,
        metadata={"description": "whether POST /v1/users would create an account now"},
    )


class LoginSchema(ma.Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=150))
    password = current_password_field()


class RefreshSchema(ma.Schema):
    refresh_token = fields.String(required=True, validate=validate.Length(min=1, max=200))


class TokenPairSchema(ma.Schema):
    access_token = fields.String(required=True)
    token_type = fields.String(required=True, metadata={"example": "Bearer"})
    expires_in = fields.Integer(required=True, metadata={"description": "seconds"})
    refresh_token = fields.String(required=True)
    refresh_expires_in = fields.Integer(required=True, metadata={"description": "seconds"})
    user = fields.Nested(UserSchema, required=True)


class PasswordChangeSchema(ma.Schema):
    current_password = current_password_field()
    new_password = password_field()
    revoke_api_key = revoke_api_key_field()


class EmailChangeSchema(ma.Schema):
    email = email_field(required=True)
    password = current_password_field()


class ApiKeyInfoSchema(ma.Schema):
    exists = fields.Boolean(required=True)
    created_at = fields.AwareDateTime(allow_none=True)
    last4 = fields.String(allow_none=True, metadata={"description": "the key's last 4 characters"})


class ApiKeyCreatedSchema(ApiKeyInfoSchema):
    key = fields.String(required=True, metadata={"description": "shown this once only"})


class ResetRequestSchema(ma.Schema):
    login = fields.String(
        required=True,
        validate=validate.Length(min=1, max=254),
        metadata={"description": "a username or an email address"},
    )


class ResetConfirmSchema(ma.Schema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=200))
    password = password_field()
    revoke_api_key = revoke_api_key_field()

"""What auth's endpoints take and answer (marshmallow; flask-smorest documents them)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from shelf_kit.openapi import MAX_ID

from .users import USERNAME_RULE

_EMAIL = validate.Email(error="Not a valid email address.")


def _email_or_empty(value: str) -> None:
    # "" means "no address"; anything else must look like one.
    if value != "":
        _EMAIL(value)
        validate.Length(max=254)(value)


# What the document says of such a field: an address, or "" (no address).
_EMAIL_OR_EMPTY = {"anyOf": [{"format": "email", "maxLength": 254}, {"maxLength": 0}]}


def _email(**kwargs) -> fields.String:
    return fields.String(validate=_email_or_empty, metadata=_EMAIL_OR_EMPTY, **kwargs)


def _password(**kwargs) -> fields.String:
    return fields.String(required=True, metadata={"format": "password"}, **kwargs)


def _current_password() -> fields.String:
    return _password(validate=validate.Length(min=1, max=4096))


class UserSchema(ma.Schema):
    id = fields.Integer(required=True)
    username = fields.String(required=True)
    email = fields.String(required=True)
    is_admin = fields.Boolean(required=True)
    is_active = fields.Boolean(required=True)
    created_at = fields.AwareDateTime(required=True)
    last_login_at = fields.AwareDateTime(allow_none=True)


class SignUpSchema(ma.Schema):
    username = fields.String(required=True, metadata={"description": USERNAME_RULE})
    password = _password()
    email = _email(load_default="")


class SignUpStateSchema(ma.Schema):
    open = fields.Boolean(
        required=True,
        metadata={"description": "whether POST /v1/users would create an account now"},
    )


class AdminUserCreateSchema(SignUpSchema):
    is_admin = fields.Boolean(load_default=False)


class AdminUserUpdateSchema(ma.Schema):
    is_active = fields.Boolean()
    is_admin = fields.Boolean()
    email = _email()


class UserListQuerySchema(ma.Schema):
    q = fields.String(load_default="", metadata={"description": "part of a username or email"})
    # Bounded so that (page - 1) * per_page stays a number the database can take.
    page = fields.Integer(validate=validate.Range(min=1, max=MAX_ID // 200))
    per_page = fields.Integer(validate=validate.Range(min=1, max=200))
    limit = fields.Integer(validate=validate.Range(min=1, max=200))
    offset = fields.Integer(validate=validate.Range(min=0, max=MAX_ID))

    @ma.validates_schema
    def one_style(self, data, **_kwargs):
        if ({"page", "per_page"} & data.keys()) and ({"limit", "offset"} & data.keys()):
            raise ma.ValidationError("Use page/per_page or limit/offset, not both.", "offset")


class UserListSchema(ma.Schema):
    items = fields.List(fields.Nested(UserSchema), required=True)
    total = fields.Integer(required=True, metadata={"description": "users matching q"})
    limit = fields.Integer(required=True)
    offset = fields.Integer(required=True)


class LoginSchema(ma.Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=150))
    password = _current_password()


class RefreshSchema(ma.Schema):
    refresh_token = fields.String(required=True, validate=validate.Length(min=1, max=200))


class TokenPairSchema(ma.Schema):
    access_token = fields.String(required=True)
    token_type = fields.String(required=True, metadata={"example": "Bearer"})
    expires_in = fields.Integer(required=True, metadata={"description": "seconds"})
    refresh_token = fields.String(required=True)
    refresh_expires_in = fields.Integer(required=True, metadata={"description": "seconds"})
    user = fields.Nested(UserSchema, required=True)


def _revoke_api_key() -> fields.Boolean:
    return fields.Boolean(
        load_default=False,
        metadata={
            "description": "also revoke your API key (scripts and apps using it stop working until "
            "you make a new one)"
        },
    )


class PasswordChangeSchema(ma.Schema):
    current_password = _current_password()
    new_password = _password()
    revoke_api_key = _revoke_api_key()


class EmailChangeSchema(ma.Schema):
    email = _email(required=True)
    password = _current_password()


class ApiKeyInfoSchema(ma.Schema):
    exists = fields.Boolean(required=True)
    created_at = fields.AwareDateTime(allow_none=True)
    last4 = fields.String(allow_none=True, metadata={"description": "the key's last 4 characters"})


class ApiKeyCreatedSchema(ApiKeyInfoSchema):
    key = fields.String(required=True, metadata={"description": "shown this once only"})


class IntrospectSchema(ma.Schema):
    key = fields.String(required=True, validate=validate.Length(max=200))


class IntrospectedUserSchema(ma.Schema):
    id = fields.Integer(required=True)
    username = fields.String(required=True)
    is_admin = fields.Boolean(required=True)
    is_active = fields.Boolean(required=True)


class IntrospectionSchema(ma.Schema):
    active = fields.Boolean(required=True)
    user = fields.Nested(IntrospectedUserSchema)


class ClientCredentialsSchema(ma.Schema):
    client_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    client_secret = fields.String(required=True, validate=validate.Length(min=1, max=500))
    audience = fields.String(
        validate=validate.Length(min=1, max=100),
        metadata={
            "description": "the service the token is for (auth, api, tasks); send it (without it "
            "the token names every service the client may call: deprecated)",
            "example": "tasks",
        },
    )


class ServiceTokenSchema(ma.Schema):
    access_token = fields.String(required=True)
    token_type = fields.String(required=True, metadata={"example": "Bearer"})
    expires_in = fields.Integer(required=True, metadata={"description": "seconds"})


class RevocationSchema(ma.Schema):
    id = fields.Integer(required=True)
    kind = fields.String(
        required=True,
        metadata={
            "enum": ["session", "user", "api_key"],
            "description": "session: access tokens whose `sid` is `session_id` are void; user: "
            "access tokens of `user_id` whose `ver` is below `token_version` are "
            "void; api_key: the user's API key changed (forget cached answers)",
        },
    )
    user_id = fields.Integer(required=True)
    session_id = fields.String(allow_none=True)
    token_version = fields.Integer(allow_none=True)
    created_at = fields.AwareDateTime(required=True)


class RevocationFeedSchema(ma.Schema):
    window_seconds = fields.Integer(
        required=True, metadata={"description": "how old a revocation may be and still be listed"}
    )
    revocations = fields.List(fields.Nested(RevocationSchema), required=True)


class JwkSchema(ma.Schema):
    kty = fields.String(required=True)
    crv = fields.String(required=True)
    x = fields.String(required=True)
    y = fields.String(required=True)
    kid = fields.String(required=True)
    alg = fields.String(required=True)
    use = fields.String(required=True)


class JwksSchema(ma.Schema):
    keys = fields.List(fields.Nested(JwkSchema), required=True)


class ResetRequestSchema(ma.Schema):
    login = fields.String(
        required=True,
        validate=validate.Length(min=1, max=254),
        metadata={"description": "a username or an email address"},
    )


class ResetConfirmSchema(ma.Schema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=200))
    password = _password()
    revoke_api_key = _revoke_api_key()


class PurgeSchema(ma.Schema):
    refresh_sessions = fields.Integer(required=True)
    login_attempts = fields.Integer(required=True)
    known_addresses = fields.Integer(
        required=True,
        metadata={
            "description": "addresses not logged in from for as long as a refresh token lasts"
        },
    )
    throttle_events = fields.Integer(
        required=True,
        metadata={"description": "password reset requests and mails too old to count"},
    )
    password_reset_tokens = fields.Integer(required=True)
    outbox = fields.Integer(
        required=True,
        metadata={"description": "outbox messages delivered a week ago, or expired undelivered"},
    )
    revocations = fields.Integer(
        required=True,
        metadata={"description": "revocations older than any access token they could void"},
    )


class AcceptedSchema(ma.Schema):
    detail = fields.String(required=True, metadata={"description": "what happens next"})

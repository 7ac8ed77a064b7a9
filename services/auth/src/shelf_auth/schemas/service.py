"""What Shelf's services call: API-key introspection, service tokens, the revocation feed,
the JWKS and the nightly purge."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate


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

"""The admin's calls: listing, creating and changing users."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from shelf_kit.openapi import MAX_ID

from .common import UserSchema, email_field
from .users import SignUpSchema


class AdminUserCreateSchema(SignUpSchema):
    is_admin = fields.Boolean(load_default=False)


class AdminUserUpdateSchema(ma.Schema):
    is_active = fields.Boolean()
    is_admin = fields.Boolean()
    email = email_field()


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

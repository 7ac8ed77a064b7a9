"""The caller's API key (`Authorization: Token <key>`), and its introspection by services."""

from __future__ import annotations

from flask_smorest import Blueprint

from shelf_identity import allow
from shelf_kit.db import session

from .. import api_keys
from ..identity import current_user
from ..schemas.service import IntrospectionSchema, IntrospectSchema
from ..schemas.users import ApiKeyCreatedSchema, ApiKeyInfoSchema

blp = Blueprint("api_keys", __name__, description="API keys for scripts and integrations")


def describe(row) -> dict:
    if row is None:
        return {"exists": False, "created_at": None, "last4": None}
    return {"exists": True, "created_at": row.created_at, "last4": row.last4}


@blp.route("/v1/api-key")
@allow(blp, "user")
@blp.response(200, ApiKeyInfoSchema)
def show():
    """Whether the caller has an API key, when it was made and its last 4 characters."""
    return describe(api_keys.find_for_user(session=session(), user_id=current_user().id))


@blp.route("/v1/api-key", methods=["POST"])
@allow(blp, "user")
@blp.response(201, ApiKeyCreatedSchema)
def regenerate():
    """Make a new API key, replacing the old one.

    The key is in this answer only; the old key stops working at once at auth, and within
    seconds at the other services."""
    row, key = api_keys.regenerate(session=session(), user=current_user())
    session().commit()
    return {**describe(row), "key": key}


@blp.route("/v1/api-key", methods=["DELETE"])
@allow(blp, "user")
@blp.response(204)
def revoke():
    """Revoke the API key: it stops working (at the other services within seconds). 204
    whether or not there was one."""
    api_keys.revoke(session=session(), user_id=current_user().id)
    session().commit()


@blp.route("/v1/api-keys/introspect", methods=["POST"])
@allow(blp, "service")
@blp.arguments(IntrospectSchema)
@blp.response(200, IntrospectionSchema)
def introspect(body):
    """Resolve an API key to its user (services only).

    Answers {"active": false} for an unknown key or an inactive user."""
    user = api_keys.resolve(session=session(), key=body["key"])
    if user is None:
        return {"active": False}
    return {"active": True, "user": user}

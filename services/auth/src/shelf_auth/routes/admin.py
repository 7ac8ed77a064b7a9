"""Administration of users: list, create, update, delete, force a password reset."""

from __future__ import annotations

from flask_smorest import Blueprint

from shelf_identity import allow
from shelf_kit import Problem
from shelf_kit.db import session

from .. import api_keys, outbox, refresh_sessions, revocations
from ..errors import invalid
from ..identity import current_user
from ..mail import mail_reset_link
from ..models import User
from ..passwords import UNUSABLE
from ..schemas.admin import (
    AdminUserCreateSchema,
    AdminUserUpdateSchema,
    UserListQuerySchema,
    UserListSchema,
)
from ..schemas.common import AcceptedSchema, UserSchema
from ..users import create_user, delete_user, list_users, set_email

blp = Blueprint("admin", __name__, description="User administration (administrators only)")
DEFAULT_PAGE_SIZE = 20


def get_user(user_id: int) -> User:
    user = session().get(User, user_id)
    if user is None:
        raise Problem(404, "Not Found", f"There is no user {user_id}.")
    return user


@blp.route("/v1/admin/users")
@allow(blp, "admin")
@blp.arguments(UserListQuerySchema, location="query")
@blp.response(200, UserListSchema)
def list_(args):
    """List users, a page at a time.

    Ordered by id; page/per_page or limit/offset (20 by default); `q` searches usernames and
    email addresses."""
    if "page" in args or "per_page" in args:
        limit = args.get("per_page", DEFAULT_PAGE_SIZE)
        offset = (args.get("page", 1) - 1) * limit
    else:
        limit, offset = args.get("limit", DEFAULT_PAGE_SIZE), args.get("offset", 0)
    items, total = list_users(
        session=session(), search=args["q"].strip(), limit=limit, offset=offset
    )
    return {"items": items, "total": total, "limit": limit, "offset": offset}


@blp.route("/v1/admin/users", methods=["POST"])
@allow(blp, "admin")
@blp.arguments(AdminUserCreateSchema)
@blp.response(201, UserSchema)
def create(body):
    """Create a user (whether or not sign-up is open)."""
    user = create_user(session=session(), **body)
    session().commit()
    return user


@blp.route("/v1/admin/users/<id:user_id>", methods=["PATCH"])
@allow(blp, "admin")
@blp.arguments(AdminUserUpdateSchema)
@blp.response(200, UserSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
def update(body, user_id):
    """Update a user: activate or deactivate, promote or demote, change the email address.

    Deactivating logs the user out everywhere; deactivating and demoting void the access
    tokens the user holds (at the other services within seconds: GET /v1/revocations), so a
    demoted administrator keeps no administrator's token. Administrators cannot demote or
    deactivate themselves (409)."""
    user = get_user(user_id)
    if user.id == current_user().id:
        mistakes = {
            field: [f"You cannot set your own {field} to false."]
            for field in ("is_active", "is_admin")
            if body.get(field) is False
        }
        if mistakes:
            raise invalid(mistakes, status=409)
    if "email" in body:
        set_email(user=user, email=body["email"])
    if body.get("is_active") is False and user.is_active:
        refresh_sessions.end_all(session=session(), user=user)
    elif body.get("is_admin") is False and user.is_admin:
        revocations.void_user_tokens(session=session(), user=user)
    if "is_admin" in body:
        user.is_admin = body["is_admin"]
    if "is_active" in body:
        user.is_active = body["is_active"]
    session().commit()
    return user


@blp.route("/v1/admin/users/<id:user_id>", methods=["DELETE"])
@allow(blp, "admin")
@blp.response(204)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
def delete(user_id):
    """Delete a user, with their sessions, API key and reset links.

    Their access tokens and API key stop working (at the other services within seconds), and
    tasks is asked, through auth's outbox, to have every service delete what it keeps for the
    user (a `purge_user` job). The id is never given to anyone else."""
    user = get_user(user_id)
    if user.id == current_user().id:
        raise Problem(409, "Conflict", "You cannot delete your own account.")
    delete_user(session=session(), user=user)
    session().commit()
    outbox.wake()


@blp.route("/v1/admin/users/<id:user_id>/password-reset", methods=["POST"])
@allow(blp, "admin")
@blp.response(202, AcceptedSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
def force_password_reset(user_id):
    """Force a password reset.

    The password stops working, every session is logged out, every access token and the API
    key stop working, and a reset link is mailed (409 when the user has no email address).
    When tasks (which sends mail) is down, the mail waits in auth's outbox and goes out once
    tasks is back."""
    user = get_user(user_id)
    if not user.email:
        raise Problem(
            409,
            "Conflict",
            f"{user.username} has no email address to mail a reset link to; set one first.",
        )
    user.password_hash = UNUSABLE
    refresh_sessions.end_all(session=session(), user=user)
    api_keys.revoke(session=session(), user_id=user.id)
    mail_reset_link(session=session(), user=user, forced=True)
    session().commit()
    outbox.wake()
    return {"detail": f"A reset link is on its way to {user.email}."}

"""Sign up, and a user's own account: who am I, change password, change email."""

from __future__ import annotations

from flask import current_app, request
from flask_smorest import Blueprint

from shelf_identity import allow
from shelf_kit.db import session

from .. import api_keys, refresh_sessions, throttle
from ..errors import invalid
from ..forwarded import client_address
from ..grants import token_pair
from ..identity import current_user, forbidden
from ..passwords import check_password
from ..schemas.common import UserSchema
from ..schemas.users import (
    EmailChangeSchema,
    PasswordChangeSchema,
    SignUpSchema,
    SignUpStateSchema,
    TokenPairSchema,
)
from ..users import create_user, set_email, set_password, signup_open
from .sessions import check_throttle

blp = Blueprint("users", __name__, description="Sign up and manage your own account")


@blp.route("/v1/signup")
@allow(blp, public=True)
@blp.response(200, SignUpStateSchema)
def sign_up_state():
    """Whether sign-up is open now, that is what POST /v1/users would do (no token needed):
    the ui links "Sign up" only when it is."""
    return {"open": signup_open(session=session(), mode=current_app.config["SHELF_AUTH_SIGNUP"])}


@blp.route("/v1/users", methods=["POST"])
@allow(blp, public=True)
@blp.arguments(SignUpSchema)
@blp.response(201, UserSchema)
@blp.alt_response(403, response="FORBIDDEN")
def sign_up(body):
    """Sign up, when SHELF_AUTH_SIGNUP allows it (then log in with POST /v1/sessions)."""
    db = session()
    if not signup_open(session=db, mode=current_app.config["SHELF_AUTH_SIGNUP"]):
        raise forbidden("Sign-up is closed; ask an administrator for an account.")
    user = create_user(
        session=db, username=body["username"], password=body["password"], email=body["email"]
    )
    db.commit()
    return user


@blp.route("/v1/users/me")
@allow(blp, "user")
@blp.response(200, UserSchema)
def me():
    """The caller's account."""
    return current_user()


def confirm_password(password: str, field: str) -> None:
    """The caller's password again, throttled like a login; a 422 naming `field` if wrong."""
    user, db, address = current_user(), session(), client_address(request)
    check_throttle(user.username, address)
    if not check_password(user.password_hash, password):
        throttle.record_failure(session=db, username=user.username, address=address)
        db.commit()
        raise invalid({field: ["This is not your current password."]})


@blp.route("/v1/users/me/password", methods=["POST"])
@allow(blp, "user")
@blp.arguments(PasswordChangeSchema)
@blp.response(200, TokenPairSchema)
@blp.alt_response(429, response="TOO_MANY_REQUESTS")
def change_password(body):
    """Change your password. Every session is logged out, every access token issued before
    stops working (at the other services within seconds); the answer holds new tokens.

    With `revoke_api_key` true, the API key stops working too (make a new one after)."""
    confirm_password(body["current_password"], "current_password")
    user, db = current_user(), session()
    set_password(user=user, password=body["new_password"], field="new_password")
    refresh_sessions.end_all(session=db, user=user)
    if body["revoke_api_key"]:
        api_keys.revoke(session=db, user_id=user.id)
    pair = token_pair(session=db, user=user)
    db.commit()
    return pair


@blp.route("/v1/users/me/email", methods=["POST"])
@allow(blp, "user")
@blp.arguments(EmailChangeSchema)
@blp.response(200, UserSchema)
@blp.alt_response(429, response="TOO_MANY_REQUESTS")
def change_email(body):
    """Change your email address (where password reset links go); needs your password."""
    confirm_password(body["password"], "password")
    set_email(user=current_user(), email=body["email"])
    session().commit()
    return current_user()

"""Log in, refresh, log out, log out everywhere."""

from __future__ import annotations

from flask import current_app, request
from flask_smorest import Blueprint

from shelf_identity import allow
from shelf_kit.db import session, utcnow

from .. import refresh_sessions, throttle
from ..errors import too_many_requests
from ..forwarded import client_address
from ..grants import token_pair
from ..identity import current_user, forbidden, unauthorized
from ..passwords import check_password, hash_password, needs_rehash
from ..schemas.users import LoginSchema, RefreshSchema, TokenPairSchema
from ..users import find_by_username

blp = Blueprint("sessions", __name__, description="Log in and out; refresh access tokens")


def check_throttle(username: str, address: str) -> None:
    wait = throttle.retry_after(session=session(), username=username, address=address)
    if wait is not None:
        raise too_many_requests("Too many failed attempts", wait)


@blp.route("/v1/sessions", methods=["POST"])
@allow(blp, public=True)
@blp.arguments(LoginSchema)
@blp.response(201, TokenPairSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(429, response="TOO_MANY_REQUESTS")
def log_in(credentials):
    """Log in: trade a username and password for an access token and a refresh token.

    Failed logins are limited per username and client address, and per address (429 with
    Retry-After); a username failing from many addresses is slowed down, never locked, and
    never from an address its user logged in from."""
    db, address = session(), client_address(request)
    username, password = credentials["username"], credentials["password"]
    check_throttle(username, address)
    user = find_by_username(session=db, username=username)
    # the password is checked (or a dummy hash, for an unknown name) before anything else, so
    # the answer's timing says nothing about which names exist
    if not check_password(user.password_hash if user else None, password) or user is None:
        throttle.record_failure(session=db, username=username, address=address)
        db.commit()
        raise unauthorized("Wrong username or password.")
    if not user.is_active:
        raise forbidden("This account is disabled.")
    throttle.record_success(session=db, user=user, address=address)
    if needs_rehash(user.password_hash):  # the Argon2 settings changed since it was hashed
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    pair = token_pair(session=db, user=user)
    db.commit()
    return pair


@blp.route("/v1/sessions/refresh", methods=["POST"])
@allow(blp, public=True)
@blp.arguments(RefreshSchema)
@blp.response(200, TokenPairSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
def refresh(body):
    """Trade a refresh token for new tokens; the old refresh token stops working.

    Presenting a refresh token that was already traded revokes its whole session, unless it
    was traded within the last SHELF_AUTH_REFRESH_REUSE_GRACE_SECONDS (default 30): then it
    is answered with new tokens in the same session (two tabs or workers racing)."""
    db = session()
    try:
        user, refresh_token, session_id = refresh_sessions.rotate(
            session=db,
            token=body["refresh_token"],
            seconds=current_app.config["SHELF_AUTH_REFRESH_TOKEN_SECONDS"],
            grace_seconds=current_app.config["SHELF_AUTH_REFRESH_REUSE_GRACE_SECONDS"],
        )
    except refresh_sessions.RefreshRefused as error:
        db.commit()  # keep a revocation the refusal made
        raise unauthorized(str(error)) from None
    pair = token_pair(session=db, user=user, refreshed=(refresh_token, session_id))
    db.commit()
    return pair


@blp.route("/v1/sessions/logout", methods=["POST"])
@allow(blp, public=True)
@blp.arguments(RefreshSchema)
@blp.response(204)
def log_out(body):
    """Log out: revoke the session this refresh token belongs to (unknown tokens too: 204).

    The access tokens issued in that session stop working too: at auth at once, at the other
    services within seconds (they read GET /v1/revocations)."""
    refresh_sessions.revoke_token(session=session(), token=body["refresh_token"])
    session().commit()


@blp.route("/v1/sessions/logout-all", methods=["POST"])
@allow(blp, "user")
@blp.response(204)
def log_out_everywhere():
    """Log out everywhere: revoke every refresh token and access token of the caller.

    Access tokens stop working at auth at once, at the other services within seconds."""
    refresh_sessions.end_all(session=session(), user=current_user())
    session().commit()

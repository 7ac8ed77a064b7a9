"""Forgotten passwords: a reset link by mail, then a new password with the link's token."""

from __future__ import annotations

from flask import request
from flask_smorest import Blueprint

from shelf_identity import allow
from shelf_kit.db import session

from .. import api_keys, outbox, password_resets, refresh_sessions, throttle
from ..errors import invalid, too_many_requests
from ..forwarded import client_address
from ..mail import mail_reset_link
from ..models import User
from ..schemas.common import AcceptedSchema
from ..schemas.users import ResetConfirmSchema, ResetRequestSchema
from ..users import find_by_login, set_password

blp = Blueprint("password_resets", __name__, description="Reset a forgotten password by mail")


@blp.route("/v1/password-resets", methods=["POST"])
@allow(blp, public=True)
@blp.arguments(ResetRequestSchema)
@blp.response(202, AcceptedSchema)
@blp.alt_response(429, response="TOO_MANY_REQUESTS")
def request_reset(body):
    """Mail a reset link to the account with this username or email address.

    The answer is 202 with the same body whether or not such an account exists, and whether
    or not tasks (which sends the mail) is up: the mail waits in auth's outbox until tasks
    takes it, so the answer tells nobody which accounts exist.

    Requests are limited per client address (429 with Retry-After, whatever the login) and
    reset mails per account (over that limit the answer is the same 202, but no mail goes)."""
    db, address = session(), client_address(request)
    wait = throttle.event_retry_after(session=db, bucket=throttle.RESET_REQUESTS, key=address)
    if wait is not None:
        raise too_many_requests("Too many password reset requests", wait)
    throttle.record_event(session=db, bucket=throttle.RESET_REQUESTS, key=address)
    for user in find_by_login(session=db, login=body["login"].strip()):
        if (
            user.is_active
            and user.email
            and throttle.event_retry_after(
                session=db, bucket=throttle.RESET_MAILS, key=str(user.id)
            )
            is None
        ):
            throttle.record_event(session=db, bucket=throttle.RESET_MAILS, key=str(user.id))
            mail_reset_link(session=db, user=user)
    db.commit()
    outbox.wake()
    return {"detail": "If an account with an email address matches, a reset link is on its way."}


@blp.route("/v1/password-resets/confirm", methods=["POST"])
@allow(blp, public=True)
@blp.arguments(ResetConfirmSchema)
@blp.response(204)
def confirm_reset(body):
    """Choose a new password with a reset link's token.

    The token works once; every session of the account is logged out and every access token
    stops working. With `revoke_api_key` true, the API key stops working too."""
    db = session()
    row = password_resets.find_valid(session=db, token=body["token"])
    if row is None:
        raise invalid(
            {"token": ["This reset link is not valid or has expired; ask for a new one."]}
        )
    user = db.get(User, row.user_id)
    set_password(user=user, password=body["password"])
    if not password_resets.use(session=db, row=row):
        raise invalid({"token": ["This reset link was used already; ask for a new one."]})
    refresh_sessions.end_all(session=db, user=user)
    if body["revoke_api_key"]:
        api_keys.revoke(session=db, user_id=user.id)
    db.commit()

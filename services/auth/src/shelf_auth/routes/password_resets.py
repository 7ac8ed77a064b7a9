"""Forgotten passwords: a reset link by mail, then a new password with the link's token."""

from __future__ import annotations

from flask_smorest import Blueprint

from shelf_kit.db import session

from .. import password_resets, refresh_sessions
from ..errors import invalid
from ..mail import mail_reset_link
from ..models import User
from ..schemas import AcceptedSchema, ResetConfirmSchema, ResetRequestSchema
from ..users import find_by_login, set_password

blp = Blueprint("password_resets", __name__, description="Reset a forgotten password by mail")


@blp.route("/v1/password-resets", methods=["POST"])
@blp.arguments(ResetRequestSchema)
@blp.response(202, AcceptedSchema)
@blp.alt_response(503, response="SERVICE_UNAVAILABLE")
def request_reset(body):
    """Mail a reset link to the account with this username or email address.

    The answer is 202 whether or not such an account exists, so it tells nobody which do."""
    db = session()
    for user in find_by_login(session=db, login=body["login"].strip()):
        if user.is_active and user.email:
            mail_reset_link(session=db, user=user)
    db.commit()
    return {"detail": "If an account with an email address matches, a reset link is on its way."}


@blp.route("/v1/password-resets/confirm", methods=["POST"])
@blp.arguments(ResetConfirmSchema)
@blp.response(204)
def confirm_reset(body):
    """Choose a new password with a reset link's token.

    The token works once; every session of the account is logged out."""
    db = session()
    row = password_resets.find_valid(session=db, token=body["token"])
    if row is None:
        raise invalid({"token": [
            "This reset link is not valid or has expired; ask for a new one."]})
    user = db.get(User, row.user_id)
    set_password(user=user, password=body["password"])
    if not password_resets.use(session=db, row=row):
        raise invalid({"token": ["This reset link was used already; ask for a new one."]})
    refresh_sessions.revoke_user(session=db, user_id=user.id)
    db.commit()

"""The mail auth sends: password reset links, as `send_email` jobs for tasks, through the
outbox (so they go out when tasks can take them, and the request never waits for tasks)."""

from __future__ import annotations

from flask import current_app
from sqlalchemy.orm import Session

from . import outbox, password_resets
from .models import PasswordResetToken, User


def public_url() -> str:
    config = current_app.config
    return (config["SHELF_PUBLIC_URL"] or config["SHELF_UI_URL"]).rstrip("/")


def reset_link(token: str) -> str:
    return f"{public_url()}/reset-password/{token}"


def password_reset_job(
    *, user: User, row: PasswordResetToken, token: str, forced: bool = False
) -> dict:
    """The send_email job that mails `token`'s link to `user`."""
    minutes = current_app.config["SHELF_AUTH_RESET_TOKEN_SECONDS"] // 60
    why = (
        "An administrator asked you to choose a new password for your Shelf account; "
        "your old password no longer works."
        if forced
        else "Someone, hopefully you, asked to reset the password of your Shelf account."
    )
    text = (
        f"Hello {user.username},\n\n{why}\n\n"
        f"Open this link within {minutes} minutes to choose a new password:\n\n"
        f"{reset_link(token)}\n\n"
        "The link works once. If you did not ask for it, ignore this mail.\n"
    )
    return {
        "kind": "send_email",
        "args": {"to": user.email, "subject": "Reset your Shelf password", "text": text},
        "idempotency_key": f"auth-password-reset-{row.id}-{row.token_hash[:16]}",
    }


def mail_reset_link(*, session: Session, user: User, forced: bool = False) -> None:
    """Make a reset link for `user` and put its mail in the outbox, in the caller's
    transaction (commit, then `outbox.wake()`). The mail expires with the link."""
    row, token = password_resets.issue(
        session=session, user=user, seconds=current_app.config["SHELF_AUTH_RESET_TOKEN_SECONDS"]
    )
    outbox.add(
        session,
        password_reset_job(user=user, row=row, token=token, forced=forced),
        expires_at=row.expires_at,
    )

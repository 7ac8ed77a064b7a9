"""send_email {"to", "subject", "text"}: one plain-text mail over SMTP.

At least once: a worker that dies after the server accepted the mail but before the job is
marked completed sends it again; the Message-ID is the same on every attempt, so the copies
can be told apart.

The text can hold a secret (a password-reset link): the HTTP API never shows it, and it is
deleted from the job once the job ends (endings.py). A finished mail job retried by hand has
no text left to send, and is discarded saying so.
"""

from __future__ import annotations

from email.utils import parseaddr
from typing import Any

from .. import mail
from ..registry import JobContext, PermanentError, Registry
from .args import str_arg


def send_email(job: JobContext) -> dict[str, Any]:
    to = str_arg(job.args, "to")
    subject = str_arg(job.args, "subject")
    if "text" not in job.args:
        raise PermanentError("the mail's text was deleted when its job ended; it is not sent again")
    text = str_arg(job.args, "text", required=False)
    if "@" not in parseaddr(to)[1]:
        raise PermanentError(f"args.to is not an email address: {to!r}")
    sender = job.config["SHELF_SMTP_FROM"]
    domain = parseaddr(sender)[1].rpartition("@")[2] or "shelf.invalid"
    try:
        message = mail.build_message(
            sender=sender,
            to=to,
            subject=subject,
            text=text,
            message_id=f"<shelf-job-{job.id}@{domain}>",
        )
    except ValueError as error:  # e.g. a line break in a header
        raise PermanentError(f"the message cannot be built: {error}") from None
    try:
        mail.send(job.config, message)
    except mail.MailRefused as refused:
        raise PermanentError(str(refused)) from None
    return {"sent_to": to}


def register(registry: Registry) -> None:
    registry.handler("send_email", time_limit=60, max_attempts=8)(send_email)

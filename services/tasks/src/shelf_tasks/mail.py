"""Sending mail over SMTP, and the development mail sink that prints what it receives."""

from __future__ import annotations

import logging
import smtplib
import ssl
import time
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

log = logging.getLogger("shelf.tasks.mail")


class MailRefused(Exception):
    """The server refused the message for good (bad recipient, sender or content)."""


def build_message(
    *, sender: str, to: str, subject: str, text: str, message_id: str | None = None
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    if message_id:
        # Stable per job: a retry after a crash resends the same Message-ID, so mail clients
        # and servers can tell the copies apart.
        message["Message-ID"] = message_id
    message.set_content(text)
    return message


def send(config: Mapping[str, Any], message: EmailMessage) -> None:
    """Deliver `message` through the configured server. Connection trouble raises OSError or
    smtplib.SMTPException (worth retrying); a refusal for good raises MailRefused."""
    host, port = config["SHELF_SMTP_HOST"], int(config["SHELF_SMTP_PORT"])
    timeout = float(config["SHELF_SMTP_TIMEOUT"])
    context = ssl.create_default_context()
    if config["SHELF_SMTP_SSL"]:
        server: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        server = smtplib.SMTP(host, port, timeout=timeout)
    with server:
        if config["SHELF_SMTP_STARTTLS"] and not config["SHELF_SMTP_SSL"]:
            server.starttls(context=context)
        if config["SHELF_SMTP_USERNAME"]:
            server.login(config["SHELF_SMTP_USERNAME"], config["SHELF_SMTP_PASSWORD"])
        try:
            server.send_message(message)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as error:
            raise MailRefused(f"the mail server refused the message: {error}") from None
        except smtplib.SMTPDataError as error:
            if 500 <= error.smtp_code < 600:
                raise MailRefused(
                    f"the mail server refused the message: {error.smtp_code} {error.smtp_error!r}"
                ) from None
            raise


class PrintingHandler:
    """aiosmtpd handler: log each message received (the development mail sink)."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        content = envelope.content.decode("utf-8", errors="replace")
        entry = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "content": content,
        }
        self.received.append(entry)
        log.info("mail received for %s", ", ".join(envelope.rcpt_tos), extra=entry)
        return "250 Message accepted for delivery"


def run_sink(host: str, port: int, stopping) -> None:
    """Serve SMTP on host:port until `stopping()` is true, logging every message."""
    from aiosmtpd.controller import Controller

    controller = Controller(PrintingHandler(), hostname=host, port=port)
    controller.start()
    log.info("mail sink listening on %s:%s", host, port, extra={"host": host, "port": port})
    try:
        while not stopping():
            time.sleep(0.2)
    finally:
        controller.stop()
        log.info("mail sink stopped")

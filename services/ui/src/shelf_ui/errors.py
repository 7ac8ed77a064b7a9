"""Errors as pages, for browsers. The kit calls `render_error_page` with the problem document
when the request prefers text/html; API clients still get application/problem+json."""

from __future__ import annotations

import logging
from html import escape
from typing import Any

from flask import render_template

log = logging.getLogger("shelf.ui.errors")

# What to add to the detail for the errors that leave people wondering what to do.
ADVICE = {
    500: "Something went wrong on our side; it has been logged. Try again, and if it keeps "
    "happening, report it with the request id below.",
    502: "A service behind this page gave an answer we could not use. Try again in a moment.",
}


def render_error_page(problem: dict[str, Any]) -> str:
    try:
        return render_template(
            "error.html", problem=problem, advice=ADVICE.get(problem.get("status", 500), "")
        )
    except Exception:  # the error page must not fail in turn
        log.exception("could not render the error page")
        return _plain_error_page(problem)


def _plain_error_page(problem: dict[str, Any]) -> str:
    status = escape(str(problem.get("status", 500)))
    title = escape(str(problem.get("title", "Error")))
    detail = escape(str(problem.get("detail", "")))
    request_id = escape(str(problem.get("request_id") or ""))
    return (
        f'<!doctype html><html lang="en"><meta charset="utf-8"><title>{status} {title}'
        f"</title><h1>{status} {title}</h1><p>{detail}</p>"
        f"<p>Request id: <code>{request_id}</code></p></html>"
    )

"""Two error shapes, one per surface.

The linkding surface (`/api/...`) answers errors as linkding (Django REST Framework) does,
because its clients read them: validation errors are 400 `{"field": ["message"]}` (or
`{"non_field_errors": [...]}`), every other error `{"detail": "message"}`. Everything else
(`/v1/...`, probes) keeps the kit's problem+json.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, json, request
from werkzeug.exceptions import HTTPException

from shelf_http import ServiceRejected, ServiceUnavailable
from shelf_kit import Problem
from shelf_kit import problems as kit_problems

log = logging.getLogger("shelf.api.errors")
LINKDING_PREFIX = "/api/"
LOCATIONS = {
    "json",
    "query",
    "form",
    "files",
    "multipart",
    "body",
    "headers",
    "cookies",
    "view_args",
    "path",
}


class Invalid(Exception):
    """A request the schema accepted but the data does not: 400 with fields and messages."""

    def __init__(self, errors: dict[str, Any]) -> None:
        super().__init__(", ".join(sorted(errors)))
        self.errors = errors


def on_linkding_surface() -> bool:
    return request.path.startswith(LINKDING_PREFIX)


def linkding_error(
    status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> Response:
    response = Response(json.dumps(body), status=status, mimetype="application/json")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def field_errors(messages: Any) -> dict[str, Any]:
    """webargs' `{"json": {"url": [...]}}` as DRF's `{"url": [...]}`."""
    if not isinstance(messages, dict):
        return {"non_field_errors": [str(messages)]}
    merged: dict[str, Any] = {}
    for key, value in messages.items():
        if key in LOCATIONS and isinstance(value, dict):
            merged.update(field_errors(value))
        elif key == "_schema":
            merged["non_field_errors"] = value
        else:
            merged[key] = value
    return merged


def handle_http_exception(error: HTTPException) -> Response:
    if not on_linkding_surface():
        return kit_problems.handle_http_exception(error)
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") or data.get("errors")
    if error.code in (400, 422) and messages:
        return linkding_error(400, field_errors(messages))
    headers = {}
    if error.code == 405:
        detail = f'Method "{request.method}" not allowed.'
        valid = getattr(error, "valid_methods", None)
        if valid:
            headers["Allow"] = ", ".join(sorted(valid))
    elif error.code == 404:
        detail = "Not found."
    else:
        detail = data.get("message") or error.description or error.name
    return linkding_error(error.code or 500, {"detail": detail}, headers)


def handle_problem(error: Problem) -> Response:
    if not on_linkding_surface():
        return kit_problems.handle_problem(error)
    errors = error.extra.get("errors")
    if error.status == 400 and isinstance(errors, dict):
        return linkding_error(400, errors, error.headers)
    return linkding_error(
        error.status, {"detail": error.detail or error.title or ""}, error.headers
    )


def handle_invalid(error: Invalid) -> Response:
    if on_linkding_surface():
        return linkding_error(400, error.errors)
    return kit_problems.problem_response(
        400, "Bad Request", f"The request is not valid: {error}.", errors=error.errors
    )


def handle_unavailable(error: ServiceUnavailable) -> Response:
    if not on_linkding_surface():
        return kit_problems.handle_unavailable(error)
    log.warning("dependency unavailable: %s", error, extra={"dependency": error.service})
    return linkding_error(
        503,
        {"detail": f"The {error.service} service is unavailable; please try again shortly."},
        {"Retry-After": "5"},
    )


def handle_rejected(error: ServiceRejected) -> Response:
    if not on_linkding_surface():
        return kit_problems.handle_rejected(error)
    log.error("dependency rejected a call: %s", error, extra={"dependency": error.service})
    return linkding_error(502, {"detail": f"The {error.service} service refused a request."})


def handle_unexpected(error: Exception) -> Response:
    if not on_linkding_surface():
        return kit_problems.handle_unexpected(error)
    log.exception("unhandled error: %s", error)
    return linkding_error(500, {"detail": "A server error occurred."})


def register_error_handlers(app: Flask) -> None:
    # Registered after the kit's, these replace them; off /api/ they hand back to the kit.
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Problem, handle_problem)
    app.register_error_handler(Invalid, handle_invalid)
    app.register_error_handler(ServiceUnavailable, handle_unavailable)
    app.register_error_handler(ServiceRejected, handle_rejected)
    app.register_error_handler(Exception, handle_unexpected)

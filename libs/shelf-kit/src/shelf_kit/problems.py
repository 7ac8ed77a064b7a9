"""problem+json (RFC 9457) for every error a service answers.

One handler shapes every error: HTTP errors raised by Flask or werkzeug (404, 405 with its
Allow header, ...), validation errors from flask-smorest (422, listing the fields), a
dependency that is down (503, naming it), the service's own database being away (503, naming
it, answered like a dependency that is down) and anything unexpected (500, without a trace;
the trace goes to the log).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, current_app, json, request
from werkzeug.exceptions import HTTPException

from shelf_http import ServiceRejected, ServiceUnavailable

from .request_id import current_request_id

CONTENT_TYPE = "application/problem+json"
log = logging.getLogger("shelf.errors")

HtmlRenderer = Callable[[dict[str, Any]], str]


class Problem(Exception):
    """Raise to answer with a problem document: `raise Problem(409, detail="...")`."""

    def __init__(
        self,
        status: int,
        title: str | None = None,
        detail: str | None = None,
        *,
        type: str = "about:blank",
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or title or str(status))
        self.status = status
        self.title = title
        self.detail = detail
        self.type = type
        self.headers = headers or {}
        self.extra = extra


def problem_body(
    status: int,
    title: str | None = None,
    detail: str | None = None,
    *,
    type: str = "about:blank",
    **extra: Any,
) -> dict[str, Any]:
    from http import HTTPStatus

    body: dict[str, Any] = {
        "type": type,
        "title": title or HTTPStatus(status).phrase,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    body["request_id"] = current_request_id()
    body.update(extra)
    return body


def problem_response(
    status: int,
    title: str | None = None,
    detail: str | None = None,
    *,
    type: str = "about:blank",
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    body = problem_body(status, title, detail, type=type, **extra)
    renderer: HtmlRenderer | None = current_app.extensions["shelf_kit"].html_error_renderer
    if renderer is not None and _prefers_html():
        response = Response(renderer(body), status=status, mimetype="text/html")
    else:
        response = Response(json.dumps(body), status=status, content_type=CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _prefers_html() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", CONTENT_TYPE, "text/html"])
    return best == "text/html"


def handle_http_exception(error: HTTPException) -> Response:
    """HTTP errors, including flask-smorest's validation errors (error.data["messages"])."""
    extra: dict[str, Any] = {}
    detail = error.description
    data = getattr(error, "data", None) or {}
    errors = data.get("errors") or data.get("messages")
    if errors:
        # webargs nests messages by location ({"json": {"field": [...]}}); clients want fields.
        if (
            isinstance(errors, dict)
            and len(errors) == 1
            and next(iter(errors))
            in {"json", "query", "form", "files", "headers", "cookies", "view_args", "path"}
        ):
            errors = next(iter(errors.values()))
        extra["errors"] = errors
        fields = ", ".join(sorted(str(name) for name in errors)) if isinstance(errors, dict) else ""
        detail = f"The request is not valid: {fields}." if fields else "The request is not valid."
    if data.get("message"):
        detail = data["message"]
    headers = {}
    if error.code == 405:
        allowed = error.valid_methods if hasattr(error, "valid_methods") else None
        if allowed:
            headers["Allow"] = ", ".join(sorted(allowed))
    for name, value in (data.get("headers") or {}).items():
        headers[name] = value
    return problem_response(error.code or 500, error.name, detail, headers=headers, **extra)


def handle_problem(error: Problem) -> Response:
    return problem_response(
        error.status,
        error.title,
        error.detail,
        type=error.type,
        headers=error.headers,
        **error.extra,
    )


def handle_unavailable(error: ServiceUnavailable) -> Response:
    log.warning("dependency unavailable: %s", error, extra={"dependency": error.service})
    return problem_response(
        503,
        "Service Unavailable",
        f"The {error.service} service is unavailable; please try again shortly.",
        headers={"Retry-After": "5"},
        dependency=error.service,
    )


def handle_rejected(error: ServiceRejected) -> Response:
    log.error(
        "dependency rejected a call: %s",
        error,
        extra={"dependency": error.service, "dependency_status": error.status},
    )
    return problem_response(
        502,
        "Bad Gateway",
        f"The {error.service} service refused a request.",
        dependency=error.service,
    )


DATABASE = "database"
# A database restart takes a second or two. And a consumer's shelf-http client waits out a
# Retry-After (up to 5 s) before each of its two retries of an idempotent call: a longer one
# would hold the consumer's own request (a ui page) for twice that before it could answer.
DATABASE_RETRY_AFTER = "1"


class DatabaseUnavailable(ServiceUnavailable):
    """The service's own database cannot be used right now."""


def handle_database_error(error: Exception) -> Response:
    """SQLAlchemy's OperationalError (PEP 249's): the database's operation failed, not the
    program: the server refuses connections, is shutting down or starting up, cut the
    connection, ran out of resources; SQLite's wait for its lock ran out. Nothing the client
    did, and worth trying again shortly: a 503 naming the database, answered by the app's own
    handler for a dependency that is down (so a service with its own error shape keeps it).
    Registered by `Database.init_app`, so a service without a database (the ui) never loads
    SQLAlchemy."""
    original = getattr(error, "orig", None)  # the driver's own error, when there is one
    reason = str(original if original is not None else error).splitlines()[0]
    database = current_app.extensions.get("shelf_db")
    where = database.url.render_as_string(hide_password=True) if database else DATABASE
    unavailable = DatabaseUnavailable(
        f"database is unavailable: {reason}", service=DATABASE, method=request.method, url=where
    )
    response = current_app.make_response(current_app.handle_user_exception(unavailable))
    response.headers["Retry-After"] = DATABASE_RETRY_AFTER
    return response


def handle_unexpected(error: Exception) -> Response:
    log.exception("unhandled error: %s", error)
    return problem_response(500, "Internal Server Error", "An unexpected error occurred.")


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Problem, handle_problem)
    app.register_error_handler(ServiceUnavailable, handle_unavailable)
    app.register_error_handler(ServiceRejected, handle_rejected)
    app.register_error_handler(Exception, handle_unexpected)

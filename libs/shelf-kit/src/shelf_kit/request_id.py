"""Request ids: accepted from X-Request-ID or made, kept for the request, sent onwards."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import Flask, Response, g, request

HEADER = "X-Request-ID"
_VALID = re.compile(r"^[A-Za-z0-9._:\-]{1,200}$")
_current: ContextVar[str | None] = ContextVar("shelf_request_id", default=None)


def current_request_id() -> str | None:
    """The request id of the work in progress (an HTTP request or a job), if any."""
    return _current.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


@contextmanager
def bound_request_id(value: str | None = None) -> Iterator[str]:
    """Bind a request id outside an HTTP request, e.g. while a worker runs a job."""
    value = value if value and _VALID.match(value) else new_request_id()
    token = _current.set(value)
    try:
        yield value
    finally:
        _current.reset(token)


def init_app(app: Flask) -> None:
    @app.before_request
    def _take_request_id() -> None:
        incoming = request.headers.get(HEADER, "")
        value = incoming if _VALID.match(incoming) else new_request_id()
        g.request_id = value
        g._request_id_token = _current.set(value)

    @app.after_request
    def _echo_request_id(response: Response) -> Response:
        if "request_id" in g:
            response.headers[HEADER] = g.request_id
        return response

    @app.teardown_request
    def _forget_request_id(_exc: BaseException | None) -> None:
        token = g.pop("_request_id_token", None)
        if token is not None:
            _current.reset(token)

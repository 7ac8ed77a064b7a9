"""Request bodies: a size limit per route, checked before anything reads the body (contract C5).

Every route takes at most SHELF_MAX_BODY_BYTES (1 MiB): JSON and forms. A route that takes a
file says how large with `@upload_limit(...)`: it then takes that much more, so the form
around the file (its other fields, the multipart framing) still has SHELF_MAX_BODY_BYTES.

The limits are Flask's and Werkzeug's own per-request ones (`request.max_content_length`,
`max_form_memory_size`, `max_form_parts`), set before any view or guard reads the body:

- a Content-Length over the route's limit is a 413 at once, before a byte of the body is read;
- a body without one (chunked: gunicorn and Werkzeug's server end the stream themselves) is
  read up to the limit and one byte more, then 413 (Werkzeug alone would stop at the limit
  without a word, so the view would see a body cut short: "not JSON", an empty form);
- a multipart form's fields (files aside, which go to temporary files) hold at most
  SHELF_MAX_BODY_BYTES in memory, in at most MAX_FORM_PARTS parts.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import IO, Any, TypeVar

from flask import Flask, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

F = TypeVar("F", bound=Callable[..., Any])

SETTING = "SHELF_MAX_BODY_BYTES"
MAX_FORM_PARTS = 1000


def upload_limit(limit: int | str) -> Callable[[F], F]:
    """Let a route take a file of up to `limit` bytes: a number, or the name of the setting
    that holds it (read on each request). Put it under the route decorator:

        @blp.route("/api/bookmarks/import/", methods=["POST"])
        @upload_limit("SHELF_API_IMPORT_MAX_BYTES")
        def import_file(form): ...
    """

    def decorator(view: F) -> F:
        view._shelf_upload_limit = limit  # type: ignore[attr-defined]
        return view

    return decorator


def route_limit() -> int:
    """The largest body the current request's route takes, in bytes."""
    config = current_app.config
    view = current_app.view_functions.get(request.endpoint or "")
    upload = getattr(view, "_shelf_upload_limit", None)
    if upload is None:
        return int(config[SETTING])
    return int(config[upload] if isinstance(upload, str) else upload) + int(config[SETTING])


def too_large(limit: int) -> RequestEntityTooLarge:
    return RequestEntityTooLarge(
        f"The request body is larger than this endpoint accepts ({limit} bytes)."
    )


class CappedStream(io.RawIOBase):
    """A body of unknown length, read up to `limit` bytes; a byte more is a 413."""

    def __init__(self, stream: IO[bytes], limit: int) -> None:
        self.stream = stream
        self.limit = limit
        self.seen = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        wanted = min(len(buffer), self.limit + 1 - self.seen)
        data = self.stream.read(wanted) if wanted > 0 else b""
        self.seen += len(data)
        if self.seen > self.limit:
            raise too_large(self.limit)
        buffer[: len(data)] = data
        return len(data)


def limit_body() -> None:
    limit = route_limit()
    if request.content_length is not None:
        if request.content_length > limit:
            raise too_large(limit)
        request.max_content_length = limit
    elif request.environ.get("wsgi.input_terminated"):
        # Chunked: Werkzeug would end the body at its limit without a word; the cap inside
        # it refuses the byte past the limit, which Werkzeug's limit lets through to it.
        request.environ["wsgi.input"] = CappedStream(request.environ["wsgi.input"], limit)
        request.max_content_length = limit + 1


def init_app(app: Flask) -> None:
    """The app-wide limits (for anything that reads a body before the route is known), then
    the route's own, first among the request hooks."""
    app.config["MAX_CONTENT_LENGTH"] = int(app.config[SETTING])
    app.config["MAX_FORM_MEMORY_SIZE"] = int(app.config[SETTING])
    app.config["MAX_FORM_PARTS"] = MAX_FORM_PARTS
    app.before_request(limit_body)

"""What the views share: safe redirects, pages that keep a form when a service is down."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import abort, render_template, request

from shelf_http import ServiceRejected

from ..clients import field_errors

T = TypeVar("T")


def safe_next(target: str | None, default: str) -> str:
    """A path on this site to go to after a form, never another site (open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def form_page(
    template: str, status: int = 200, *, service_down: str | None = None, **context: Any
) -> tuple[str, int]:
    """The page of a form; with `service_down`, a 503 saying which service, the form as the user
    filled it (the caller passes the same form object)."""
    if service_down:
        status = 503
    return render_template(template, service_down=service_down, **context), status


def apply_errors(form, error: ServiceRejected, *, rename: dict[str, str] | None = None) -> None:
    """Put a service's field messages on the form's fields; the others on `form.form_errors`."""
    rename = rename or {}
    for field_name, messages in field_errors(error).items():
        field = getattr(form, rename.get(field_name, field_name), None) if field_name else None
        if field is not None and hasattr(field, "errors"):
            field.errors = [*list(field.errors or []), *messages]
        else:
            form.form_errors.extend(messages)


def found_or_404(call: Callable[[], T], what: str) -> T:
    """`call()`'s answer; a 404 page when the service says the thing is not there."""
    try:
        return call()
    except ServiceRejected as error:
        if error.status == 404:
            abort(404, description=f"This {what} does not exist (any more).")
        raise


def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"

"""Every failure shelfctl reports: one line on stderr and an exit code, never a traceback.

Exit codes: 1 when Shelf said no or could not be reached (or a job failed); 2 when the command
line or the configuration is wrong (click's own usage errors exit 2 as well).
"""

from __future__ import annotations

from typing import Any

from shelf_http import ServiceError, ServiceRejected, ServiceUnavailable


class CtlError(Exception):
    """A failure to report as one line; `exit_code` is what shelfctl exits with."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = one_line(message)


class Failure(CtlError):
    """Shelf refused, failed or could not be reached (exit 1)."""


class UsageProblem(CtlError):
    """The command line or the configuration is wrong (exit 2)."""

    exit_code = 2


def one_line(text: str, limit: int = 500) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def problem_detail(problem: Any) -> str:
    """What a problem+json document or a linkding error body says, as one phrase.

    problem+json: its detail (or title) plus any field errors; linkding: `{"detail": ...}` or
    `{"field": ["message", ...]}`."""
    if not isinstance(problem, dict):
        return ""
    parts = []
    text = problem.get("detail") or problem.get("title")
    if isinstance(text, str) and text.strip():
        parts.append(text.strip())
    fields = problem.get("errors") if isinstance(problem.get("errors"), dict) else None
    if fields is None and "type" not in problem and "detail" not in problem:
        fields = problem  # linkding's validation errors: the body is the fields
    if fields:
        parts.append("; ".join(f"{name}: {_messages(value)}" for name, value in fields.items()))
    return " — ".join(parts)


def _messages(value: Any) -> str:
    if isinstance(value, list):
        return " ".join(_messages(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_messages(item)}" for key, item in value.items())
    return str(value)


def from_service_error(error: ServiceError, base_url: str, *, login: bool = False) -> CtlError:
    """The one line for a failed call to a service at `base_url`."""
    service = error.service
    if isinstance(error, ServiceUnavailable):
        return Failure(f"{service} is unavailable at {base_url}: {_reason(error)}")
    if isinstance(error, ServiceRejected):
        detail = problem_detail(error.problem) or f"{error.status} from {service}"
        if error.status == 401 or login:
            return Failure(f"login failed: {detail}")
        if error.status == 403:
            return Failure(f"not allowed: {detail}")
        if error.status == 404:
            return Failure(f"not found: {detail}")
        if error.status == 409:
            return Failure(f"refused: {detail}")
        if error.status == 429:
            return Failure(f"too many requests: {detail}")
        return Failure(f"{service} refused the request ({error.status}): {detail}")
    return Failure(f"call to {service} at {base_url} failed: {_reason(error)}")


def _reason(error: ServiceError) -> str:
    """shelf_http's message less its '<service> is unavailable: ' head and '(METHOD url)' tail."""
    text = str(error)
    for head in (f"{error.service} is unavailable: ", f"call to {error.service} failed: "):
        if text.startswith(head):
            text = text[len(head) :]
    tail = f" ({error.method} {error.url})"
    if text.endswith(tail):
        text = text[: -len(tail)]
    status = getattr(error, "status", None)
    problem = getattr(error, "problem", None)
    if status is not None and problem_detail(problem):
        text = f"answered {status}: {problem_detail(problem)}"
    return text

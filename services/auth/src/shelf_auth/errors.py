"""auth's own errors, answered as problem+json like every other error."""

from __future__ import annotations

from flask import Flask

from shelf_kit import Problem
from shelf_kit.problems import handle_problem

from .users import UserError


def invalid(errors: dict[str, list[str]], status: int = 422) -> Problem:
    """A request with wrong fields, shaped like the kit's 422 for one that fails its schema."""
    fields = ", ".join(sorted(errors))
    title = "Unprocessable Entity" if status == 422 else None
    return Problem(status, title, f"The request is not valid: {fields}.", errors=errors)


def too_many_requests(what: str, wait: int) -> Problem:
    """429 with Retry-After: `what` was asked too often; try again in `wait` seconds."""
    return Problem(
        429,
        "Too Many Requests",
        f"{what}; try again in {wait} seconds.",
        headers={"Retry-After": str(wait)},
    )


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(UserError, lambda error: handle_problem(invalid(error.errors)))

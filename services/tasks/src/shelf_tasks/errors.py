"""The errors tasks answers beyond shelf-kit's own (a 400 naming the field, a 503 for a
database that is away): every one is problem+json."""

from __future__ import annotations

from shelf_kit import Problem


def job_not_found(job_id: int) -> Problem:
    """404: no such job, or (for a user) not one the caller caused."""
    return Problem(404, "Not Found", f"Job {job_id} does not exist.")


def schedule_not_found(schedule_id: int) -> Problem:
    return Problem(404, "Not Found", f"Schedule {schedule_id} does not exist.")


def unknown_kind(kind: str, known: list[str]) -> Problem:
    """422: a job of a kind no handler runs, naming the field and the kinds there are."""
    return Problem(
        422,
        "Unprocessable Entity",
        f"Unknown job kind {kind!r}.",
        errors={"kind": [f"Not a job kind; one of: {', '.join(known)}."]},
    )


def transition_refused(why: Exception) -> Problem:
    """409: the job's state does not allow it (retrying a running job, cancelling a
    finished one)."""
    return Problem(409, "Conflict", str(why))

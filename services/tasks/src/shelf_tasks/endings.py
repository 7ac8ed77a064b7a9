"""What a job leaves behind when it ends.

- **No secrets.** A mail's text can hold a password-reset link: it is needed until the mail is
  sent, and never after. Such arguments (`SECRET_ARGS`) are never shown by the HTTP API (to
  services and admins neither), and are deleted from the row in the same transaction that
  ends the job (completed, discarded or cancelled).
- **Someone is told when a job is given up.** An `import_bookmarks` job discarded or cancelled
  leaves its import `running` at api forever unless api hears of it: ending it enqueues a
  `fail_import` job, in the same transaction, which tells api (and retries until api hears).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, insert, update

from shelf_kit.db import utcnow

from .models import Job, JobState

# kind -> the arguments that must not outlive the job, nor ever be shown.
SECRET_ARGS: dict[str, tuple[str, ...]] = {"send_email": ("text",)}
HIDDEN = "(hidden: never shown, deleted once the job ends)"
DETAIL_LENGTH = 500


def shown_args(kind: str, args: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments as the HTTP API shows them: secrets replaced by a note."""
    secret = SECRET_ARGS.get(kind, ())
    return {name: HIDDEN if name in secret else value for name, value in args.items()}


def kept_args(kind: str, args: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments a finished job keeps: secrets deleted."""
    secret = SECRET_ARGS.get(kind, ())
    return {name: value for name, value in args.items() if name not in secret}


def job_ended(
    connection: Connection,
    *,
    job_id: int,
    kind: str,
    args: Mapping[str, Any],
    state: str,
    why: str,
    created_by: int | None,
    request_id: str | None,
) -> None:
    """Call inside the transaction that moved the job to `state` (a finished one)."""
    if kind in SECRET_ARGS:
        connection.execute(update(Job).where(Job.id == job_id).values(args=kept_args(kind, args)))
    if state in (JobState.DISCARDED, JobState.CANCELLED):
        follow_up = _on_give_up(job_id, kind, args, state, why)
        if follow_up is not None:
            now = utcnow()
            connection.execute(
                insert(Job).values(
                    **follow_up,
                    queue="default",
                    priority=0,
                    state=JobState.AVAILABLE,
                    attempt=0,
                    interruptions=0,
                    run_at=now,
                    errors=[],
                    progress=0,
                    created_by=created_by,
                    request_id=request_id,
                    created_at=now,
                    updated_at=now,
                )
            )


def _on_give_up(
    job_id: int, kind: str, args: Mapping[str, Any], state: str, why: str
) -> dict[str, Any] | None:
    import_id = args.get("import_id")
    if kind != "import_bookmarks" or isinstance(import_id, bool) or not isinstance(import_id, int):
        return None
    detail = (
        f"The import's job {job_id} was cancelled."
        if state == JobState.CANCELLED
        else f"The import's job {job_id} gave up: {why}"
    )
    return {
        "kind": "fail_import",
        "max_attempts": 10,
        "args": {"import_id": import_id, "detail": detail[:DETAIL_LENGTH]},
    }

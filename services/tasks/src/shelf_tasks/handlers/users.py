"""purge_user {"user_id"} (contract C2): a deleted account's data goes everywhere.

auth enqueues it in the transaction that deletes the user. api deletes every row and file it
keeps for that owner (`DELETE /v1/internal/users/<id>`, 204 whether or not anything was
there), then tasks deletes the jobs created by that user. Both steps are idempotent, so a retry
(or a second run) changes nothing more.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete

from .. import jobs
from ..models import Job
from ..registry import JobContext, Registry
from .args import int_arg


def purge_user(job: JobContext) -> dict[str, Any]:
    user_id = int_arg(job.args, "user_id")
    job.services.api.delete_user(user_id)
    with jobs.write_transaction(job.services.database) as connection:
        deleted = connection.execute(
            delete(Job).where(Job.created_by == user_id, Job.id != job.id)
        ).rowcount
    return {"user_id": user_id, "jobs_deleted": deleted}


def register(registry: Registry) -> None:
    registry.handler("purge_user", time_limit=300, max_attempts=10)(purge_user)

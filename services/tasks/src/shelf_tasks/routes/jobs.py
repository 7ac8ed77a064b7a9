"""/v1/jobs: enqueue, read, list, retry and cancel jobs."""

from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint

from shelf_identity import allow, current_identity
from shelf_kit import current_request_id
from shelf_kit.db import session

from .. import errors
from .. import jobs as queue
from ..extensions import registry
from ..models import Job
from ..schemas.jobs import JobCreateSchema, JobListQuerySchema, JobPageSchema, JobSchema
from .common import sees_everything

blp = Blueprint("jobs", __name__, description="Deferred jobs")


def visible_job(job_id: int) -> Job:
    """The job, if the caller may see it: services, admins, and the user it works for.
    Anyone else gets the same 404 as for a job that does not exist."""
    job = session().get(Job, job_id)
    identity = current_identity()
    if job is None or not (
        sees_everything(identity) or (identity.is_user and job.created_by == identity.user_id)
    ):
        raise errors.job_not_found(job_id)
    return job


@blp.route("/v1/jobs", methods=["POST"])
@allow(blp, "admin", "service")
@blp.arguments(JobCreateSchema)
@blp.response(201, JobSchema)
@blp.alt_response(
    200,
    schema=JobSchema,
    description="The idempotency key was used before: the first job, unchanged",
)
def enqueue(data):
    """Enqueue a job (services and admins).

    `kind` must be one this service runs. With an `idempotency_key` used before, nothing is
    enqueued and the first job is answered (200)."""
    handler = registry(current_app).get(data["kind"])
    if handler is None:
        raise errors.unknown_kind(data["kind"], registry(current_app).kinds())
    identity = current_identity()
    created_by = data.get("created_by")
    if created_by is None and identity.is_user:
        created_by = identity.user_id
    job, created = queue.enqueue(
        session(),
        kind=data["kind"],
        args=data["args"],
        run_at=data.get("run_at"),
        max_attempts=data.get("max_attempts") or handler.max_attempts,
        queue=data["queue"],
        priority=data["priority"],
        idempotency_key=data.get("idempotency_key"),
        created_by=created_by,
        request_id=current_request_id(),
    )
    return job, 201 if created else 200


@blp.route("/v1/jobs", methods=["GET"])
@allow(blp, "user", "service")
@blp.arguments(JobListQuerySchema, location="query")
@blp.response(200, JobPageSchema)
def list_jobs(params):
    """Jobs, newest first, with filters. Services and admins see every job; a user sees the
    jobs they caused."""
    identity = current_identity()
    created_by = params.get("created_by") if sees_everything(identity) else identity.user_id
    statement = queue.listed(
        created_by=created_by,
        **{name: params.get(name) for name in ("state", "kind", "queue")},
    )
    results, total = queue.page(
        session(), statement, limit=params["limit"], offset=params["offset"]
    )
    return {
        "results": results,
        "total": total,
        "limit": params["limit"],
        "offset": params["offset"],
    }


@blp.route("/v1/jobs/<id:job_id>", methods=["GET"])
@allow(blp, "user", "service")
@blp.response(200, JobSchema)
@blp.alt_response(404, description="No such job, or not the caller's")
def get_job(job_id):
    """One job (services, admins, and the user in its `created_by`)."""
    return visible_job(job_id)


@blp.route("/v1/jobs/<id:job_id>/retry", methods=["POST"])
@allow(blp, "admin", "service")
@blp.response(200, JobSchema)
@blp.alt_response(404, description="No such job")
@blp.alt_response(409, description="The job is running")
def retry_job(job_id):
    """Run a job again now: a discarded or cancelled job gets one more attempt, a waiting one
    runs now, a completed one runs again. A running job cannot be retried (409)."""
    try:
        return queue.retry(session(), job_id)
    except LookupError:
        raise errors.job_not_found(job_id) from None
    except queue.TransitionRefused as refused:
        raise errors.transition_refused(refused) from None


@blp.route("/v1/jobs/<id:job_id>/cancel", methods=["POST"])
@allow(blp, "admin", "service")
@blp.response(200, JobSchema)
@blp.alt_response(404, description="No such job")
@blp.alt_response(409, description="The job has finished already")
def cancel_job(job_id):
    """Cancel a waiting or running job (a running handler is asked to stop; nothing it does
    afterwards is recorded). A finished job cannot be cancelled (409)."""
    try:
        return queue.cancel(session(), job_id)
    except LookupError:
        raise errors.job_not_found(job_id) from None
    except queue.TransitionRefused as refused:
        raise errors.transition_refused(refused) from None

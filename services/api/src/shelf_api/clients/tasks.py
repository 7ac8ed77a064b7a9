"""tasks: api asks it to run jobs, through its outbox (`POST /v1/jobs`).

Only the outbox relay calls tasks, with the client made here: no retries of its own (the relay
retries, with backoff), api's service token for tasks on every call.
"""

from __future__ import annotations

from flask import Flask

from shelf_http import ServiceClient
from shelf_identity import Guard
from shelf_kit import current_request_id
from shelf_kit.outbox import Deliver, post_to

JOBS_PATH = "/v1/jobs"


def jobs_client(app: Flask, guard: Guard, *, version: str) -> ServiceClient:
    """The client the relay posts jobs with, signed with api's service token."""
    return ServiceClient(
        "tasks",
        app.config["SHELF_TASKS_URL"],
        auth=guard.service_auth_for("tasks"),
        request_id=current_request_id,
        retries=0,
        user_agent=f"shelf-api/{version}",
    )


def job_delivery(client: ServiceClient) -> Deliver:
    """The relay's delivery: POST the message to tasks' /v1/jobs; the job's id, if it says."""
    return post_to(client, JOBS_PATH)

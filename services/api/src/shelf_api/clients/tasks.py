"""tasks: api asks it to run jobs, through its outbox (`POST /v1/jobs`).

Only the outbox relay calls tasks, with the client made here: no retries of its own (the relay
retries, with backoff), api's service token for tasks on every call.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from shelf_http import ServiceClient
from shelf_identity import Guard
from shelf_kit import current_request_id
from shelf_kit.outbox import Deliver

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

    def deliver(payload: dict[str, Any], request_id: str) -> int | None:
        answer = client.post(JOBS_PATH, json=payload)
        try:
            body = answer.json()
        except ValueError:
            return None
        return body.get("id") if isinstance(body, dict) else None

    return deliver

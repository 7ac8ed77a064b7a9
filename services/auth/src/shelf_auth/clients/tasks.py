"""tasks: auth asks it to run jobs (the mail it sends), with a service token it signs itself.

Only the outbox relay calls tasks (`POST /v1/jobs`), with the client made here: no retries
of its own (the relay retries, with backoff), and a fresh token on every call. The client
shelf-kit's add_dependency made serves the readiness check.
"""

from __future__ import annotations

from flask import Flask
from requests import PreparedRequest
from requests.auth import AuthBase

from shelf_http import ServiceClient
from shelf_kit import current_request_id
from shelf_kit.outbox import Deliver, post_to

from .. import extensions
from ..keys import KeyRing
from ..tokens import service_token

CLIENT_ID = "auth"
JOBS_PATH = "/v1/jobs"


class SelfSignedServiceToken(AuthBase):
    """`Authorization: Bearer <a service token of client "auth" for tasks>`, signed for each call
    with the key ring's signing key (no app context needed: the relay runs in a thread)."""

    def __init__(self, ring: KeyRing, seconds: int) -> None:
        self.ring = ring
        self.seconds = seconds

    def __call__(self, request: PreparedRequest) -> PreparedRequest:
        token = service_token(CLIENT_ID, "tasks", ring=self.ring, seconds=self.seconds)
        request.headers["Authorization"] = f"Bearer {token}"
        return request


def jobs_client(app: Flask, *, version: str) -> ServiceClient:
    ring = extensions.key_ring(app)
    return ServiceClient(
        "tasks",
        app.config["SHELF_TASKS_URL"],
        retries=0,
        auth=SelfSignedServiceToken(ring, app.config["SHELF_AUTH_ACCESS_TOKEN_SECONDS"]),
        request_id=current_request_id,
        user_agent=f"shelf-auth/{version}",
    )


def job_delivery(client: ServiceClient) -> Deliver:
    """The relay's delivery: POST the message to tasks' /v1/jobs; the job's id, if it says."""
    return post_to(client, JOBS_PATH)

"""tasks: auth enqueues jobs there (the mail it sends), with a service token it signs itself.

The ServiceClient is the one shelf-kit's add_dependency made; when tasks cannot be reached it
raises shelf_http.ServiceUnavailable, which the kit answers as 503 naming tasks.
"""

from __future__ import annotations

from typing import Any

from flask import current_app

from shelf_kit import kit

from ..tokens import service_token

CLIENT_ID = "auth"


def enqueue(kind: str, args: dict[str, Any], *, idempotency_key: str) -> dict[str, Any]:
    """Ask tasks to run a job; its answer ({"id", "state", ...})."""
    client = kit(current_app).clients["tasks"]
    response = client.post("/v1/jobs", json={"kind": kind, "args": args,
                                             "idempotency_key": idempotency_key},
                           headers={"Authorization": f"Bearer {service_token(CLIENT_ID)}"})
    return response.json()

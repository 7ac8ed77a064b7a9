"""tasks' calls to auth."""

from __future__ import annotations

from typing import Any

from shelf_http import ServiceClient


class AuthClient:
    """auth's housekeeping endpoint (services only)."""

    def __init__(self, client: ServiceClient) -> None:
        self.client = client

    def purge(self) -> dict[str, Any]:
        return self.client.post("/v1/maintenance/purge", timeout=(2.0, 60.0)).json()

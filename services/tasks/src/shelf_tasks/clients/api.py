"""tasks' calls to api."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shelf_http import ServiceClient, ServiceRejected


class ApiClient:
    """api's /v1/internal endpoints (services only)."""

    def __init__(self, client: ServiceClient) -> None:
        self.client = client

    def bookmark(self, bookmark_id: int) -> dict[str, Any] | None:
        """The bookmark, or None when it was deleted."""
        try:
            return self.client.get(f"/v1/internal/bookmarks/{int(bookmark_id)}").json()
        except ServiceRejected as error:
            if error.status == 404:
                return None
            raise

    def bookmarks(
        self, *, after_id: int = 0, limit: int = 100, owner_id: int | None = None
    ) -> dict[str, Any]:
        params: dict[str, Any] = {"after_id": after_id, "limit": limit}
        if owner_id is not None:
            params["owner_id"] = owner_id
        return self.client.get("/v1/internal/bookmarks", params=params).json()

    def write_metadata(self, bookmark_id: int, metadata: Mapping[str, Any]) -> dict[str, Any]:
        return self.client.patch(
            f"/v1/internal/bookmarks/{int(bookmark_id)}/metadata", json=dict(metadata)
        ).json()

    def report_link_check(
        self, bookmark_id: int, *, ok: bool, status: int | None, error: str | None
    ) -> dict[str, Any]:
        return self.client.post(
            f"/v1/internal/bookmarks/{int(bookmark_id)}/link-check",
            json={"ok": ok, "status": status, "error": error},
        ).json()

    def import_batch(self, import_id: int, *, size: int = 500) -> dict[str, Any]:
        return self.client.post(
            f"/v1/internal/imports/{int(import_id)}/batches",
            json={"size": size},
            timeout=(2.0, 120.0),
        ).json()

    def fail_import(self, import_id: int, detail: str) -> None:
        """Contract C3: the import ends `failed` with `detail` (one that is done stays done)."""
        self.client.post(f"/v1/internal/imports/{int(import_id)}/failure", json={"detail": detail})

    def delete_user(self, user_id: int) -> None:
        """Contract C2: api deletes everything it keeps for the user (204 even when nothing)."""
        self.client.delete(f"/v1/internal/users/{int(user_id)}")

    def owner_ids(self) -> list[int]:
        return [int(owner) for owner in self.client.get("/v1/internal/users").json()["owner_ids"]]

    def export(self, owner_id: int, format: str) -> bytes:
        return self.client.get(
            f"/v1/internal/users/{int(owner_id)}/export",
            params={"format": format},
            timeout=(2.0, 120.0),
        ).content

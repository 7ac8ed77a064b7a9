"""A stand-in api on loopback: the /v1/internal endpoints tasks' handlers call, in memory,
checked against api's openapi.json. auth's stand-in is shelf_identity.testing's (the JWKS,
service tokens, the revocation feed and the purge), checked against auth's."""

from __future__ import annotations

from typing import Any

import jwt
from flask import Flask, Response, jsonify, request

from shelf_identity.testing import StandInAuth
from shelf_kit.contracts import Contract
from shelf_kit.testing import LoopbackServer


def is_service(
    auth: StandInAuth, authorization: str, client_id: str = "tasks", audience: str = "api"
) -> bool:
    """Whether this is `client_id`'s service token (signed by `auth`) for the service
    `audience`."""
    scheme, _, token = authorization.partition(" ")
    try:
        claims = auth.verify(token) if scheme == "Bearer" else {}
    except jwt.InvalidTokenError:
        return False
    audiences = claims.get("aud")
    audiences = [audiences] if isinstance(audiences, str) else audiences or []
    return (
        claims.get("scope") == "service"
        and claims.get("client_id") == client_id
        and audience in audiences
    )


class StandInApi(LoopbackServer):
    """api's internal endpoints over in-memory bookmarks, imports and exports (not started:
    call `start()`). Every request it is sent and every answer it gives is checked against
    api's document; `problems` lists what did not fit."""

    def __init__(self, auth: StandInAuth, contract: Contract) -> None:
        self.auth = auth
        self.contract = contract
        self.problems: list[str] = []
        self.bookmarks: dict[int, dict[str, Any]] = {}
        self.metadata: dict[int, list[dict]] = {}
        self.link_checks: dict[int, list[dict]] = {}
        self.imports: dict[int, dict[str, int]] = {}
        self.calls: list[dict[str, Any]] = []
        self.fail_with: int | None = None
        self.down_for = 0  # the next n calls answer 503, as api does while it restarts
        self.url_changes: dict[int, str] = {}
        self.import_failures: dict[int, list[str]] = {}
        self.deleted_users: list[int] = []
        app = Flask("stand-in-api")

        @app.before_request
        def only_tasks():
            self.calls.append(
                {
                    "method": request.method,
                    "path": request.path,
                    "request_id": request.headers.get("X-Request-ID"),
                    "json": request.get_json(silent=True),
                    "query": dict(request.args),
                }
            )
            if request.path == "/healthz":
                return None
            if not is_service(auth, request.headers.get("Authorization", "")):
                return jsonify(title="Forbidden", status=403), 403
            if self.fail_with:
                return jsonify(title="Down", status=self.fail_with), self.fail_with
            if self.down_for > 0:
                self.down_for -= 1
                return jsonify(title="Service Unavailable", status=503), 503
            return None

        @app.after_request
        def checked(response):
            self.problems += self.contract.check_exchange(request, response)
            return response

        @app.get("/healthz")
        def healthz():
            return {"status": "ok", "service": "api", "version": "test"}

        @app.get("/v1/internal/bookmarks")
        def list_bookmarks():
            after = int(request.args.get("after_id", 0))
            limit = int(request.args.get("limit", 100))
            ids = sorted(i for i in self.bookmarks if i > after)[:limit]
            full = len(ids) == limit
            return {
                "results": [self.bookmarks[i] for i in ids],
                "next_after_id": ids[-1] if full else None,
            }

        @app.get("/v1/internal/bookmarks/<int:bookmark_id>")
        def get_bookmark(bookmark_id):
            if bookmark_id not in self.bookmarks:
                return jsonify(title="Not Found", status=404), 404
            answer = dict(self.bookmarks[bookmark_id])
            if bookmark_id in self.url_changes:  # the owner edits it while tasks fetches
                self.bookmarks[bookmark_id]["url"] = self.url_changes.pop(bookmark_id)
            return answer

        @app.patch("/v1/internal/bookmarks/<int:bookmark_id>/metadata")
        def write_metadata(bookmark_id):
            bookmark = self.bookmarks.get(bookmark_id)
            if bookmark is None:
                return jsonify(title="Not Found", status=404), 404
            data = request.get_json()
            if data.get("url") and data["url"] != bookmark["url"]:
                return jsonify(title="Conflict", status=409), 409
            self.metadata.setdefault(bookmark_id, []).append(data)
            return bookmark

        @app.post("/v1/internal/bookmarks/<int:bookmark_id>/link-check")
        def link_check(bookmark_id):
            checks = self.link_checks.setdefault(bookmark_id, [])
            checks.append(request.get_json())
            broken = len(checks) >= 2 and not checks[-1]["ok"] and not checks[-2]["ok"]
            self.bookmarks[bookmark_id]["is_broken"] = broken
            return {"is_broken": broken}

        @app.post("/v1/internal/imports/<int:import_id>/batches")
        def batch(import_id):
            state = self.imports.get(import_id)
            if state is None:
                return jsonify(title="Not Found", status=404), 404
            size = request.get_json().get("size", 500)
            state["processed"] = min(state["total"], state["processed"] + size)
            return {
                "processed": state["processed"],
                "total": state["total"],
                "done": state["processed"] >= state["total"],
            }

        @app.post("/v1/internal/imports/<int:import_id>/failure")
        def import_failure(import_id):
            state = self.imports.get(import_id)
            if state is None:
                return jsonify(title="Not Found", status=404), 404
            detail = request.get_json()["detail"]
            self.import_failures.setdefault(import_id, []).append(detail)
            if state["processed"] < state["total"]:
                state["status"] = "failed"
            return {  # api's ImportProgress
                "id": import_id,
                "state": state.get("status", "done"),
                "format": "netscape",
                "filename": "bookmarks.html",
                "total": state["total"],
                "processed": state["processed"],
                "created": state["processed"],
                "updated": 0,
                "job_id": 1,
                "detail": detail if state.get("status") == "failed" else None,
                "created_at": "2026-11-20T10:00:00+00:00",
                "updated_at": "2026-11-20T10:00:00+00:00",
            }

        @app.delete("/v1/internal/users/<int:owner_id>")
        def delete_user(owner_id):
            self.deleted_users.append(owner_id)
            for bookmark_id in [i for i, b in self.bookmarks.items() if b["owner_id"] == owner_id]:
                del self.bookmarks[bookmark_id]
            return Response(status=204)

        @app.get("/v1/internal/users")
        def owners():
            return {"owner_ids": sorted({b["owner_id"] for b in self.bookmarks.values()})}

        @app.get("/v1/internal/users/<int:owner_id>/export")
        def export(owner_id):
            mine = [b for b in self.bookmarks.values() if b["owner_id"] == owner_id]
            if request.args.get("format") == "html":
                links = "".join(f'<DT><A HREF="{b["url"]}">{b["title"]}</A>\n' for b in mine)
                return Response(
                    f"<!DOCTYPE NETSCAPE-Bookmark-file-1>\n<DL>{links}</DL>\n", mimetype="text/html"
                )
            return jsonify(bookmarks=mine)

        super().__init__(app)

    def add_bookmark(
        self, bookmark_id: int, url: str, *, owner_id: int = 1, **fields: Any
    ) -> dict[str, Any]:
        self.bookmarks[bookmark_id] = self.contract.sample(
            "InternalBookmark",
            id=bookmark_id,
            url=url,
            owner_id=owner_id,
            title=f"bookmark {bookmark_id}",
            **fields,
        )
        return self.bookmarks[bookmark_id]

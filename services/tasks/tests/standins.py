"""Stand-ins for auth and api on loopback: real HTTP, real ES256 keys, recording every call.

auth: the JWKS, service tokens for tasks (and api) for the service each asks for, auth's purge
endpoint and an empty revocation feed.
api: the /v1/internal endpoints tasks' handlers call (per the fixed contract), in memory.
"""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from flask import Flask, Response, jsonify, request
from werkzeug.serving import make_server

from shelf_kit.testing import free_port

CLIENTS = {"tasks": "dev-tasks-secret", "api": "dev-api-secret", "auth": "dev-auth-secret"}


class Served:
    """A Flask app served on a free loopback port in a thread. `stop()` closes the port
    (connections are refused, as when the service is down); `start()` serves it again."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = None
        self.start()

    def start(self) -> None:
        self.server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def stop(self) -> None:
        if self.server is None:
            return
        self.server.shutdown()
        self.thread.join()
        self.server.server_close()
        self.server = None


class StandInAuth(Served):
    def __init__(self) -> None:
        self.kid = "k1"
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.calls: list[tuple[str, str, dict]] = []  # (path, authorization, headers)
        self.purged = 0
        app = Flask("stand-in-auth")

        @app.get("/healthz")
        def healthz():
            return {"status": "ok", "service": "auth", "version": "test"}

        @app.get("/.well-known/jwks.json")
        def jwks():
            jwk = jwt.algorithms.ECAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
            return jsonify(keys=[{**jwk, "kid": self.kid, "alg": "ES256", "use": "sig"}])

        @app.post("/v1/service-tokens")
        def service_tokens():
            body = request.get_json()
            if CLIENTS.get(body.get("client_id")) != body.get("client_secret"):
                return jsonify(title="Unauthorized", status=401), 401
            return jsonify(
                access_token=self.service_token(body["client_id"], body.get("audience", "tasks")),
                token_type="Bearer",
                expires_in=900,
            )

        @app.get("/v1/revocations")
        def revocations():
            if not self.is_service(request.headers.get("Authorization", ""), audience="auth"):
                return jsonify(title="Forbidden", status=403), 403
            return jsonify(window_seconds=960, revocations=[])

        @app.post("/v1/maintenance/purge")
        def purge():
            self.calls.append(
                (request.path, request.headers.get("Authorization", ""), dict(request.headers))
            )
            if not self.is_service(request.headers.get("Authorization", ""), audience="auth"):
                return jsonify(title="Forbidden", status=403), 403
            self.purged += 1
            return jsonify(refresh_sessions=3, login_attempts=1, password_reset_tokens=0)

        super().__init__(app)

    def sign(self, claims: dict[str, Any], *, lifetime: int = 900) -> str:
        now = int(time.time())
        payload = {
            "iss": "shelf-auth",
            "aud": "shelf",
            "iat": now,
            "exp": now + lifetime,
            "jti": uuid.uuid4().hex,
            **claims,
        }
        return jwt.encode(payload, self.key, algorithm="ES256", headers={"kid": self.kid})

    def service_token(self, client_id: str = "api", audience: str = "tasks") -> str:
        return self.sign(
            {
                "sub": f"service:{client_id}",
                "scope": "service",
                "client_id": client_id,
                "is_admin": False,
                "aud": audience,
            }
        )

    def user_token(self, user_id: int = 7, *, is_admin: bool = False) -> str:
        return self.sign(
            {
                "sub": str(user_id),
                "scope": "user",
                "username": f"user{user_id}",
                "is_admin": is_admin,
            }
        )

    def is_service(
        self, authorization: str, client_id: str = "tasks", audience: str = "api"
    ) -> bool:
        """Whether this is `client_id`'s service token for the service `audience`."""
        scheme, _, token = authorization.partition(" ")
        if scheme != "Bearer":
            return False
        try:
            claims = jwt.decode(
                token, self.key.public_key(), algorithms=["ES256"], audience=audience
            )
        except jwt.PyJWTError:
            return False
        return claims["scope"] == "service" and claims.get("client_id") == client_id


class StandInApi(Served):
    """api's internal endpoints over in-memory bookmarks, imports and exports."""

    def __init__(self, auth: StandInAuth) -> None:
        self.auth = auth
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
            if not auth.is_service(request.headers.get("Authorization", "")):
                return jsonify(title="Forbidden", status=403), 403
            if self.fail_with:
                return jsonify(title="Down", status=self.fail_with), self.fail_with
            if self.down_for > 0:
                self.down_for -= 1
                return jsonify(title="Service Unavailable", status=503), 503
            return None

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
            self.import_failures.setdefault(import_id, []).append(request.get_json()["detail"])
            if state["processed"] < state["total"]:
                state["status"] = "failed"
            return {"id": import_id, "status": state.get("status", "done")}

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
        self.bookmarks[bookmark_id] = {
            "id": bookmark_id,
            "url": url,
            "owner_id": owner_id,
            "title": f"bookmark {bookmark_id}",
            "is_broken": False,
            "last_checked_at": None,
            "tag_names": [],
            **fields,
        }
        return self.bookmarks[bookmark_id]

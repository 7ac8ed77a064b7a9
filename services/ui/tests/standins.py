"""The ui's cast: auth is shelf-identity's stand-in (`shelf_identity.testing.StandInAuth`, real
JWTs), tasks shelf-kit's (`shelf_kit.testing.StandInTasks`), api shelf-kit's
(`shelf_kit.standin_api.StandInApi`): real HTTP servers on free loopback ports. api and tasks
take the tokens auth issued (`Shelf.caller`). Each records what it was sent in `received`, and
checks every call and answer against its service's openapi.json (`problems`: the fixtures fail
a test whose stand-in gave an answer its service's document does not describe). `StandIn`
answers /healthz only, as any service (one Shelf does not have too)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from flask import Flask, Response, jsonify, request

from shelf_identity.testing import StandInAuth
from shelf_kit.contracts import Contract
from shelf_kit.standin_api import StandInApi
from shelf_kit.testing import LoopbackServer, StandInTasks

SERVICES = Path(__file__).resolve().parents[2]
CONTRACTS = {
    name: Contract.load(SERVICES / name / "openapi.json") for name in ("auth", "api", "tasks")
}


class StandIn(LoopbackServer):
    """A real HTTP server on a free loopback port answering /healthz like a Shelf service,
    recording the headers of every request it was sent. `stop()` closes the listening socket:
    connections are refused."""

    def __init__(self, service: str, version: str = "0.1.0"):
        self.service = service
        self.version = version
        self.seen: list[dict[str, str]] = []
        self.contract = CONTRACTS.get(service)  # None: a service Shelf does not have
        self.problems: list[str] = []
        app = Flask(f"stand-in-{service}")
        app.after_request(self._checked)

        @app.get("/healthz")
        def healthz():
            self.seen.append(dict(request.headers))
            return jsonify(status="ok", service=self.service, version=self.version)

        super().__init__(app)

    def _checked(self, response: Response) -> Response:
        """This call and answer against the service's document."""
        if self.contract is not None:
            self.problems += self.contract.check_exchange(request, response)
        return response


class Shelf:
    """auth (shelf-identity's stand-in), api and tasks stand-ins, running; api and tasks take
    the tokens auth issued; alice (1) is a user, root (2) an administrator."""

    def __init__(self) -> None:
        self.auth = StandInAuth(contract=CONTRACTS["auth"])
        self.auth.add_user("alice", "alice-password", "alice@example.org")
        self.auth.add_user("root", "root-password", "root@example.org", is_admin=True)
        self.auth.start()
        self.api = StandInApi(
            CONTRACTS["api"], identify=self.caller, usernames=self.username
        ).start()
        self.tasks = StandInTasks(CONTRACTS["tasks"], identify=self.caller).start()

    def caller(self, authorization: str | None) -> dict[str, Any] | None:
        """Who a bearer token is, for api and tasks: auth's claims, the account as it is now."""
        account = self.auth.user(authorization)
        return None if account is None else {"sub": str(account.id), "is_admin": account.is_admin}

    def username(self, user_id: int) -> str | None:
        account = self.auth.accounts.get(user_id)
        return None if account is None else account.username

    def stop(self) -> None:
        for server in (self.auth, self.api, self.tasks):
            server.stop()

    @property
    def problems(self) -> list[str]:
        """The answers of the three that their services' documents do not describe."""
        return [p for server in (self.auth, self.api, self.tasks) for p in server.problems]


def wait_until(check, timeout: float = 2.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.02)
    return False

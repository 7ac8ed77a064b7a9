"""/healthz (the process is alive) and /readyz (what it needs is reachable).

A service registers one readiness check per dependency: its database, and each service it
calls. A critical check that fails makes /readyz answer 503, so an orchestrator or the test
fixture waits; a non-critical one (a dependency whose absence only delays work, like tasks
behind an outbox) is reported and leaves the service "degraded" but ready.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import marshmallow as ma
from flask import current_app
from flask_smorest import Blueprint

from shelf_http import ServiceError, ServiceUnavailable

from .problems import Problem

log = logging.getLogger("shelf.health")

Check = Callable[[], object]


@dataclass
class Readiness:
    checks: dict[str, tuple[Check, bool]] = field(default_factory=dict)

    def add(self, name: str, check: Check, *, critical: bool = True) -> None:
        """`check` raises when the dependency is not usable; what it returns is shown."""
        self.checks[name] = (check, critical)

    def run(self) -> tuple[bool, bool, dict[str, dict]]:
        results: dict[str, dict] = {}
        ready, degraded = True, False
        for name, (check, critical) in self.checks.items():
            try:
                detail = check()
                results[name] = {"ok": True, "critical": critical, "detail": str(detail or "ok")}
            except Exception as error:  # a failing check is a result, not an error
                log.warning("readiness check %s failed: %s", name, error)
                results[name] = {"ok": False, "critical": critical, "detail": _public(error)}
                if critical:
                    ready = False
                else:
                    degraded = True
        return ready, degraded, results


def _public(error: Exception) -> str:
    """What a probe may show: not internal addresses or driver messages (those are logged)."""
    if isinstance(error, ServiceUnavailable):
        return "unavailable"
    if isinstance(error, ServiceError):
        return "answered with an error"
    return f"failed ({type(error).__name__})"


class HealthSchema(ma.Schema):
    status = ma.fields.String(required=True, metadata={"example": "ok"})
    service = ma.fields.String(required=True)
    version = ma.fields.String(required=True)


class CheckSchema(ma.Schema):
    ok = ma.fields.Boolean(required=True)
    critical = ma.fields.Boolean(required=True)
    detail = ma.fields.String(required=True)


class ReadySchema(HealthSchema):
    checks = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Nested(CheckSchema))


def make_blueprint(service: str, version: str) -> Blueprint:
    blp = Blueprint("health", __name__, description="Liveness and readiness probes")

    @blp.route("/healthz")
    @blp.response(200, HealthSchema)
    def healthz():
        """Alive: the process answers."""
        return {"status": "ok", "service": service, "version": version}

    @blp.route("/readyz")
    @blp.response(200, ReadySchema)
    @blp.alt_response(503, description="A critical dependency is not reachable")
    def readyz():
        """Ready: the database and the services this one depends on answer."""
        readiness: Readiness = current_app.extensions["shelf_kit"].readiness
        ready, degraded, results = readiness.run()
        if not ready:
            failed = ", ".join(name for name, r in results.items() if not r["ok"] and r["critical"])
            raise Problem(
                503,
                "Not Ready",
                f"Not ready: {failed} unavailable.",
                service=service,
                checks=results,
            )
        status = "degraded" if degraded else "ready"
        return {"status": status, "service": service, "version": version, "checks": results}

    return blp

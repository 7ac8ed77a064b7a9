"""What each service behind the ui says about itself, from its /healthz."""

from __future__ import annotations

import contextvars
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from flask import Flask

from shelf_http import ServiceClient, ServiceError, ServiceUnavailable
from shelf_kit import kit

from .config import DEPENDENCIES

log = logging.getLogger("shelf.ui.status")

# (connect, read) seconds per attempt: the status page answers within a few seconds even
# when a service is black-holed rather than refusing connections.
HEALTH_TIMEOUT = (1.0, 2.0)

# What a person loses when a service is down, in their words.
ROLES = {
    "auth": "Signing in and accounts",
    "api": "Your bookmarks: listing, searching, adding and editing",
    "tasks": "Background work: page titles and previews, imports, email",
}


@dataclass(frozen=True)
class ServiceStatus:
    name: str
    role: str
    critical: bool
    state: str  # "up", "down" or "unexpected" (answers, but not as that service)
    version: str | None = None
    reported_name: str | None = None
    reason: str | None = None

    @property
    def up(self) -> bool:
        return self.state == "up"


def service_statuses(app: Flask) -> list[ServiceStatus]:
    """Every dependency's status, asked in parallel; each call carries the current request id
    (each worker thread runs in a copy of this request's context)."""
    clients = kit(app).clients
    services = [(name, clients[name], critical) for name, _setting, critical in DEPENDENCIES]
    with ThreadPoolExecutor(max_workers=max(len(services), 1)) as pool:
        futures = [
            pool.submit(contextvars.copy_context().run, probe, name, client, critical)
            for name, client, critical in services
        ]
        return [future.result() for future in futures]


def probe(name: str, client: ServiceClient, critical: bool) -> ServiceStatus:
    role = ROLES.get(name, "")
    try:
        answer = client.get("/healthz", timeout=HEALTH_TIMEOUT).json()
    except ServiceUnavailable as error:
        log.warning("status: %s is down: %s", name, error, extra={"dependency": name})
        reason = f"answered {error.status}" if error.status else "no answer"
        return ServiceStatus(name, role, critical, "down", reason=reason)
    except (ServiceError, ValueError) as error:
        # A 4xx, or an answer that is not JSON: something else listens at that URL.
        log.warning("status: %s answered oddly: %s", name, error, extra={"dependency": name})
        return ServiceStatus(
            name,
            role,
            critical,
            "unexpected",
            reason="its address answers, but not as a Shelf service",
        )
    if not isinstance(answer, dict):
        return ServiceStatus(
            name,
            role,
            critical,
            "unexpected",
            reason="its address answers, but not as a Shelf service",
        )
    reported = str(answer.get("service", ""))
    version = str(answer.get("version", "")) or None
    if reported != name:
        log.warning("status: %s answers as %r", name, reported, extra={"dependency": name})
        return ServiceStatus(
            name,
            role,
            critical,
            "unexpected",
            version=version,
            reported_name=reported,
            reason="its address answers as another service",
        )
    return ServiceStatus(name, role, critical, "up", version=version, reported_name=reported)

"""One blueprint per feature: jobs, schedules, stats."""

from __future__ import annotations

from shelf_identity import BEARER
from shelf_kit.openapi import ServiceApi

from . import jobs, schedules, stats
from .common import SECURITY_SCHEME

BLUEPRINTS = (jobs.blp, schedules.blp, stats.blp)


def register_blueprints(api: ServiceApi) -> None:
    api.spec.components.security_scheme(BEARER, SECURITY_SCHEME)
    for blp in BLUEPRINTS:
        api.register_blueprint(blp)

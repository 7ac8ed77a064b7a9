"""One blueprint per feature."""

from __future__ import annotations

from shelf_identity import BEARER
from shelf_kit.openapi import ServiceApi

from .. import identity
from ..identity import SECURITY_SCHEME
from . import (
    admin,
    api_keys,
    jwks,
    maintenance,
    password_resets,
    revocations,
    service_tokens,
    sessions,
    users,
)

BLUEPRINTS = (
    sessions.blp,
    users.blp,
    api_keys.blp,
    service_tokens.blp,
    jwks.blp,
    password_resets.blp,
    admin.blp,
    revocations.blp,
    maintenance.blp,
)


# Who calls each route (`@allow`): auth's own `identify`, set up with the first blueprint.
sessions.blp.record_once(lambda state: identity.install(state.app))


def register_blueprints(api: ServiceApi) -> None:
    api.spec.components.security_scheme(BEARER, SECURITY_SCHEME)
    for blp in BLUEPRINTS:
        api.register_blueprint(blp)

"""What the blueprints share: the security scheme and who may see a job (who may call each
route: shelf_identity's `@allow`)."""

from __future__ import annotations

from shelf_identity import Identity

SECURITY_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "bearerFormat": "JWT",
    "description": "an access token or a service token from auth",
}


def sees_everything(identity: Identity) -> bool:
    return identity.is_service or identity.is_admin

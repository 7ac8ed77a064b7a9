"""What the blueprints share: the security scheme and who may see a job."""

from __future__ import annotations

from collections.abc import Callable

from flask_smorest import Blueprint

from shelf_identity import Identity

BEARER = "bearer"
SECURITY_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "bearerFormat": "JWT",
    "description": "an access token or a service token from auth",
}


def documented(blp: Blueprint, guard: Callable | None = None) -> Callable:
    """Mark a view as needing a token (and, with `guard`, a kind of caller)."""

    def decorator(view: Callable) -> Callable:
        view = blp.doc(security=[{BEARER: []}])(view)
        view = blp.alt_response(401, description="No valid token")(view)
        if guard is not None:
            view = blp.alt_response(403, description="Not allowed for this caller")(view)
            view = guard(view)
        return view

    return decorator


def sees_everything(identity: Identity) -> bool:
    return identity.is_service or identity.is_admin

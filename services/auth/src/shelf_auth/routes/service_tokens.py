"""Service tokens: a service trades its client id and secret for a token of scope "service",
for one service it may call (SHELF_AUTH_SERVICE_AUDIENCES)."""

from __future__ import annotations

from flask_smorest import Blueprint

from shelf_identity import allow

from .. import service_clients, tokens
from ..identity import forbidden, unauthorized
from ..schemas.service import ClientCredentialsSchema, ServiceTokenSchema

blp = Blueprint("service_tokens", __name__, description="Tokens for Shelf's own services")


@blp.route("/v1/service-tokens", methods=["POST"])
@allow(blp, public=True)
@blp.arguments(ClientCredentialsSchema)
@blp.response(200, ServiceTokenSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.alt_response(403, response="FORBIDDEN")
def issue(body):
    """Trade a service's client id and secret (SHELF_AUTH_SERVICE_CLIENTS) for a token.

    The token is for the service `audience` names, and only that service takes it; a client
    may get tokens only for the services SHELF_AUTH_SERVICE_AUDIENCES lists for it (403
    otherwise). Without `audience` (clients older than auth 0.5), the token names every
    service the client may call, and "shelf" for verifiers older than shelf-identity 0.2."""
    client_id = body["client_id"]
    if not service_clients.authenticate(client_id, body["client_secret"]):
        raise unauthorized("Unknown client id or wrong secret.")
    allowed = service_clients.audiences(client_id)
    wanted = body.get("audience")
    if not allowed or (wanted is not None and wanted not in allowed):
        raise forbidden(
            f"Client {client_id!r} may not get tokens for "
            f"{wanted or 'any service'!r} (SHELF_AUTH_SERVICE_AUDIENCES)."
        )
    audience = wanted if wanted is not None else [tokens.AUDIENCE, *sorted(allowed)]
    return {
        "access_token": tokens.service_token(client_id, audience),
        "token_type": "Bearer",
        "expires_in": tokens.lifetime(),
    }

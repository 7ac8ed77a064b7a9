"""Service tokens: a service trades its client id and secret for a token of scope "service"."""

from __future__ import annotations

from flask_smorest import Blueprint

from .. import service_clients, tokens
from ..identity import unauthorized
from ..schemas import ClientCredentialsSchema, ServiceTokenSchema

blp = Blueprint("service_tokens", __name__, description="Tokens for Shelf's own services")


@blp.route("/v1/service-tokens", methods=["POST"])
@blp.arguments(ClientCredentialsSchema)
@blp.response(200, ServiceTokenSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
def issue(body):
    """Trade a service's client id and secret (SHELF_AUTH_SERVICE_CLIENTS) for a token."""
    if not service_clients.authenticate(body["client_id"], body["client_secret"]):
        raise unauthorized("Unknown client id or wrong secret.")
    return {"access_token": tokens.service_token(body["client_id"]), "token_type": "Bearer",
            "expires_in": tokens.lifetime()}

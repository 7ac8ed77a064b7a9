"""Flask integration: every request to a protected service carries a valid identity.

`setup_identity(app, ...)` installs a `before_request` that accepts `Authorization: Bearer
<access or service token>` (verified locally against auth's JWKS; a service token only when
it names this service; a user's token checked against auth's revocation feed) and, where
allowed, `Authorization: Token <API key>` (resolved through auth, cached briefly). Only the
probes and the OpenAPI document, and views marked public (`@allow(blp, public=True)`), are
open. Views say who may call with `@allow` (access.py), which asks `Guard.identify`.

`guard.service_auth_for("tasks")` signs this service's own calls to tasks with a service
token for tasks.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Flask, current_app, g, request

from shelf_http import ServiceClient
from shelf_kit import current_request_id, kit

from .api_keys import ApiKeyResolver
from .errors import InvalidToken, NotAuthenticated
from .identity import Identity
from .jwks import JwksKeySource
from .revocations import RevocationFeed
from .service_tokens import ServiceCredentials, ServiceTokenAuth
from .tokens import TokenVerifier

log = logging.getLogger("shelf.identity")

OPEN_ENDPOINTS = frozenset({"health.healthz", "health.readyz", "api-docs.openapi_json"})
PUBLIC = "_shelf_public"  # a view's attribute: open to anonymous callers
IDENTIFY = "shelf_identity.identify"  # app.extensions: who is calling (see access.py)


@dataclass
class Guard:
    verifier: TokenVerifier
    api_keys: ApiKeyResolver | None
    credentials: ServiceCredentials
    key_source: JwksKeySource | None = None
    revocations: RevocationFeed | None = None

    def service_auth_for(self, audience: str) -> ServiceTokenAuth:
        """Auth for this service's calls to the service `audience` ("tasks", "api", "auth")."""
        return self.credentials.auth_for(audience)

    def authenticate(self, header: str | None) -> Identity:
        if not header:
            raise NotAuthenticated()
        scheme, _, credentials = header.partition(" ")
        credentials = credentials.strip()
        if not credentials:
            raise NotAuthenticated("The Authorization header has no credentials.")
        if scheme.lower() == "bearer":
            try:
                return self.verifier.verify(credentials)
            except InvalidToken as error:
                raise NotAuthenticated(str(error)) from None
        if scheme.lower() == "token" and self.api_keys is not None:
            identity = self.api_keys.resolve(credentials)
            if identity is None:
                raise NotAuthenticated("Invalid token.")
            return identity
        raise NotAuthenticated(f"The {scheme!r} authorization scheme is not accepted here.")

    def before_request(self) -> None:
        view = current_app.view_functions.get(request.endpoint or "")
        if request.endpoint in OPEN_ENDPOINTS or getattr(view, PUBLIC, False):
            return
        if request.method == "OPTIONS":
            return
        g.identity = self.authenticate(request.headers.get("Authorization"))

    def identify(self) -> Identity:
        """Who is calling: verified before the view, or now for a public view (which
        before_request let through unverified); a 401 Problem without valid credentials."""
        if g.get("identity") is None:
            g.identity = self.authenticate(request.headers.get("Authorization"))
        return g.identity


def setup_identity(
    app: Flask,
    *,
    auth_url: str,
    client_id: str,
    client_secret: str,
    accept_api_keys: bool = True,
    audience: str | None = None,
    revocation_refresh_seconds: float = 2.0,
) -> Guard:
    """Protect every route of `app`; returns the guard, whose `service_auth_for(service)`
    signs this service's own calls to others.

    `audience`: the name service tokens for this service carry (default: the service's name,
    as given to shelf_kit's create_service_app)."""
    credentials = ServiceCredentials(
        auth_url, client_id, client_secret, request_id=current_request_id
    )
    to_auth = credentials.auth_for("auth")
    # The JWKS is public; introspection and the revocation feed need a token for auth. The
    # feed is asked while a request waits, so briefly and once: the next request asks again.
    jwks_client = ServiceClient("auth", auth_url, request_id=current_request_id)
    introspection_client = ServiceClient(
        "auth", auth_url, request_id=current_request_id, auth=to_auth
    )
    feed_client = ServiceClient(
        "auth", auth_url, request_id=current_request_id, auth=to_auth, read_timeout=2.0, retries=0
    )
    key_source = JwksKeySource(jwks_client)
    revocations = RevocationFeed(feed_client, refresh_seconds=revocation_refresh_seconds)
    guard = Guard(
        verifier=TokenVerifier(
            key_source.key, audience=audience or kit(app).service, revocations=revocations
        ),
        api_keys=(
            ApiKeyResolver(introspection_client, revocations=revocations)
            if accept_api_keys
            else None
        ),
        credentials=credentials,
        key_source=key_source,
        revocations=revocations,
    )
    app.extensions["shelf_identity"] = guard
    app.extensions[IDENTIFY] = guard.identify
    app.before_request(guard.before_request)
    return guard


def current_identity() -> Identity:
    identity = g.get("identity")
    if identity is None:
        raise NotAuthenticated()
    return identity

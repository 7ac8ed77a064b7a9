"""Who is calling a Shelf service, verified: access tokens against auth's JWKS, API keys
through auth's introspection, and service tokens for calls between services."""

from importlib.metadata import version

from .access import API_KEY, BEARER, allow, identify_callers
from .api_keys import ApiKeyResolver
from .errors import InvalidToken, NotAllowed, NotAuthenticated
from .guard import Guard, current_identity, setup_identity
from .identity import Identity
from .jwks import JwksKeySource
from .revocations import RevocationFeed
from .service_tokens import ServiceCredentials, ServiceTokenAuth
from .tokens import TokenVerifier

__version__ = version("shelf-identity")  # what pyproject.toml declares

__all__ = [
    "API_KEY",
    "BEARER",
    "ApiKeyResolver",
    "Guard",
    "Identity",
    "InvalidToken",
    "JwksKeySource",
    "NotAllowed",
    "NotAuthenticated",
    "RevocationFeed",
    "ServiceCredentials",
    "ServiceTokenAuth",
    "TokenVerifier",
    "allow",
    "current_identity",
    "identify_callers",
    "setup_identity",
]

"""Who may call a route, said once: `@allow` enforces it and writes it into the OpenAPI document.

    @blp.route("/v1/admin/bookmarks")
    @allow(blp, "admin")                     # administrators (their token, or their API key)
    @blp.response(200, PageSchema)
    def list_everyones(): ...

    @allow(blp, "user")                      # any user, administrators included
    @allow(blp, "service")                   # Shelf's services (a service token for this one)
    @allow(blp, "admin", "service")          # either
    @allow(blp, public=True)                 # anyone; credentials, if sent, are ignored
    @allow(blp, "user", "service", public=True)  # anyone; credentials, if sent, must verify

Put it right under `@blp.route`, so the caller is checked before the request is read. A caller
without valid credentials gets 401, a caller of the wrong kind 403 (problem+json, through the
kit), and the route is documented with its security requirement, the 401 and, where a kind of
caller is refused, the 403.

Who the caller is comes from `setup_identity`'s guard (`g.identity`); a service that verifies
its own tokens (auth) names its function with `identify_callers(app, identify)`.

The security schemes a route documents: `bearer` for services; for users, the blueprint's
`SECURITY_SCHEMES` (a class attribute: a service that takes API keys adds `token`), `bearer`
by default.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Literal, Protocol, TypeVar

from flask import Flask, current_app, request

from .errors import NotAllowed
from .guard import IDENTIFY, PUBLIC

F = TypeVar("F", bound=Callable[..., Any])
Kind = Literal["user", "admin", "service"]
KINDS: tuple[Kind, ...] = ("user", "admin", "service")

BEARER = "bearer"  # the security schemes' names in every service's OpenAPI document
API_KEY = "token"


class Caller(Protocol):
    """What the guard asks of an identity: shelf_identity's, or a service's own."""

    @property
    def is_user(self) -> bool: ...

    @property
    def is_service(self) -> bool: ...

    @property
    def is_admin(self) -> bool: ...


def identify_callers(app: Flask, identify: Callable[[], Caller]) -> None:
    """Let `identify()` say who calls `app`'s guarded routes: it answers the caller or raises
    a 401 Problem (for a service that verifies its own tokens instead of setup_identity)."""
    app.extensions[IDENTIFY] = identify


def kinds_of(identity: Caller) -> set[Kind]:
    """The kinds a caller counts as: a service; a user; an administrator is a user too."""
    if identity.is_service:
        return {"service"}
    return {"user", "admin"} if identity.is_admin else {"user"}


def refusal(allowed: frozenset[Kind], identity: Caller) -> str | None:
    """Why `identity` may not call a route open to `allowed`; None when it may."""
    if kinds_of(identity) & allowed:
        return None
    if identity.is_service:
        return "This needs a user's token, not a service's."
    if allowed == {"service"}:
        return "Only Shelf's services may do this."
    if "service" in allowed:
        return "Only administrators and Shelf's services may do this."
    return "Only administrators may do this."


def refuses_someone(allowed: frozenset[Kind]) -> bool:
    """Whether some caller with valid credentials is refused (a 403 to document)."""
    everyone = ({"user"}, {"user", "admin"}, {"service"})
    return any(not kinds & allowed for kinds in everyone)


def _identify() -> Caller:
    identify = current_app.extensions.get(IDENTIFY)
    if identify is None:
        raise RuntimeError("@allow needs setup_identity(app, ...) or identify_callers(app, ...)")
    return identify()


def _security(blp: Any, allowed: frozenset[Kind], public: bool) -> list[dict[str, list]]:
    schemes: list[str] = []
    if allowed & {"user", "admin"}:
        schemes += getattr(blp, "SECURITY_SCHEMES", (BEARER,))
    if "service" in allowed and BEARER not in schemes:
        schemes.append(BEARER)
    return ([{}] if public else []) + [{scheme: []} for scheme in schemes]


def allow(blp: Any, *callers: Kind, public: bool = False) -> Callable[[F], F]:
    """Only `callers` ("user", "admin", "service") may call the view; with `public`,
    anonymous callers too. See the module's docstring."""
    unknown = set(callers) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown callers {sorted(unknown)}: name some of {KINDS}")
    if not callers and not public:
        raise ValueError("allow() needs callers, or public=True")
    allowed = frozenset(callers)

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if allowed and (not public or request.headers.get("Authorization")):
                why = refusal(allowed, _identify())
                if why is not None:
                    raise NotAllowed(why)
            return view(*args, **kwargs)

        documented = blp.doc(security=_security(blp, allowed, public))(guarded)
        if allowed:
            documented = blp.alt_response(401, response="UNAUTHORIZED")(documented)
        if allowed and refuses_someone(allowed):
            documented = blp.alt_response(403, response="FORBIDDEN")(documented)
        if public:
            setattr(documented, PUBLIC, True)  # setup_identity's guard lets anyone through
        return documented

    return decorate

"""`@allow`: who gets each route (401 without credentials, 403 for the wrong kind of caller,
in problem+json), and what it writes into the OpenAPI document."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import request
from flask_smorest import Blueprint

from shelf_identity import NotAuthenticated, allow, identify_callers
from shelf_kit import create_service_app

CALLERS = ("anonymous", "user", "admin", "service")
# route: the status for anonymous, user, admin and service
MATRIX = {
    "/v1/users-only": (401, 200, 200, 403),
    "/v1/admin-only": (401, 403, 200, 403),
    "/v1/service-only": (401, 403, 403, 200),
    "/v1/admin-or-service": (401, 403, 200, 200),
    "/v1/anyone-known": (401, 200, 200, 200),
    "/v1/open": (200, 200, 200, 200),
    "/v1/shared": (200, 200, 200, 200),
}
NOT_A_SERVICES = "This needs a user's token, not a service's."
ADMINS = "Only administrators may do this."
SERVICES = "Only Shelf's services may do this."
ADMINS_AND_SERVICES = "Only administrators and Shelf's services may do this."
REFUSALS = {  # (route, caller): the 403's detail
    ("/v1/users-only", "service"): NOT_A_SERVICES,
    ("/v1/admin-only", "user"): ADMINS,
    ("/v1/admin-only", "service"): NOT_A_SERVICES,
    ("/v1/service-only", "user"): SERVICES,
    ("/v1/service-only", "admin"): SERVICES,
    ("/v1/admin-or-service", "user"): ADMINS_AND_SERVICES,
}


def headers_of(auth, caller: str) -> dict[str, str]:
    token = {
        "anonymous": None,
        "user": lambda: auth.user_token(7),
        "admin": lambda: auth.user_token(1, is_admin=True),
        "service": lambda: auth.service_token("api", "svc"),
    }[caller]
    return {} if token is None else {"Authorization": f"Bearer {token()}"}


@pytest.mark.parametrize("route", sorted(MATRIX))
def test_each_kind_of_caller_gets_what_the_route_allows(client, auth, route):
    for caller, expected in zip(CALLERS, MATRIX[route], strict=True):
        response = client.get(route, headers=headers_of(auth, caller))
        assert response.status_code == expected, (caller, response.get_json())
        if expected == 200:
            assert response.get_json()["ok"] is True
            continue
        assert response.content_type == "application/problem+json"
        body = response.get_json()
        assert body["status"] == expected
        if expected == 401:
            assert body["title"] == "Unauthorized"
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
        else:
            assert body["title"] == "Forbidden"
            assert body["detail"] == REFUSALS[(route, caller)]


def test_bad_credentials_on_a_public_route_count_only_where_callers_are_named(client):
    forged = {"Authorization": "Bearer not-a-token"}
    assert client.get("/v1/open", headers=forged).status_code == 200  # ignored
    response = client.get("/v1/shared", headers=forged)  # read when sent: verified
    assert response.status_code == 401
    assert response.content_type == "application/problem+json"


def test_a_public_route_knows_a_caller_that_sent_credentials(client, auth):
    assert client.get("/v1/shared").get_json()["kind"] is None
    assert client.get("/v1/shared", headers=headers_of(auth, "user")).get_json()["kind"] == "user"
    service = client.get("/v1/shared", headers=headers_of(auth, "service"))
    assert service.get_json()["kind"] == "service"


def operation(service, path: str) -> dict:
    return service.test_client().get("/openapi.json").get_json()["paths"][path]["get"]


UNAUTHORIZED = {"$ref": "#/components/responses/UNAUTHORIZED"}
FORBIDDEN = {"$ref": "#/components/responses/FORBIDDEN"}


@pytest.mark.parametrize(
    ("path", "security", "refusals"),
    [
        ("/v1/users-only", [{"bearer": []}], {"401": UNAUTHORIZED, "403": FORBIDDEN}),
        ("/v1/admin-only", [{"bearer": []}], {"401": UNAUTHORIZED, "403": FORBIDDEN}),
        ("/v1/service-only", [{"bearer": []}], {"401": UNAUTHORIZED, "403": FORBIDDEN}),
        ("/v1/admin-or-service", [{"bearer": []}], {"401": UNAUTHORIZED, "403": FORBIDDEN}),
        ("/v1/anyone-known", [{"bearer": []}], {"401": UNAUTHORIZED}),
        ("/v1/open", [{}], {}),
        ("/v1/shared", [{}, {"bearer": []}], {"401": UNAUTHORIZED}),
    ],
)
def test_the_document_says_who_may_call(service, path, security, refusals):
    documented = operation(service, path)
    assert documented["security"] == security
    assert {k: v for k, v in documented["responses"].items() if k in ("401", "403")} == refusals


def test_a_service_that_takes_api_keys_documents_them_for_users_not_for_services():
    app, api = create_service_app(
        "keys", service="keys", version="0.0.1", settings={}, test_config={"SHELF_ENV": "test"}
    )

    class KeyBlueprint(Blueprint):
        SECURITY_SCHEMES = ("token", "bearer")

    blp = KeyBlueprint("keys", __name__)
    blp.route("/users", endpoint="users")(allow(blp, "user")(lambda: {}))
    blp.route("/services", endpoint="services")(allow(blp, "service")(lambda: {}))
    blp.route("/admins-and-services", endpoint="both")(allow(blp, "admin", "service")(lambda: {}))
    api.register_blueprint(blp)
    assert operation(app, "/users")["security"] == [{"token": []}, {"bearer": []}]
    assert operation(app, "/services")["security"] == [{"bearer": []}]
    assert operation(app, "/admins-and-services")["security"] == [{"token": []}, {"bearer": []}]


@dataclass(frozen=True)
class OwnCaller:
    """A service's own identity (auth's): the guard asks only these three."""

    is_user: bool = False
    is_service: bool = False
    is_admin: bool = False


def test_a_service_that_verifies_its_own_tokens_names_its_identify():
    """auth issues the tokens and knows its users: the guard asks auth's own function."""
    app, api = create_service_app(
        "own", service="own", version="0.0.1", settings={}, test_config={"SHELF_ENV": "test"}
    )
    callers = {"u": OwnCaller(is_user=True), "s": OwnCaller(is_service=True)}

    def identify() -> OwnCaller:
        found = callers.get(request.headers.get("Authorization", ""))
        if found is None:
            raise NotAuthenticated("Send an access token.")
        return found

    identify_callers(app, identify)
    blp = Blueprint("own", __name__)
    blp.route("/mine")(allow(blp, "user")(lambda: {"ok": True}))
    api.register_blueprint(blp)
    client = app.test_client()
    assert client.get("/mine", headers={"Authorization": "u"}).status_code == 200
    refused = client.get("/mine", headers={"Authorization": "s"})
    assert refused.status_code == 403 and refused.get_json()["detail"] == NOT_A_SERVICES
    unknown = client.get("/mine")
    assert unknown.status_code == 401 and unknown.get_json()["detail"] == "Send an access token."


@pytest.mark.parametrize(
    ("callers", "options"), [(("users",), {}), ((), {}), (("user", "everyone"), {})]
)
def test_a_mistyped_rule_fails_when_the_module_loads(callers, options):
    blp = Blueprint("typo", __name__)
    with pytest.raises(ValueError):
        allow(blp, *callers, **options)

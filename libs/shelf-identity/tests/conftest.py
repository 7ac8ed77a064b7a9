"""A service guarded by shelf-identity, and a stand-in auth (shelf_identity.testing) on
loopback: real HTTP, real ES256 keys, counting what it is asked."""

import pytest
from flask import g
from flask_smorest import Blueprint

from shelf_identity import allow, current_identity, setup_identity
from shelf_identity.testing import StandInAuth
from shelf_kit import create_service_app


@pytest.fixture
def auth():
    stand_in = StandInAuth({"api": "s3cret"}).start()
    yield stand_in
    stand_in.stop()


def build_service(auth_url, **options):
    """A service named "svc" (its service tokens say so), guarded; options go to
    setup_identity (revocation_refresh_seconds, say)."""
    app, api = create_service_app(
        "svc", service="svc", version="0.0.1", settings={}, test_config={"SHELF_ENV": "test"}
    )
    setup_identity(app, auth_url=auth_url, client_id="api", client_secret="s3cret", **options)

    @app.get("/v1/me")
    def me():
        identity = current_identity()
        return {"kind": identity.kind, "user_id": identity.user_id, "via": identity.via}

    api.register_blueprint(guarded_blueprint())
    return app


def guarded_blueprint() -> Blueprint:
    """One route per kind of access `@allow` grants."""
    blp = Blueprint("guarded", __name__, description="Routes for each kind of caller")

    def answer() -> dict:  # a new view each time: flask-smorest keeps its docs on the view
        def view() -> dict:
            identity = g.get("identity")
            return {"ok": True, "kind": identity.kind if identity is not None else None}

        return view

    for path, callers, public in (
        ("/v1/users-only", ("user",), False),
        ("/v1/admin-only", ("admin",), False),
        ("/v1/service-only", ("service",), False),
        ("/v1/admin-or-service", ("admin", "service"), False),
        ("/v1/anyone-known", ("user", "service"), False),
        ("/v1/open", (), True),
        ("/v1/shared", ("user", "service"), True),
    ):
        blp.route(path, endpoint=path.rsplit("/", 1)[1])(
            allow(blp, *callers, public=public)(answer())
        )
    return blp


@pytest.fixture
def service(auth):
    return build_service(auth.url)


@pytest.fixture
def client(service):
    return service.test_client()

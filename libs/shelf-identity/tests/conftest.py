"""A service guarded by shelf-identity, and a stand-in auth (shelf_identity.testing) on
loopback: real HTTP, real ES256 keys, counting what it is asked."""

import pytest

from shelf_identity import (
    current_identity,
    public,
    require_admin,
    require_service,
    setup_identity,
)
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
    app, _api = create_service_app(
        "svc", service="svc", version="0.0.1", settings={}, test_config={"SHELF_ENV": "test"}
    )
    setup_identity(app, auth_url=auth_url, client_id="api", client_secret="s3cret", **options)

    @app.get("/v1/me")
    def me():
        identity = current_identity()
        return {"kind": identity.kind, "user_id": identity.user_id, "via": identity.via}

    @app.get("/v1/admin-only")
    @require_admin
    def admin_only():
        return {"ok": True}

    @app.get("/v1/service-only")
    @require_service
    def service_only():
        return {"ok": True}

    @app.get("/v1/open")
    @public
    def open_view():
        return {"ok": True}

    return app


@pytest.fixture
def service(auth):
    return build_service(auth.url)


@pytest.fixture
def client(service):
    return service.test_client()

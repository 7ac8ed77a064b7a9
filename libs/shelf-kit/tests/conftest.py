import marshmallow as ma
import pytest
from flask import Flask, jsonify, request
from flask_smorest import Blueprint

from shelf_kit import Setting, create_service_app
from shelf_kit.testing import LoopbackServer

SETTINGS = {"SHELF_DEMO_SECRET": Setting("dev-secret", secret=True)}


class ItemSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=10))
    count = ma.fields.Integer(strict=True)


def build_app(**overrides):
    app, api = create_service_app(
        "demo",
        service="demo",
        version="1.2.3",
        settings=SETTINGS,
        test_config={"SHELF_ENV": "test", **overrides},
    )
    blp = Blueprint("items", __name__)

    @blp.route("/v1/items", methods=["POST"])
    @blp.arguments(ItemSchema)
    @blp.response(201, ItemSchema)
    def create_item(item):
        return item

    @blp.route("/v1/boom")
    def boom():
        raise RuntimeError("secret internals")

    api.register_blueprint(blp)
    return app


@pytest.fixture
def make_app():
    """The demo service with settings of a test's own."""
    return build_app


@pytest.fixture
def app():
    return build_app()


@pytest.fixture
def client(app):
    return app.test_client()


class Upstream(LoopbackServer):
    """A real HTTP server on loopback that records the headers it was sent."""

    def __init__(self):
        self.seen = []
        upstream = Flask("upstream")

        @upstream.get("/healthz")
        def healthz():
            self.seen.append(dict(request.headers))
            return jsonify(status="ok", service="upstream", version="9.9.9")

        super().__init__(upstream)


@pytest.fixture
def upstream():
    with Upstream() as server:
        yield server

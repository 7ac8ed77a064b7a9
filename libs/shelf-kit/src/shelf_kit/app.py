"""The steps every Shelf service's `create_app()` starts with.

def create_app(test_config=None):
    app, api = create_service_app(__name__, service="auth", version=__version__,
                                  settings=SETTINGS, test_config=test_config)
    register_blueprints(api)
    ...
    return app
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from . import bodies, health, hsts, json_guard, jsonlog, metrics, openapi, request_id
from .config import Setting, read_settings
from .health import Readiness
from .problems import HtmlRenderer


@dataclass
class Kit:
    """What the kit keeps on `app.extensions["shelf_kit"]`."""

    service: str
    version: str
    api: openapi.ServiceApi | None = None
    readiness: Readiness = field(default_factory=Readiness)
    html_error_renderer: HtmlRenderer | None = None
    clients: dict[str, Any] = field(default_factory=dict)
    # Paths whose service refuses NUL characters itself, in its own error shape (json_guard).
    text_guard_skip: tuple[str, ...] = ()


def create_service_app(
    import_name: str,
    *,
    service: str,
    version: str,
    settings: Mapping[str, Setting],
    test_config: Mapping[str, Any] | None = None,
    title: str | None = None,
    description: str = "",
    text_guard_skip: tuple[str, ...] = (),
    html_error_renderer: HtmlRenderer | None = None,
) -> tuple[Flask, openapi.ServiceApi]:
    """The app and its OpenAPI document, with everything every service has. A service whose
    paths refuse NUL characters in an error shape of their own names them (`text_guard_skip`);
    one that serves pages renders its errors as HTML (`html_error_renderer`)."""
    app = Flask(import_name)
    kit = Kit(
        service=service,
        version=version,
        text_guard_skip=text_guard_skip,
        html_error_renderer=html_error_renderer,
    )
    app.extensions["shelf_kit"] = kit
    load_config(app, settings, test_config)
    request_id.init_app(app)
    jsonlog.init_app(app, service)
    metrics.init_app(app, service)
    bodies.init_app(app)
    json_guard.init_app(app)
    hsts.init_app(app)
    kit.api = openapi.init_app(
        app, title=title or f"Shelf {service}", version=version, description=description
    )
    kit.api.register_blueprint(health.make_blueprint(service, version))
    return app, kit.api


def load_config(
    app: Flask, settings: Mapping[str, Setting], test_config: Mapping[str, Any] | None
) -> None:
    app.config.update(read_settings(settings, overrides=test_config))
    app.config["TESTING"] = app.config.get("TESTING", False) or app.config["SHELF_ENV"] == "test"
    if isinstance(app.json, DefaultJSONProvider):
        app.json.sort_keys = False  # answers keep the schemas' field order


def kit(app: Flask) -> Kit:
    return app.extensions["shelf_kit"]


def add_dependency(
    app: Flask,
    name: str,
    url: str,
    *,
    critical: bool = True,
    connect_timeout: float = 1.0,
    read_timeout: float = 5.0,
):
    """A client for another Shelf service, carrying the request id, and a readiness check
    that the service answers its /healthz."""
    from shelf_http import ServiceClient

    client = ServiceClient(
        name,
        url,
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        request_id=request_id.current_request_id,
        user_agent=f"shelf-{kit(app).service}/{kit(app).version}",
    )

    def check() -> str:
        answer = client.get("/healthz", timeout=(connect_timeout, 2.0)).json()
        return f"{answer.get('service', name)} {answer.get('version', '?')}"

    kit(app).readiness.add(name, check, critical=critical)
    kit(app).clients[name] = client
    return client

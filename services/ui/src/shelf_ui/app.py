"""The ui app factory."""

from __future__ import annotations

from collections.abc import Mapping
from importlib.metadata import version
from typing import Any

from flask import Flask, Response

from shelf_kit import create_service_app, kit
from shelf_kit.app import add_dependency

from . import errors, pages
from .config import DEPENDENCIES, SETTINGS, check_settings

VERSION = version("shelf-ui")

# The pages load nothing but their own stylesheet and icon: no script, no frame, no CDN.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    app, _api = create_service_app(
        __name__, service="ui", version=VERSION, settings=SETTINGS,
        test_config=test_config, title="Shelf ui",
        description="The web pages of Shelf. Its pages are HTML and not part of this "
                    "document; only its JSON endpoints are.",
    )
    check_settings(app.config)
    register_session(app)
    register_dependencies(app)
    register_pages(app)
    register_security_headers(app)
    return app


def register_session(app: Flask) -> None:
    # The session is a signed cookie (it will hold the tokens auth issues): never readable
    # by scripts, not sent on cross-site subrequests, HTTPS-only when configured.
    app.secret_key = app.config["SHELF_SECRET_KEY"]
    app.config.update(
        SESSION_COOKIE_NAME="shelf_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=app.config["SHELF_UI_SECURE_COOKIES"],
    )


def register_dependencies(app: Flask) -> None:
    for name, setting, critical in DEPENDENCIES:
        add_dependency(app, name, app.config[setting], critical=critical)


def register_pages(app: Flask) -> None:
    # Jinja autoescapes every .html template; nothing fetched from another service is ever
    # marked safe.
    app.register_blueprint(pages.blp)
    app.jinja_env.globals["ui_version"] = VERSION
    kit(app).html_error_renderer = errors.render_error_page


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def _security_headers(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if response.mimetype == "text/html":
            response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
            response.headers.setdefault("X-Frame-Options", "DENY")
        return response

"""The ui app factory."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from flask import Flask, Response, flash, redirect, request, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix

from shelf_http import ServiceRejected
from shelf_kit import create_service_app, problem_response
from shelf_kit.app import add_dependency
from shelf_kit.problems import handle_http_exception, handle_rejected

from . import __version__, errors, preferences, rendering, sessions
from .clients import auth as auth_client
from .config import DEPENDENCIES, SETTINGS, check_settings
from .forms import ImportForm
from .routes import (
    accounts,
    admin,
    bookmarks,
    bundles,
    check_api,
    pages,
    progress_api,
    settings,
    tags,
    transfer,
)
from .routes.common import safe_next, wants_json

# The pages run only their own script (static/progress.js; no inline script, no eval), load
# only their own stylesheet, and show favicons from the bookmarked sites (img-src http(s):
# the Referrer-Policy keeps Shelf's URLs from those sites). No frame, no CDN.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; "
    "img-src 'self' data: https: http:; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)

csrf = CSRFProtect()


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    app, api = create_service_app(
        __name__,
        service="ui",
        version=__version__,
        settings=SETTINGS,
        test_config=test_config,
        title="Shelf ui",
        description="The web pages of Shelf. Its pages are HTML and not part of this "
        "document; only its JSON endpoints are.",
        html_error_renderer=errors.render_error_page,
    )
    check_settings(app.config)
    if app.config["SHELF_UI_TRUST_PROXY"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    register_session(app)
    register_dependencies(app)
    register_pages(app, api)
    register_error_handlers(app)
    register_security_headers(app)
    return app


def register_session(app: Flask) -> None:
    # The session is a signed cookie holding the tokens auth issued: never readable by
    # scripts, not sent on cross-site subrequests, HTTPS-only when configured.
    app.secret_key = app.config["SHELF_SECRET_KEY"]
    app.config.update(
        SESSION_COOKIE_NAME="shelf_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=app.config["SHELF_UI_SECURE_COOKIES"],
        PERMANENT_SESSION_LIFETIME=timedelta(days=int(app.config["SHELF_UI_SESSION_DAYS"])),
        # The cookie is sent only when a request changes the session. Sent on every answer, a
        # request that read the session before a concurrent one changed it (the add form's
        # live check while Save is saving) put the old session back: the "Saved." message
        # was lost, and so could be a refresh token auth had rotated since. The lifetime still
        # slides: every renewal of the access token (minutes) writes the session again.
        SESSION_REFRESH_EACH_REQUEST=False,
        # CSRF tokens live in the session; they stay valid as long as the login does.
        WTF_CSRF_TIME_LIMIT=None,
    )
    # Every POST (and PUT, PATCH, DELETE) must carry the session's CSRF token: forms send it as
    # a hidden field, scripts as X-CSRFToken. Without one the request is refused (400).
    csrf.init_app(app)


def register_dependencies(app: Flask) -> None:
    for name, setting, critical in DEPENDENCIES:
        add_dependency(app, name, app.config[setting], critical=critical)


def register_pages(app: Flask, api) -> None:
    # Jinja autoescapes every .html template; nothing fetched from another service is ever
    # marked safe (Markdown notes are, after nh3 cleaned them: see rendering.markdown).
    for blueprint in (
        pages.blp,
        accounts.blp,
        bookmarks.blp,
        bundles.blp,
        tags.blp,
        transfer.blp,
        settings.blp,
        admin.blp,
    ):
        app.register_blueprint(blueprint)
    api.register_blueprint(progress_api.blp)
    api.register_blueprint(check_api.blp)
    rendering.init_app(app)
    app.jinja_env.globals["ui_version"] = __version__
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def _who() -> dict[str, Any]:
        return {
            "current_user": sessions.current_user(),
            "preferences": preferences.current(),
            # asked of auth only by the pages that would link to sign-up
            "signup_open": lambda: auth_client.signup_state().is_open() is True,
        }


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(sessions.LoginRequired)
    def _login_required(error: sessions.LoginRequired):
        if wants_json() or request.method not in ("GET", "HEAD", "POST"):
            return problem_response(401, "Unauthorized", "Log in first.")
        if error.expired:
            flash("Your session has ended; log in again.", "warn")
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("accounts.login", next=safe_next(target, "") or None))

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError) -> Response:
        return problem_response(
            400,
            "Bad Request",
            "This form could not be accepted: it has expired or did not come from Shelf's own "
            "pages (CSRF check: " + str(error.description).rstrip(".") + "). Go back, reload "
            "the page and send it again.",
        )

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(error: RequestEntityTooLarge) -> Any:
        # A file over the import form's limit is refused before anything reads it: the form
        # says so, naming the limit, instead of a bare 413 page.
        if (
            request.endpoint == "transfer.import_page"
            and not wants_json()
            and sessions.current_user() is not None
        ):
            return transfer.too_large(ImportForm(formdata=None), transfer.import_limit())
        return handle_http_exception(error)

    @app.errorhandler(ServiceRejected)
    def _rejected(error: ServiceRejected) -> Response:
        # 401 after a renewed token: the login is no longer good (account disabled, say).
        if error.status == 401:
            sessions.end()
            return _login_required(sessions.LoginRequired(expired=True))
        if error.status == 403:
            return problem_response(
                403, "Forbidden", f"The {error.service} service says you may not do this."
            )
        if error.status == 404:
            return problem_response(404, "Not Found", "There is nothing here (any more).")
        return handle_rejected(error)


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def _security_headers(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if response.mimetype == "text/html":
            response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
            response.headers.setdefault("X-Frame-Options", "DENY")
            # Pages show a user's own data: never stored by shared caches.
            response.headers.setdefault("Cache-Control", "private, no-cache")
        return response

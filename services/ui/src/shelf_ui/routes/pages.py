"""The HTML pages. They are plain Flask routes: HTML is not part of the OpenAPI document."""

from __future__ import annotations

from flask import Blueprint, current_app, make_response, redirect, render_template, url_for

from .. import sessions
from ..status import service_statuses

blp = Blueprint("pages", __name__)


@blp.get("/")
def home():
    if sessions.current_user() is not None:
        return redirect(url_for("bookmarks.index"))
    return render_template("home.html")


@blp.get("/status")
def status():
    """Each service's state. Always 200: a service being down is what this page reports."""
    services = service_statuses(current_app)
    response = make_response(render_template("status.html", services=services))
    response.headers["Cache-Control"] = "no-store"
    return response


@blp.get("/help")
def help_page():
    """Keyboard shortcuts and the search language, for everyone."""
    return render_template("help.html")

"""Display preferences (page size, sort, open links in a new tab, theme), kept in a long-lived
signed cookie of their own: they are about this browser, auth stores no preferences, and a
tampered cookie is simply ignored."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from flask import Flask, current_app, g, request
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.wrappers import Response

from .clients.api import SORTS

COOKIE = "shelf_prefs"
MAX_AGE = 365 * 24 * 3600
PAGE_SIZES = (20, 30, 50, 100)
# "auto" follows the system's light or dark setting (prefers-color-scheme).
THEMES = ("auto", "light", "dark")


@dataclass(frozen=True)
class Preferences:
    page_size: int = 30
    sort: str = "added_desc"
    new_tab: bool = False
    theme: str = "auto"

    @classmethod
    def from_dict(cls, data: object) -> Preferences:
        if not isinstance(data, dict):
            return cls()
        size = data.get("page_size")
        sort = data.get("sort")
        theme = data.get("theme")
        return cls(
            page_size=size if size in PAGE_SIZES else cls.page_size,
            sort=sort if sort in SORTS else cls.sort,
            new_tab=data.get("new_tab") is True,
            theme=theme if theme in THEMES else cls.theme,
        )


def _serializer(app: Flask) -> URLSafeSerializer:
    return URLSafeSerializer(app.config["SECRET_KEY"], salt="shelf-ui-preferences")


def current() -> Preferences:
    if "preferences" not in g:
        raw = request.cookies.get(COOKIE)
        data = None
        if raw:
            try:
                data = _serializer(current_app).loads(raw)
            except BadSignature:
                data = None
        g.preferences = Preferences.from_dict(data)
    return g.preferences


def save(response: Response, preferences: Preferences) -> None:
    response.set_cookie(
        COOKIE,
        _serializer(current_app).dumps(asdict(preferences)),
        max_age=MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )

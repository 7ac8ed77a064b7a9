"""Refuse NUL characters in JSON bodies and query strings, once, for every service.

No Shelf field has a use for U+0000, and Postgres cannot store it in text (it raises, which
would be a 500): such a request is a 400 naming the field, before any view sees it. File
uploads (multipart) are left alone: files may hold any bytes.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, current_app, request

from .problems import Problem


def _first_nul(value: Any, where: str) -> str | None:
    if isinstance(value, str):
        return where if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _first_nul(str(key), where or "body") or _first_nul(item, key)
            if found:
                return found
    if isinstance(value, list):
        for item in value:
            found = _first_nul(item, where)
            if found:
                return found
    return None


def check_request() -> None:
    if request.path.startswith(current_app.extensions["shelf_kit"].text_guard_skip):
        return
    for name, value in request.args.items(multi=True):
        if "\x00" in name or "\x00" in value:
            raise _refusal(name)
    if request.is_json:
        try:
            body = json.loads(request.get_data(cache=True) or b"null")
        except ValueError:
            return  # not JSON after all: the view's own parsing says so
        field = _first_nul(body, "")
        if field is not None:
            raise _refusal(field or "body")


def _refusal(field: str) -> Problem:
    return Problem(400, "Bad Request", f"{field}: text may not contain NUL characters.",
                   errors={field: ["Text may not contain NUL characters."]})


def init_app(app: Flask) -> None:
    app.before_request(check_request)

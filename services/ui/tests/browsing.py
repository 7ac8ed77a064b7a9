"""Driving the ui like a browser does: read the CSRF token from the page, send the form."""

from __future__ import annotations

import re
from html import unescape

CSRF = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|'
    r'type="hidden" name="csrf_token" value="([^"]+)"|'
    r'name="csrf_token" value="([^"]+)"'
)


def csrf_token(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no CSRF token"
    return unescape(next(group for group in found.groups() if group))


def submit(client, page: str, action: str | None = None, data=None, **kwargs):
    """GET `page`, then POST `data` with the page's CSRF token to `action` (default: `page`)."""
    html = client.get(page).get_data(as_text=True)
    return client.post(
        action or page, data={**(data or {}), "csrf_token": csrf_token(html)}, **kwargs
    )


def log_in(client, username: str = "alice", password: str | None = None):
    response = submit(
        client,
        "/login",
        data={"username": username, "password": password or f"{username}-password"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def text(html: str) -> str:
    return " ".join(html.split())


def visible(html: str) -> str:
    """The text a person reads: tags dropped, entities decoded, whitespace collapsed."""
    body = re.sub(r"<(script|style|head)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", body)).split())

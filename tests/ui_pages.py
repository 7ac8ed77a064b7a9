"""The ui's page logic driven with Flask's test client against the other services' real
processes, for test_ui_*.py.

The ui is built in-process (`shelf_ui.create_app`) and pointed at the running system's auth,
api and tasks: every page a test opens runs the ui's real views and clients, and every call
they make reaches the real services. What a test asserts comes from two sides: the page (its
status, its text, where it redirects) and the services themselves, read back over their HTTP
APIs with the user's API key or an administrator's token.

    browser = Browser(ui_app)                  # one browser: a test client keeping cookies
    browser.log_in(alice.username, alice.password)
    page = browser.submit("/bookmarks/new", {"url": site.url("/a")})   # CSRF token included
    page.status, page.location, page.text, page.ids()
    alice.api.bookmarks(q="#news")             # what api holds for alice

Each test module makes its own people (unique names), so the modules do not depend on each
other or on their order. Their fixtures are in ui_fixtures.py (`pytest_plugins =
["ui_fixtures"]` in the module).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from unittest import mock

import pytest
import requests

from shelf_accounts import (
    PASSWORD,
    TIMEOUT,
    bearer,
    create_user,
    csrf_token,
    first_admin,
    service_token,
    unique,
)
from shelf_system import ShelfSystem

FETCH_WAIT = 45.0  # seconds for a fetch job to put a page's title on a bookmark
IMPORT_WAIT = 120.0  # seconds for an import job to finish


def wait_for(condition: Callable[[], Any], within: float, what: str, interval: float = 0.5):
    """The first truthy value of `condition()`, polling; fails saying `what` after `within` s."""
    deadline = time.monotonic() + within
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"after {within:g} s: {what}")
        time.sleep(interval)


# -- the ui, in-process -------------------------------------------------------------------------


def ui_config(system: ShelfSystem) -> dict[str, Any]:
    """What the running ui process is given, for an in-process twin of it."""
    env = system.env
    return {
        "SHELF_ENV": "test",
        "SHELF_DATA_DIR": str(system.data_dir),
        "SHELF_AUTH_URL": system.urls["auth"],
        "SHELF_API_URL": system.urls["api"],
        "SHELF_TASKS_URL": system.urls["tasks"],
        "SHELF_UI_URL": system.urls["ui"],
        "SHELF_PUBLIC_URL": env["SHELF_PUBLIC_URL"],
        "SHELF_SECRET_KEY": env["SHELF_SECRET_KEY"],
        "SHELF_UI_SECURE_COOKIES": False,
        "SHELF_UI_TRUST_PROXY": False,
    }


def build_ui(system: ShelfSystem):
    """`shelf_ui.create_app()` pointed at the system; no setting comes from this machine's
    environment (a developer's SHELF_* variables are hidden while it is built)."""
    from shelf_ui import create_app

    clean = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SHELF_", "PROMETHEUS_", "FLASK_"))
    }
    with mock.patch.dict(os.environ, clean, clear=True):
        return create_app(ui_config(system))


class _Reader(HTMLParser):
    """What a person sees on a page, and the parts of it tests look for."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.words: list[str] = []
        self.values: dict[str, str] = {}  # input name -> value (the last one of that name)
        self.checked: dict[str, bool] = {}
        self.areas: dict[str, str] = {}  # textarea name -> text
        self.bookmarks: list[int] = []  # the ids of the list's entries, in order
        self.links: list[str] = []
        self._skip = 0
        self._area: str | None = None
        self._area_opening = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {key: value or "" for key, value in attrs}
        if tag in ("script", "style", "head"):
            self._skip += 1
        elif tag == "input" and "name" in found:
            self.values[found["name"]] = found.get("value", "")
            if found.get("type") == "checkbox":
                self.checked[found["name"]] = "checked" in found
        elif tag == "textarea" and "name" in found:
            self._area = found["name"]
            self.areas[self._area] = ""
            self._area_opening = True
        elif tag in ("li", "tr") and found.get("id", "").startswith("bookmark-"):
            self.bookmarks.append(int(found["id"].removeprefix("bookmark-")))
        elif tag == "a" and "href" in found:
            self.links.append(found["href"])

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head"):
            self._skip = max(0, self._skip - 1)
        elif tag == "textarea":
            self._area = None

    def handle_data(self, data: str) -> None:
        if self._area is not None:
            if self._area_opening:  # a browser drops the newline that opens a textarea
                data = data.removeprefix("\r").removeprefix("\n")
                self._area_opening = False
            self.areas[self._area] += data
        if not self._skip:
            self.words.extend(data.split())


@dataclass
class Page:
    """An answer of the ui, as a browser would have it."""

    status: int
    html: str
    headers: Any
    path: str
    _read: _Reader | None = field(default=None, repr=False)

    @property
    def reader(self) -> _Reader:
        if self._read is None:
            self._read = _Reader()
            self._read.feed(self.html)
        return self._read

    @property
    def text(self) -> str:
        """The visible text, its whitespace collapsed."""
        return " ".join(self.reader.words)

    @property
    def location(self) -> str | None:
        return self.headers.get("Location")

    def ids(self) -> list[int]:
        """The bookmarks listed on the page (list entries and admin rows), in order."""
        return self.reader.bookmarks

    def value(self, name: str) -> str | None:
        return self.reader.values.get(name)

    def textarea(self, name: str) -> str | None:
        return self.reader.areas.get(name)

    def shows(self, text: str) -> bool:
        return " ".join(text.split()) in self.text

    def section(self, element_id: str) -> Page:
        """The part of the page from the element with this id to the end of that element's
        first closing tag of the same name (enough for the cards and panels tests read)."""
        start = self.html.index(f'id="{element_id}"')
        opening = self.html.rindex("<", 0, start)
        tag = self.html[opening + 1 : start].split()[0]
        end = self.html.index(f"</{tag}>", start)
        return Page(self.status, self.html[opening:end], self.headers, self.path)


class Browser:
    """One person's browser on the in-process ui: Flask's test client, keeping cookies,
    asking for HTML like a browser does."""

    def __init__(self, app) -> None:
        self.app = app
        self.client = app.test_client()

    def _page(self, response, path: str) -> Page:
        with response:
            return Page(
                response.status_code, response.get_data(as_text=True), response.headers, path
            )

    def get(self, path: str, **kwargs) -> Page:
        headers = {"Accept": "text/html", **kwargs.pop("headers", {})}
        return self._page(self.client.get(path, headers=headers, **kwargs), path)

    def post(self, path: str, data: dict[str, Any], **kwargs) -> Page:
        headers = {"Accept": "text/html", **kwargs.pop("headers", {})}
        return self._page(self.client.post(path, data=data, headers=headers, **kwargs), path)

    def json(self, path: str) -> tuple[int, Any]:
        with self.client.get(path, headers={"Accept": "application/json"}) as response:
            return response.status_code, response.get_json(silent=True)

    def submit(
        self, page: str, data: dict[str, Any] | None = None, *, action: str | None = None, **kwargs
    ) -> Page:
        """Open `page`, then send `data` with the page's CSRF token to `action` (default: the
        same path), as a person filling in a form there does."""
        opened = self.get(page)
        assert opened.status == 200, (page, opened.status, opened.text[:500])
        return self.post(
            action or page.split("?", 1)[0],
            {**(data or {}), "csrf_token": csrf_token(opened.html)},
            **kwargs,
        )

    def follow(self, page: Page) -> Page:
        assert page.location, f"{page.path} answered {page.status} without a redirect"
        return self.get(page.location)

    def log_in(self, username: str, password: str = PASSWORD) -> Page:
        """Log in through the login form; the page it lands on."""
        answer = self.submit("/login", {"username": username, "password": password})
        assert answer.status == 302, (answer.status, answer.text[:500])
        return self.follow(answer)

    def log_out(self) -> Page:
        return self.submit("/bookmarks", action="/logout")

    def tokens(self) -> dict[str, Any]:
        """The tokens auth issued to this browser's login (kept in its session cookie)."""
        with self.client.session_transaction() as session:
            return dict(session.get("tokens") or {})


def logged_in(app, account: Account) -> Browser:
    """A browser on the ui, logged in as `account` through the login form."""
    browser = Browser(app)
    browser.log_in(account.username, account.password)
    return browser


# -- people and what the services hold for them -------------------------------------------------


class ApiReader:
    """One user's bookmarks as api holds them, through its linkding API and an API key."""

    def __init__(self, system: ShelfSystem, key: str) -> None:
        self.url = system.urls["api"]
        self.headers = {"Authorization": f"Token {key}"}

    def get(self, path: str, **params) -> requests.Response:
        return requests.get(self.url + path, headers=self.headers, params=params, timeout=TIMEOUT)

    def bookmarks(self, q: str = "", archived: bool = False) -> list[dict[str, Any]]:
        path = "/api/bookmarks/archived/" if archived else "/api/bookmarks/"
        answer = self.get(path, q=q, limit=1000)
        assert answer.status_code == 200, answer.text
        return answer.json()["results"]

    def count(self, archived: bool = False) -> int:
        path = "/api/bookmarks/archived/" if archived else "/api/bookmarks/"
        answer = self.get(path, limit=1)
        assert answer.status_code == 200, answer.text
        return answer.json()["count"]

    def bookmark(self, bookmark_id: int) -> dict[str, Any] | None:
        answer = self.get(f"/api/bookmarks/{bookmark_id}/")
        if answer.status_code == 404:
            return None
        assert answer.status_code == 200, answer.text
        return answer.json()

    def by_url(self, url: str) -> dict[str, Any] | None:
        answer = self.get("/api/bookmarks/check/", url=url)
        assert answer.status_code == 200, answer.text
        return answer.json()["bookmark"]

    def add(self, url: str, **fields: Any) -> dict[str, Any]:
        """A bookmark saved directly through api (no page fetch: `disable_scraping`)."""
        answer = requests.post(
            self.url + "/api/bookmarks/?disable_scraping",
            timeout=TIMEOUT,
            headers=self.headers,
            json={"url": url, **fields},
        )
        assert answer.status_code == 201, answer.text
        return answer.json()

    def profile(self) -> dict[str, Any]:
        answer = self.get("/api/user/profile/")
        assert answer.status_code == 200, answer.text
        return answer.json()


@dataclass
class Account:
    """Someone with an account at auth: name, password, email; their access token (renewed
    by logging in again when it is old) and, on demand, an API key for reading api."""

    system: ShelfSystem
    username: str
    password: str = PASSWORD
    email: str = ""
    user_id: int = 0
    is_admin: bool = False
    _token: tuple[float, str] | None = field(default=None, repr=False)
    _api: ApiReader | None = field(default=None, repr=False)

    def log_in(self) -> requests.Response:
        return requests.post(
            self.system.urls["auth"] + "/v1/sessions",
            timeout=TIMEOUT,
            json={"username": self.username, "password": self.password},
        )

    @property
    def headers(self) -> dict[str, str]:
        if self._token is None or time.monotonic() - self._token[0] > 300:
            answer = self.log_in()
            assert answer.status_code == 201, answer.text
            self.user_id = answer.json()["user"]["id"]
            self._token = (time.monotonic(), answer.json()["access_token"])
        return bearer(self._token[1])

    @property
    def api(self) -> ApiReader:
        """api as this user sees it, with an API key made for the test (settings tests that
        regenerate the key use an account of their own)."""
        if self._api is None:
            made = requests.post(
                self.system.urls["auth"] + "/v1/api-key", timeout=TIMEOUT, headers=self.headers
            )
            assert made.status_code == 201, made.text
            self._api = ApiReader(self.system, made.json()["key"])
        return self._api


def make_admin(system: ShelfSystem, prefix: str = "uiadmin") -> Account:
    """An administrator, made by the system's first admin over auth's admin API."""
    admin = Account(system, unique(prefix), is_admin=True)
    created = create_user(
        system,
        first_admin(system),
        username=admin.username,
        password=admin.password,
        is_admin=True,
    )
    admin.user_id = created["id"]
    return admin


def make_user(system: ShelfSystem, admin: Account, prefix: str = "uiuser") -> Account:
    """A user the administrator creates through auth's admin API, with an email address."""
    username = unique(prefix)
    user = Account(system, username, email=f"{username}@example.org")
    created = create_user(
        system, admin, username=username, password=user.password, email=user.email
    )
    user.user_id = created["id"]
    return user


def auth_user(system: ShelfSystem, admin: Account, username: str) -> dict[str, Any]:
    """The user as auth's admin API shows them; fails when there is no such user."""
    user = find_auth_user(system, admin, username)
    assert user is not None, f"auth has no user {username}"
    return user


def find_auth_user(system: ShelfSystem, admin: Account, username: str) -> dict[str, Any] | None:
    """The user as auth's admin API shows them (None when there is no such user)."""
    answer = requests.get(
        system.urls["auth"] + "/v1/admin/users",
        timeout=TIMEOUT,
        headers=admin.headers,
        params={"q": username, "limit": "100"},
    )
    assert answer.status_code == 200, answer.text
    return next((u for u in answer.json()["items"] if u["username"] == username), None)


def report_link_check(system: ShelfSystem, bookmark_id: int, ok: bool) -> dict[str, Any]:
    """What tasks' check_links job tells api about a link, through api's service-only
    endpoint and a service token (auth's client credentials for tasks)."""
    answer = requests.post(
        f"{system.urls['api']}/v1/internal/bookmarks/{bookmark_id}/link-check",
        timeout=TIMEOUT,
        headers=bearer(service_token(system, "tasks")),
        json={"ok": ok, "status": 200 if ok else 404, "error": None if ok else "answered 404"},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


RESET_LINK = re.compile(r"(https?://\S+/reset-password/([A-Za-z0-9_\-.~%]+))")


def mailed_reset_link(system: ShelfSystem, email: str) -> tuple[str, str]:
    """The password reset link auth mailed to `email` (waiting for the mail to arrive at the
    system's SMTP sink), and its token."""
    mail = system.mailbox.wait_for(email, within=60)
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None, f"no plain text part in the mail to {email}"
    found = RESET_LINK.search(body.get_content())
    assert found, f"no reset link in the mail to {email}"
    return found.group(1), found.group(2)

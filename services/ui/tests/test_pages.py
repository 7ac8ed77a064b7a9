"""The pages, against real stand-in services on loopback."""

import re
from html.parser import HTMLParser

import pytest

from shelf_ui import __version__ as VERSION

HOSTILE = "<script>alert(1)</script>"


class ServiceCards(HTMLParser):
    """Reads the status page: for each `<li id="service-NAME">`, its data-state and the text
    of its fields (`<dd class="version">` and the like)."""

    def __init__(self, html: str):
        super().__init__()
        self.cards: dict[str, dict[str, str]] = {}
        self._card: dict[str, str] | None = None
        self._field: str | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "li" and (attrs.get("id") or "").startswith("service-"):
            self._card = {"state": attrs.get("data-state", "")}
            self.cards[attrs["id"].removeprefix("service-")] = self._card
        elif tag == "dd" and self._card is not None:
            self._field = attrs.get("class")
            self._card[self._field] = ""

    def handle_endtag(self, tag):
        if tag == "dd":
            self._field = None
        elif tag == "li":
            self._card = None

    def handle_data(self, data):
        if self._card is not None and self._field:
            self._card[self._field] += data


def text(html: str) -> str:
    """The page's text as a person reads it: whitespace collapsed."""
    return " ".join(html.split())


def status_page(client, **headers):
    response = client.get("/status", headers=headers)
    assert response.status_code == 200
    assert response.content_type.startswith("text/html")
    html = response.get_data(as_text=True)
    return html, ServiceCards(html).cards


def test_home_page_welcomes_and_links_to_logging_in_and_the_status_page(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Welcome to Shelf" in html
    assert 'href="/status"' in html
    assert 'href="/login"' in html


def test_pages_link_a_stylesheet_that_is_served_with_a_dark_mode(client):
    html = client.get("/").get_data(as_text=True)
    href = html.split('<link rel="stylesheet" href="', 1)[1].split('"', 1)[0]
    assert href.startswith("/static/")  # no CDN
    with client.get(href) as stylesheet:
        assert stylesheet.status_code == 200
        assert stylesheet.mimetype == "text/css"
        css = stylesheet.get_data(as_text=True)
    # Colours for both schemes; "auto" (the default) follows the system's.
    assert "light-dark(" in css and ':root[data-theme="dark"] { color-scheme: dark; }' in css
    assert '<html lang="en" data-theme="auto">' in html
    assert '<meta name="color-scheme" content="light dark">' in html
    # Scripts only from Shelf itself, and none inline.
    assert re.findall(r"<script[^>]*>", html) == [
        f'<script src="/static/shelf.js?v={VERSION}" defer>'
    ]


def test_status_shows_each_service_with_its_version(client):
    _html, cards = status_page(client)
    assert cards == {
        "auth": {"state": "up", "version": "0.1.0"},
        "api": {"state": "up", "version": "0.2.3"},
        "tasks": {"state": "up", "version": "1.0.0rc1"},
    }


def test_status_says_which_service_is_down(client, stand_ins):
    stand_ins["api"].stop()
    html, cards = status_page(client)
    assert cards["api"]["state"] == "down"
    assert "version" not in cards["api"]
    assert cards["auth"] == {"state": "up", "version": "0.1.0"}
    assert cards["tasks"] == {"state": "up", "version": "1.0.0rc1"}
    assert "api is not working right now" in text(html)


def test_status_renders_when_every_service_is_down(app_for):
    html, cards = status_page(app_for().test_client())
    assert {name: card["state"] for name, card in cards.items()} == {
        "auth": "down",
        "api": "down",
        "tasks": "down",
    }
    assert "auth, api and tasks are not working right now" in text(html)


def test_the_request_id_travels_to_every_service(client, stand_ins):
    response = client.get("/status", headers={"X-Request-ID": "status-trace-42"})
    assert response.headers["X-Request-ID"] == "status-trace-42"
    for name, server in stand_ins.items():
        assert server.seen, f"{name} was not asked"
        assert server.seen[-1]["X-Request-Id"] == "status-trace-42", name


def test_an_address_answering_as_another_service_is_flagged(app_for, stand_ins):
    # SHELF_API_URL pointing at auth by mistake: up at the network level, but wrong.
    app = app_for(
        auth=stand_ins["auth"].url, api=stand_ins["auth"].url, tasks=stand_ins["tasks"].url
    )
    _html, cards = status_page(app.test_client())
    assert cards["api"]["state"] == "unexpected"
    assert cards["api"]["reported-name"] == "auth"
    assert cards["auth"]["state"] == "up"


@pytest.mark.parametrize("field", ["service", "version"])
def test_hostile_strings_from_a_service_are_escaped(app_for, stand_ins, start_stand_in, field):
    hostile = start_stand_in(**{"service": "api", "version": "0.1.0", field: HOSTILE})
    app = app_for(auth=stand_ins["auth"].url, api=hostile.url, tasks=stand_ins["tasks"].url)
    html, cards = status_page(app.test_client())
    assert HOSTILE not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    shown = cards["api"]["reported-name" if field == "service" else "version"]
    assert shown == HOSTILE  # shown as text, exactly as the service said it


def test_pages_forbid_scripts_and_framing(client):
    response = client.get("/status")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "script-src 'self';" in policy  # its own files only: no inline script, no eval
    assert "unsafe" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"

"""The front door in front of the real processes: one address serves the pages, the linkding
API, auth and /health, and every link Shelf builds names that address, not a service's port.

(The gateway's routing rules alone are test_gateway.py's; linkding's clients are
test_linkding_clients.py's.)
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import requests
from packaging.version import Version

from shelf_accounts import PASSWORD, api_key, csrf_token, make_admin, make_user, unique
from shelf_system import ShelfSystem

TIMEOUT = (3, 20)


def front_door_session(system: ShelfSystem, username: str) -> requests.Session:
    """A browser logged in through the front door's login page."""
    browser = requests.Session()
    page = browser.get(system.front_door + "/login", timeout=TIMEOUT)
    assert page.status_code == 200, page.text[:300]
    answer = browser.post(
        system.front_door + "/login",
        timeout=TIMEOUT,
        allow_redirects=False,
        data={"username": username, "password": PASSWORD, "csrf_token": csrf_token(page.text)},
    )
    assert answer.status_code == 302, answer.text[:300]
    return browser


def test_one_address_serves_pages_api_auth_and_health(shelf_system):
    door = shelf_system.front_door
    login = requests.get(door + "/login", timeout=TIMEOUT)
    assert login.status_code == 200 and "<form" in login.text
    person = make_user(shelf_system, make_admin(shelf_system), "door")
    session = requests.post(
        door + "/auth/v1/sessions",
        timeout=TIMEOUT,
        json={"username": person.username, "password": PASSWORD},
    )
    assert session.status_code == 201, session.text
    key = api_key(shelf_system, person)
    listing = requests.get(
        door + "/api/bookmarks/", headers={"Authorization": f"Token {key}"}, timeout=TIMEOUT
    )
    assert listing.status_code == 200 and listing.json()["results"] == []
    assert requests.get(door + "/auth/.well-known/jwks.json", timeout=TIMEOUT).json()["keys"]
    assert requests.get(door + "/metrics", timeout=TIMEOUT).status_code == 404


def test_health_answers_in_linkding_s_shape_without_a_token(shelf_system):
    """Contract C6 (api): linkding clients call GET /health first."""
    health = requests.get(shelf_system.front_door + "/health", timeout=TIMEOUT)
    assert health.status_code == 200, health.text
    body = health.json()
    assert body["status"] == "healthy"
    assert Version(body["version"]) >= Version("1.22.0")  # what linkding's clients require
    assert body["shelf_version"] and health.headers["X-Shelf-Version"] == body["shelf_version"]


def test_the_api_s_links_name_the_front_door(shelf_system):
    person = make_user(shelf_system, make_admin(shelf_system), "links")
    headers = {"Authorization": f"Token {api_key(shelf_system, person)}"}
    for number in range(2):
        made = requests.post(
            shelf_system.front_door + "/api/bookmarks/",
            headers=headers,
            json={"url": f"https://example.org/{unique('p')}/{number}"},
            timeout=TIMEOUT,
        )
        assert made.status_code == 201, made.text
    first = requests.get(
        shelf_system.front_door + "/api/bookmarks/?limit=1", headers=headers, timeout=TIMEOUT
    ).json()
    assert first["next"].startswith(shelf_system.front_door + "/api/bookmarks/?")
    second = requests.get(first["next"], headers=headers, timeout=TIMEOUT).json()
    assert second["previous"].startswith(shelf_system.front_door + "/api/bookmarks/")
    assert second["results"][0]["id"] != first["results"][0]["id"]


def test_settings_and_the_bookmarklet_name_the_front_door(shelf_system):
    person = make_user(shelf_system, make_admin(shelf_system), "settings")
    browser = front_door_session(shelf_system, person.username)
    made = browser.get(shelf_system.front_door + "/settings", timeout=TIMEOUT)
    answer = browser.post(
        shelf_system.front_door + "/settings/api-key",
        timeout=TIMEOUT,
        data={"csrf_token": csrf_token(made.text)},
    )
    assert answer.status_code == 200, answer.text[:300]
    snippet = answer.text.split("extension-snippet", 1)[1].split("</dl>", 1)[0]
    assert f"<code>{shelf_system.front_door}</code>" in snippet
    ports = {urlsplit(url).port for name, url in shelf_system.urls.items() if name != "gateway"}
    assert not any(f"127.0.0.1:{port}" in answer.text for port in ports)
    bookmarklet = browser.get(shelf_system.front_door + "/bookmarklet", timeout=TIMEOUT)
    assert shelf_system.front_door + "/bookmarks/new?" in bookmarklet.text


def test_a_reset_mail_links_to_the_front_door_and_the_link_works(shelf_system):
    admin = make_admin(shelf_system)
    email = f"{unique('reset')}@example.org"
    person = requests.post(
        shelf_system.urls["auth"] + "/v1/admin/users",
        headers=admin.headers,
        json={"username": unique("reset"), "password": PASSWORD, "email": email},
        timeout=TIMEOUT,
    )
    assert person.status_code == 201, person.text
    page = requests.Session()
    form = page.get(shelf_system.front_door + "/forgot-password", timeout=TIMEOUT)
    asked = page.post(
        shelf_system.front_door + "/forgot-password",
        timeout=TIMEOUT,
        data={"login": email, "csrf_token": csrf_token(form.text)},
    )
    assert asked.status_code in (200, 302), asked.text[:300]
    mail = shelf_system.mailbox.wait_for(email, within=60)
    text = mail.get_body(preferencelist=("plain",)).get_content()
    found = re.search(r"(https?://\S+/reset-password/\S+)", text)
    assert found, f"no reset link in the mail: {text}"
    link = found.group(1)
    assert link.startswith(shelf_system.front_door + "/reset-password/")
    opened = requests.get(link, timeout=TIMEOUT)
    assert opened.status_code == 200 and 'name="password"' in opened.text

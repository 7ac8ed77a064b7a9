"""The ui's account pages in-process against the real auth, api and tasks: logging in (and a
wrong password), logging out (the login ends at auth too), sign-up once it is closed, and one
user's bookmarks staying out of another's pages."""

from __future__ import annotations

import pytest
import requests

from shelf_accounts import TIMEOUT, bearer
from ui_pages import (
    Browser,
    find_auth_user,
    logged_in,
    mailed_reset_link,
    make_user,
    unique,
    wait_for,
)

pytest_plugins = ["ui_fixtures"]


@pytest.fixture(scope="module")
def reader(shelf_system, admin):
    return make_user(shelf_system, admin, "reader")


def test_logging_in_goes_where_the_user_was_going_and_a_wrong_password_does_not(
    ui_app, shelf_system, reader
):
    browser = Browser(ui_app)
    sent_away = browser.get("/bookmarks?view=unread")
    assert sent_away.status == 302
    assert sent_away.location == "/login?next=/bookmarks?view%3Dunread"

    wrong = browser.submit(
        sent_away.location,
        {
            "username": reader.username,
            "password": "not the password",
            "next": "/bookmarks?view=unread",
        },
    )
    assert wrong.status == 401
    assert wrong.shows("Wrong username or password.")
    assert wrong.value("username") == reader.username  # kept as typed
    assert wrong.value("password") in (None, "")  # the password is not sent back
    assert browser.tokens() == {}

    answer = browser.submit(
        "/login",
        {
            "username": reader.username,
            "password": reader.password,
            "next": "/bookmarks?view=unread",
        },
    )
    assert answer.status == 302 and answer.location == "/bookmarks?view=unread"
    landed = browser.follow(answer)
    assert landed.status == 200
    assert landed.shows(f"Welcome, {reader.username}.")
    assert landed.shows(f"logged in as {reader.username}")
    # The session holds what auth really issued: its access token is this user's.
    me = requests.get(
        shelf_system.urls["auth"] + "/v1/users/me",
        timeout=TIMEOUT,
        headers=bearer(browser.tokens()["access"]),
    )
    assert me.status_code == 200 and me.json()["username"] == reader.username


def test_logging_out_ends_the_login_at_auth_too(ui_app, shelf_system, reader):
    browser = logged_in(ui_app, reader)
    refresh_token = browser.tokens()["refresh"]

    answer = browser.log_out()
    assert answer.status == 302 and answer.location == "/login"
    assert browser.follow(answer).shows("You are logged out.")
    assert browser.get("/bookmarks").location == "/login?next=/bookmarks"
    # auth revoked the refresh token: nobody holding the old cookie can renew the login.
    renewed = requests.post(
        shelf_system.urls["auth"] + "/v1/sessions/refresh",
        timeout=TIMEOUT,
        json={"refresh_token": refresh_token},
    )
    assert renewed.status_code == 401, renewed.text


def test_a_forgotten_password_is_reset_through_the_mailed_link(ui_app, shelf_system, admin):
    person = make_user(shelf_system, admin, "forgot")
    visitor = Browser(ui_app)
    asked = visitor.follow(visitor.submit("/forgot-password", {"login": person.email}))
    assert asked.status == 200
    assert asked.shows(
        "If an account with an email address matches, a link to choose a new "
        "password is on its way."
    )
    assert not visitor.tokens()

    _, token = mailed_reset_link(shelf_system, person.email)
    new_password = "remembered at last, a passphrase"
    reset = visitor.submit(
        f"/reset-password/{token}", {"password": new_password, "confirm": new_password}
    )
    assert reset.status == 302 and reset.location == "/login"
    assert visitor.follow(reset).shows("Your password is changed. Log in with it.")
    assert person.log_in().status_code == 401
    person.password = new_password
    assert person.log_in().status_code == 201


def test_sign_up_is_closed_once_there_is_an_administrator(ui_app, shelf_system, admin):
    # SHELF_AUTH_SIGNUP is auth's default, "auto": open only until an administrator exists.
    username = unique("hopeful")
    browser = Browser(ui_app)
    page = browser.get("/signup")  # the page says so, and offers no form to fill in
    assert page.status == 200
    assert page.shows("Sign-up is closed on this Shelf. Ask an administrator for an account.")
    assert 'name="username"' not in page.html
    # A form sent anyway (a page opened before the first admin existed) is refused by auth.
    answer = browser.submit(
        "/login",
        {
            "username": username,
            "email": f"{username}@example.org",
            "password": "a long hopeful passphrase",
            "confirm": "a long hopeful passphrase",
        },
        action="/signup",
    )
    assert answer.status == 403
    assert answer.shows("Sign-up is closed on this Shelf. Ask an administrator for an account.")
    assert answer.value("username") == username
    assert browser.tokens() == {}
    assert find_auth_user(shelf_system, admin, username) is None
    refused = requests.post(
        shelf_system.urls["auth"] + "/v1/sessions",
        timeout=TIMEOUT,
        json={"username": username, "password": "a long hopeful passphrase"},
    )
    assert refused.status_code == 401


def test_one_user_never_sees_another_users_bookmark(ui_app, shelf_system, admin, reader):
    owner = make_user(shelf_system, admin, "owner")
    secret = owner.api.add(
        "https://example.org/" + unique("private-"), title="Owner's secret", notes="only mine"
    )
    browser = logged_in(ui_app, reader)

    for path in (
        f"/bookmarks/{secret['id']}",
        f"/bookmarks/{secret['id']}/edit",
        f"/bookmarks/{secret['id']}/delete",
    ):
        page = browser.get(path)
        assert page.status == 404, path
        assert "Owner's secret" not in page.html and "only mine" not in page.html
    listing = browser.get("/bookmarks?q=secret")
    assert secret["id"] not in listing.ids() and "Owner's secret" not in listing.html
    assert secret["id"] not in browser.get("/shared").ids()

    # Changing it from the other account does nothing either.
    edited = browser.submit(
        "/bookmarks",
        {"url": secret["url"], "title": "Taken over"},
        action=f"/bookmarks/{secret['id']}/edit",
    )
    assert edited.status == 404
    deleted = browser.submit("/bookmarks", action=f"/bookmarks/{secret['id']}/delete")
    assert deleted.status == 302  # deleting what is not there is quietly done...
    kept = owner.api.bookmark(secret["id"])  # ...and the owner's bookmark is untouched
    assert kept is not None and kept["title"] == "Owner's secret"


# -- a copied session cookie once the login has ended (issue 11, item 4) ------------------------


def copy_of(ui_app, browser: Browser) -> Browser:
    """A second browser holding a copy of `browser`'s session cookie (a stolen cookie)."""
    thief = Browser(ui_app)
    thief.client.set_cookie("shelf_session", browser.client.get_cookie("shelf_session").value)
    assert thief.get("/bookmarks").status == 200  # it works while the login does
    return thief


def sent_to_log_in(thief: Browser) -> None:
    page = thief.get("/bookmarks?view=unread")
    assert page.status == 302, (page.status, page.text[:300])  # not an error page
    assert page.location == "/login?next=/bookmarks?view%3Dunread"
    assert thief.tokens() == {}  # the cookie no longer holds the tokens
    assert thief.follow(page).shows("Your session has ended; log in again.")


@pytest.mark.parametrize("how", ["logout", "password change", "deactivation"])
def test_a_copied_cookie_gets_no_data_once_the_login_ended(ui_app, shelf_system, admin, how):
    person = make_user(shelf_system, admin, "copied")
    secret = person.api.add("https://example.org/" + unique("secret-"), title="Only mine")
    browser = logged_in(ui_app, person)
    thief = copy_of(ui_app, browser)
    if how == "logout":
        assert browser.log_out().status == 302
    elif how == "password change":
        new_password = "a changed passphrase, long"
        assert (
            browser.submit(
                "/settings",
                {
                    "current_password": person.password,
                    "new_password": new_password,
                    "confirm": new_password,
                },
                action="/settings/password",
            ).status
            == 302
        )
    else:
        assert (
            requests.patch(
                f"{shelf_system.urls['auth']}/v1/admin/users/{person.user_id}",
                timeout=TIMEOUT,
                headers=admin.headers,
                json={"is_active": False},
            ).status_code
            == 200
        )
    # auth and api refuse the revoked tokens within seconds (C1), not at their expiry.
    wait_for(
        lambda: (
            requests.get(
                shelf_system.urls["api"] + "/api/bookmarks/",
                timeout=TIMEOUT,
                headers=bearer(thief.tokens()["access"]),
            ).status_code
            == 401
        ),
        10,
        f"api still takes the access token 10 s after the {how}",
    )
    listing = thief.get(f"/bookmarks/{secret['id']}")
    assert "Only mine" not in listing.html
    sent_to_log_in(thief)


def test_no_page_links_to_sign_up_once_it_is_closed(ui_app, admin):
    """An administrator exists, so auth's default keeps sign-up closed (C11)."""
    visitor = Browser(ui_app)
    for path in ("/", "/login", "/status", "/shared"):
        page = visitor.get(path)
        assert page.status == 200 and "/signup" not in page.reader.links, path
    assert visitor.get("/signup").shows("Sign-up is closed on this Shelf.")

"""Logging in and out, signing up, forgotten passwords, and the silent refresh, against
stand-ins of auth and api that check what they are sent."""

from browsing import csrf_token, log_in, submit, text

from shelf_ui.clients.auth import signup_state


def session_of(client) -> dict:
    with client.session_transaction() as session:
        return dict(session)


def test_logging_in_keeps_auths_tokens_in_the_session_and_lands_on_the_list(browser, shelf):
    browser.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    response = submit(browser, "/login", data={"username": "alice", "password": "alice-password"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/bookmarks"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("shelf_session=")
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite=lax"} <= flags
    login = shelf.auth.called("POST", "/v1/sessions")[0]
    assert login.json == {"username": "alice", "password": "alice-password"}
    # auth throttles per client: it is told the browser's address, not the ui's.
    assert login.forwarded_for == "203.0.113.9"
    session = session_of(browser)
    assert session["user"]["username"] == "alice"
    assert shelf.auth.identify(f"Bearer {session['tokens']['access']}") is not None
    page = browser.get("/bookmarks")
    assert page.status_code == 200
    assert "logged in as <strong>alice</strong>" in page.get_data(as_text=True)
    assert shelf.api.received[0].authorization == "Bearer " + session["tokens"]["access"]


def test_a_wrong_password_is_refused_and_the_username_kept(browser, shelf):
    response = submit(browser, "/login", data={"username": "alice", "password": "guess"})
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert "Wrong username or password." in html
    assert 'value="alice"' in html
    assert "guess" not in html  # a password is never sent back
    assert "tokens" not in session_of(browser)


def test_a_disabled_account_is_told_so(browser, shelf):
    shelf.auth.accounts[1].is_active = False
    response = submit(browser, "/login", data={"username": "alice", "password": "alice-password"})
    assert response.status_code == 403
    assert "This account is disabled." in response.get_data(as_text=True)


def test_a_form_without_the_csrf_token_is_refused_before_anything_is_sent(browser, shelf):
    response = browser.post(
        "/login",
        data={"username": "alice", "password": "alice-password"},
        headers={"Accept": "text/html"},
    )
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert shelf.auth.called("POST", "/v1/sessions") == []


def test_a_logged_in_form_with_a_forged_token_is_refused(browser, shelf):
    log_in(browser)
    response = browser.post(
        "/bookmarks/new",
        data={"url": "https://example.org/", "csrf_token": "forged"},
        headers={"Accept": "text/html"},
    )
    assert response.status_code == 400
    assert shelf.api.called("POST", "/api/bookmarks/") == []


def test_an_expired_access_token_is_refreshed_silently(browser, shelf):
    shelf.auth.expires_in = 0  # the access token of the login has expired at once
    log_in(browser)
    shelf.auth.expires_in = 900
    first = session_of(browser)["tokens"]
    response = browser.get("/bookmarks")
    assert response.status_code == 200
    refreshes = shelf.auth.called("POST", "/v1/sessions/refresh")
    assert [call.json for call in refreshes] == [{"refresh_token": first["refresh"]}]
    now = session_of(browser)["tokens"]
    assert now["access"] != first["access"] and now["refresh"] != first["refresh"]
    assert {call.authorization for call in shelf.api.received} == {"Bearer " + now["access"]}


def test_a_refused_access_token_is_refreshed_and_the_call_sent_again(browser, shelf):
    log_in(browser)
    first = session_of(browser)["tokens"]
    shelf.auth.revoke_user(1)  # api no longer accepts it, though it has not expired
    response = browser.get("/bookmarks")
    assert response.status_code == 200
    listing = shelf.api.called("GET", "/api/bookmarks/")
    assert [call.authorization == "Bearer " + first["access"] for call in listing] == [True, False]
    assert len(shelf.auth.called("POST", "/v1/sessions/refresh")) == 1


def test_a_login_that_cannot_be_renewed_sends_the_user_to_log_in_again(browser, shelf):
    log_in(browser)
    shelf.auth.revoke_user(1)
    shelf.auth.end_sessions(1)  # logged out everywhere, say
    response = browser.get("/bookmarks?view=unread")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/bookmarks?view%3Dunread"
    assert "tokens" not in session_of(browser)
    html = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your session has ended; log in again." in html


def test_two_requests_racing_to_refresh_trade_the_refresh_token_once(shelf_app, shelf):
    """auth revokes a login whose refresh token is presented twice: the second of two
    concurrent requests with the old cookie must reuse the first one's trade."""
    shelf.auth.expires_in = 0
    one = shelf_app.test_client()
    log_in(one)
    shelf.auth.expires_in = 900  # the renewed tokens last
    cookie = one.get_cookie("shelf_session").value
    two = shelf_app.test_client()
    two.set_cookie("shelf_session", cookie)
    assert one.get("/bookmarks").status_code == 200
    assert two.get("/bookmarks").status_code == 200  # same old cookie: not a reuse at auth
    assert len(shelf.auth.called("POST", "/v1/sessions/refresh")) == 1
    assert shelf.auth.refresh_tokens  # the login is still alive at auth


def test_logging_out_revokes_the_refresh_token_at_auth(browser, shelf):
    log_in(browser)
    refresh_token = session_of(browser)["tokens"]["refresh"]
    response = submit(browser, "/bookmarks", action="/logout")
    assert response.status_code == 302
    assert shelf.auth.called("POST", "/v1/sessions/logout")[0].json == {
        "refresh_token": refresh_token
    }
    assert refresh_token not in shelf.auth.refresh_tokens
    assert "tokens" not in session_of(browser)
    assert browser.get("/bookmarks").status_code == 302


def test_logging_in_redirects_only_to_this_site(browser, shelf):
    html = browser.get("/login?next=//evil.example/").get_data(as_text=True)
    response = browser.post(
        "/login",
        data={
            "username": "alice",
            "password": "alice-password",
            "next": "//evil.example/",
            "csrf_token": csrf_token(html),
        },
    )
    assert response.headers["Location"] == "/bookmarks"
    browser.post(
        "/logout", data={"csrf_token": csrf_token(browser.get("/bookmarks").get_data(as_text=True))}
    )
    html = browser.get("/login?next=/settings").get_data(as_text=True)
    response = browser.post(
        "/login",
        data={
            "username": "alice",
            "password": "alice-password",
            "next": "/settings",
            "csrf_token": csrf_token(html),
        },
    )
    assert response.headers["Location"] == "/settings"


def test_pages_need_a_login(browser):
    for path in ("/bookmarks", "/bookmarks/new", "/settings", "/import", "/export"):
        response = browser.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login?next=" + path)


def test_signing_up_logs_the_new_user_in(browser, shelf):
    response = submit(
        browser,
        "/signup",
        data={
            "username": "bob",
            "email": "bob@example.org",
            "password": "bob-password",
            "confirm": "bob-password",
        },
    )
    assert response.status_code == 302
    assert shelf.auth.called("POST", "/v1/users")[0].json == {
        "username": "bob",
        "password": "bob-password",
        "email": "bob@example.org",
    }
    assert session_of(browser)["user"]["username"] == "bob"


def test_sign_up_shows_auths_field_errors_and_keeps_the_values(browser, shelf):
    response = submit(
        browser,
        "/signup",
        data={
            "username": "alice",
            "email": "a2@example.org",
            "password": "short",
            "confirm": "short",
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "This username is taken." in html
    assert "Use at least 8 characters." in html
    assert 'value="a2@example.org"' in html


def test_sign_up_when_closed_says_so(browser, shelf):
    opened = browser.get("/signup").get_data(as_text=True)  # open when the page was opened
    shelf.auth.signup_open = False
    response = browser.post(
        "/signup",
        data={
            "username": "bob",
            "password": "bob-password",
            "confirm": "bob-password",
            "csrf_token": csrf_token(opened),
        },
    )
    assert response.status_code == 403
    assert "Sign-up is closed" in response.get_data(as_text=True)
    assert 'value="bob"' in response.get_data(as_text=True)  # what was typed is kept


def test_forgot_and_reset_password(browser, shelf):
    browser.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    response = submit(browser, "/forgot-password", data={"login": "alice@example.org"})
    assert response.status_code == 302  # reloading the answer does not ask again
    assert response.headers["Location"] == "/forgot-password?sent=yes"
    sent = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "a link to choose a new password is on its way" in text(sent)
    assert shelf.auth.reset_requests == ["alice@example.org"]
    # auth throttles reset requests per client: it is told the browser's address.
    assert shelf.auth.called("POST", "/v1/password-resets")[0].forwarded_for == "203.0.113.9"
    token = next(iter(shelf.auth.reset_tokens))

    bad = submit(
        browser,
        "/reset-password/not-a-token",
        data={"password": "new-password-1", "confirm": "new-password-1"},
    )
    assert bad.status_code == 422
    assert "This reset link is not valid or has expired" in bad.get_data(as_text=True)

    good = submit(
        browser,
        f"/reset-password/{token}",
        data={"password": "new-password-1", "confirm": "new-password-1"},
    )
    assert good.status_code == 302 and good.headers["Location"] == "/login"
    assert shelf.auth.called("POST", "/v1/password-resets/confirm")[-1].json == {
        "token": token,
        "password": "new-password-1",
    }
    log_in(browser, "alice", "new-password-1")


def test_too_many_reset_requests_say_so_and_keep_what_was_typed(browser, shelf):
    shelf.auth.reset_refusal = "Too many password reset requests; try again in 600 seconds."
    response = submit(browser, "/forgot-password", data={"login": "alice@example.org"})
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert "try again in 600 seconds" in html
    assert 'value="alice@example.org"' in html
    assert "on its way" not in html


def test_logging_in_while_auth_is_down_says_so_and_keeps_the_username(browser, shelf):
    shelf.auth.stop()
    response = submit(browser, "/login", data={"username": "alice", "password": "alice-password"})
    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert "The <strong>auth</strong> service is down" in html
    assert 'value="alice"' in html


# -- a copied session cookie after the login ended (issue 11, item 4) ---------------------------


def copied_cookie(shelf_app, shelf):
    """alice logged in on one browser, and a copy of that browser's session cookie."""
    one = shelf_app.test_client()
    log_in(one)
    thief = shelf_app.test_client()
    thief.set_cookie("shelf_session", one.get_cookie("shelf_session").value)
    assert thief.get("/bookmarks").status_code == 200  # the copy works while the login does
    return one, thief


def assert_sent_to_log_in(thief, shelf) -> None:
    served = len([c for c in shelf.api.received if c.path == "/api/bookmarks/"])
    answer = thief.get("/bookmarks?view=unread")
    assert answer.status_code == 302  # not an error page
    assert answer.headers["Location"] == "/login?next=/bookmarks?view%3Dunread"
    assert "tokens" not in session_of(thief) and "user" not in session_of(thief)
    assert thief.get("/settings").status_code == 302  # and it stays logged out
    calls = [c for c in shelf.api.received if c.path == "/api/bookmarks/"][served:]
    assert all(shelf.auth.identify(c.authorization) is None for c in calls)


def test_a_copied_cookie_gets_nothing_after_logging_out(shelf_app, shelf):
    one, thief = copied_cookie(shelf_app, shelf)
    assert submit(one, "/bookmarks", action="/logout").status_code == 302
    assert_sent_to_log_in(thief, shelf)


def test_a_copied_cookie_gets_nothing_after_a_password_change(shelf_app, shelf):
    one, thief = copied_cookie(shelf_app, shelf)
    changed = submit(
        one,
        "/settings",
        action="/settings/password",
        data={
            "current_password": "alice-password",
            "new_password": "another-password",
            "confirm": "another-password",
        },
    )
    assert changed.status_code == 302
    assert one.get("/bookmarks").status_code == 200  # the browser that changed it stays in
    assert_sent_to_log_in(thief, shelf)


def test_a_copied_cookie_gets_nothing_after_deactivation(shelf_app, shelf):
    _one, thief = copied_cookie(shelf_app, shelf)
    admin = shelf_app.test_client()
    log_in(admin, "root")
    assert submit(admin, "/admin/users", action="/admin/users/1/deactivate").status_code == 302
    assert_sent_to_log_in(thief, shelf)


# -- the sign-up link follows auth's GET /v1/signup (contract C11) ------------------------------


def forget_signup_state(app) -> None:
    with app.app_context():
        signup_state().forget()


def signup_links(client) -> int:
    return sum(
        client.get(path).get_data(as_text=True).count('href="/signup"')
        for path in ("/", "/login", "/status")
    )


def test_sign_up_is_linked_only_while_it_is_open(shelf_app, shelf):
    # the menu on each page (twice: the wide one and the phone's), the home and login pages
    assert signup_links(shelf_app.test_client()) == 8
    shelf.auth.signup_open = False
    forget_signup_state(shelf_app)  # the ui asks auth at most every 30 s
    closed = shelf_app.test_client()
    assert signup_links(closed) == 0
    page = closed.get("/signup").get_data(as_text=True)
    assert "Sign-up is closed on this Shelf." in page and 'name="password"' not in page


def test_no_sign_up_link_when_auth_cannot_say(shelf_app, shelf):
    shelf.auth.signup_state_broken = True
    client = shelf_app.test_client()
    assert signup_links(client) == 0
    assert 'name="password"' in client.get("/signup").get_data(as_text=True)  # form stays
    shelf.auth.stop()
    forget_signup_state(shelf_app)
    assert client.get("/login").status_code == 200 and signup_links(client) == 0


# -- auth is told the person's address on every call it throttles (contract C8) -----------------


def test_every_call_auth_throttles_carries_the_persons_address(browser, shelf):
    browser.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    log_in(browser)
    submit(
        browser,
        "/settings",
        action="/settings/email",
        data={"email": "new@example.org", "password": "alice-password"},
    )
    submit(
        browser,
        "/settings",
        action="/settings/password",
        data={
            "current_password": "alice-password",
            "new_password": "another-password",
            "confirm": "another-password",
        },
    )
    submit(browser, "/bookmarks", action="/logout")
    submit(browser, "/forgot-password", data={"login": "alice"})
    token = next(iter(shelf.auth.reset_tokens))
    submit(
        browser,
        f"/reset-password/{token}",
        data={"password": "third-password", "confirm": "third-password"},
    )
    submit(
        browser,
        "/signup",
        data={"username": "bob", "password": "bob-password", "confirm": "bob-password"},
    )
    throttled = {
        ("POST", "/v1/sessions"),
        ("POST", "/v1/users/me/email"),
        ("POST", "/v1/users/me/password"),
        ("POST", "/v1/password-resets"),
        ("POST", "/v1/password-resets/confirm"),
        ("POST", "/v1/users"),
    }
    sent = {
        (c.method, c.path): c.forwarded_for
        for c in shelf.auth.received
        if (c.method, c.path) in throttled
    }
    assert sent == dict.fromkeys(throttled, "198.51.100.7")

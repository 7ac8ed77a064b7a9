"""Settings: API key, password, email, preferences, sharing."""

from browsing import csrf_token, log_in, submit, text


def test_making_an_api_key_shows_it_once_with_the_extension_snippet(browser, shelf):
    log_in(browser)
    page = browser.get("/settings").get_data(as_text=True)
    assert "You have no API key yet." in page
    response = submit(browser, "/settings", action="/settings/api-key")
    # Redirected: reloading the page that shows the key does not make another one.
    assert response.status_code == 302
    assert response.headers["Location"] == "/settings#api-key"
    shown = browser.get("/settings")
    assert shown.headers["Cache-Control"] == "no-store"
    html = shown.get_data(as_text=True)
    key = shelf.auth.api_key[1]
    assert len(shelf.auth.called("POST", "/v1/api-key")) == 1
    assert f'<code class="api-key" id="new-api-key">{key}</code>' in html
    snippet = html.split('class="facts extension-snippet"', 1)[1].split("</dl>", 1)[0]
    # SHELF_PUBLIC_URL unset: the front door on this machine (linkding clients' one address)
    assert "<code>http://127.0.0.1:8000</code>" in snippet
    assert f"<code>{key}</code>" in snippet
    later = browser.get("/settings").get_data(as_text=True)
    assert key not in later and f"…{key[-4:]}" in later


def test_changing_the_password_keeps_this_login(browser, shelf):
    log_in(browser)
    response = submit(
        browser,
        "/settings",
        action="/settings/password",
        data={
            "current_password": "alice-password",
            "new_password": "better-password",
            "confirm": "better-password",
        },
    )
    assert response.status_code == 302
    assert shelf.auth.accounts[1].password == "better-password"
    assert browser.get("/bookmarks").status_code == 200  # the new tokens are in the session


def test_a_wrong_current_password_is_shown_on_its_field(browser, shelf):
    log_in(browser)
    response = submit(
        browser,
        "/settings",
        action="/settings/password",
        data={
            "current_password": "nope",
            "new_password": "better-password",
            "confirm": "better-password",
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="current_password-errors"' in html
    assert "This is not your current password." in html


def test_changing_the_email(browser, shelf):
    log_in(browser)
    response = submit(
        browser,
        "/settings",
        action="/settings/email",
        data={"email": "new@example.org", "password": "alice-password"},
    )
    assert response.status_code == 302
    assert shelf.auth.accounts[1].email == "new@example.org"
    assert 'value="new@example.org"' in browser.get("/settings").get_data(as_text=True)


def test_preferences_live_in_a_signed_cookie_and_shape_the_list(browser, shelf):
    log_in(browser)
    response = submit(
        browser,
        "/settings",
        action="/settings/preferences",
        data={"page_size": "50", "sort": "title_asc", "new_tab": "y", "theme": "dark"},
    )
    assert response.status_code == 302
    cookie = next(
        value
        for value in response.headers.getlist("Set-Cookie")
        if value.startswith("shelf_prefs=")
    )
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite=lax"} <= flags and any(f.startswith("max-age=") for f in flags)
    shelf.api.add(1, "https://example.org/p", title="p")
    html = browser.get("/bookmarks").get_data(as_text=True)
    assert shelf.api.called("GET", "/api/bookmarks/")[-1].args["limit"] == "50"
    assert shelf.api.called("GET", "/api/bookmarks/")[-1].args["sort"] == "title_asc"
    assert 'target="_blank" rel="noopener noreferrer"' in html
    assert '<html lang="en" data-theme="dark">' in html  # every page, in the chosen theme
    assert '<meta name="color-scheme" content="dark">' in html


def test_a_tampered_preferences_cookie_is_ignored(browser, shelf):
    log_in(browser)
    browser.set_cookie("shelf_prefs", "eyJwYWdlX3NpemUiOjEwMDB9.forged")
    assert browser.get("/bookmarks").status_code == 200
    assert shelf.api.called("GET", "/api/bookmarks/")[-1].args["limit"] == "30"


def test_sharing_is_saved_in_apis_profile(browser, shelf):
    log_in(browser)
    response = submit(
        browser, "/settings", action="/settings/sharing", data={"enable_sharing": "y"}
    )
    assert response.status_code == 302
    assert shelf.api.called("PATCH", "/api/user/profile/")[0].json == {
        "enable_sharing": True,
        "enable_public_sharing": False,
    }


def test_settings_keep_the_typed_email_when_auth_is_down(browser, shelf):
    log_in(browser)
    html = browser.get("/settings").get_data(as_text=True)
    shelf.auth.stop()
    response = browser.post(
        "/settings/email",
        data={
            "email": "typed@example.org",
            "password": "alice-password",
            "csrf_token": csrf_token(html),
        },
    )
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "The <strong>auth</strong> service is down" in text(page)
    assert 'value="typed@example.org"' in page


def test_auto_tagging_rules_are_saved_in_apis_profile(browser, shelf):
    log_in(browser)
    response = submit(
        browser,
        "/settings",
        action="/settings/auto-tagging",
        data={"rules": "youtube.com video\r\nreddit.com/r/python python"},
    )
    assert response.status_code == 302
    assert shelf.api.called("PATCH", "/api/user/profile/")[0].json == {
        "auto_tagging_rules": "youtube.com video\nreddit.com/r/python python"
    }
    page = browser.get("/settings").get_data(as_text=True)
    assert "reddit.com/r/python python</textarea>" in page


def test_auto_tagging_rules_are_kept_when_api_is_down(browser, shelf):
    log_in(browser)
    html = browser.get("/settings").get_data(as_text=True)
    shelf.api.stop()
    response = browser.post(
        "/settings/auto-tagging",
        data={"rules": "typed.example kept", "csrf_token": csrf_token(html)},
    )
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "The <strong>api</strong> service is down" in text(page)
    assert "typed.example kept</textarea>" in page


def test_changing_the_password_can_revoke_the_api_key_and_says_so(browser, shelf):
    log_in(browser)
    submit(browser, "/settings", action="/settings/api-key")
    page = browser.get("/settings").get_data(as_text=True)
    assert 'name="revoke_api_key"' in page and "Also revoke my API key" in page
    response = submit(
        browser,
        "/settings",
        action="/settings/password",
        data={
            "current_password": "alice-password",
            "new_password": "better-password",
            "confirm": "better-password",
            "revoke_api_key": "y",
        },
    )
    assert response.status_code == 302
    assert shelf.auth.called("POST", "/v1/users/me/password")[0].json == {
        "current_password": "alice-password",
        "new_password": "better-password",
        "revoke_api_key": True,
    }
    told = text(browser.get("/settings").get_data(as_text=True))
    assert "Your password is changed. Your other devices are logged out." in told
    assert "Your API key is revoked: scripts and apps using it stop working" in told
    assert 1 not in shelf.auth.api_key


def test_changing_the_password_keeps_the_api_key_unless_asked(browser, shelf):
    log_in(browser)
    submit(browser, "/settings", action="/settings/api-key")
    key = shelf.auth.api_key[1]
    submit(
        browser,
        "/settings",
        action="/settings/password",
        data={
            "current_password": "alice-password",
            "new_password": "better-password",
            "confirm": "better-password",
        },
    )
    assert "revoke_api_key" not in shelf.auth.called("POST", "/v1/users/me/password")[0].json
    told = text(browser.get("/settings").get_data(as_text=True))
    assert "Your API key still works (you chose to keep it)." in told
    assert shelf.auth.api_key[1] == key


def test_reloading_settings_after_making_a_key_makes_no_other(browser, shelf):
    log_in(browser)
    made = submit(browser, "/settings", action="/settings/api-key")
    first = browser.get(made.headers["Location"]).get_data(as_text=True)
    key = shelf.auth.api_key[1]
    assert key in first
    reloaded = browser.get("/settings").get_data(as_text=True)  # what "reload" sends: a GET
    assert key not in reloaded and len(shelf.auth.called("POST", "/v1/api-key")) == 1


def test_the_theme_is_a_preference(browser, shelf):
    log_in(browser)
    assert '<option selected value="auto">' in browser.get("/settings").get_data(as_text=True)
    submit(
        browser,
        "/settings",
        action="/settings/preferences",
        data={"page_size": "30", "sort": "added_desc", "theme": "light"},
    )
    for path in ("/bookmarks", "/settings", "/help"):
        html = browser.get(path).get_data(as_text=True)
        assert '<html lang="en" data-theme="light">' in html, path
        assert '<meta name="color-scheme" content="light">' in html, path


def feed_url(html: str, name: str) -> str:
    return html.split(f'id="feed-{name}">', 1)[1].split("</code>", 1)[0]


def test_the_feeds_are_full_urls_at_the_address_in_use_and_the_key_can_be_replaced(browser, shelf):
    log_in(browser)
    html = browser.get("/settings").get_data(as_text=True)
    key = shelf.api.feed_keys[1]
    for name in ("all", "unread", "shared"):  # the test client's address: http://localhost
        assert feed_url(html, name) == f"http://localhost/feeds/{key}/{name}"
    assert "?q=" in text(html)
    asked = browser.get("/settings/feed-key")
    assert "The old ones stop working at once" in text(asked.get_data(as_text=True))
    assert shelf.api.called("POST", "/v1/feed-key") == []
    response = submit(browser, "/settings/feed-key")
    assert response.status_code == 302 and response.headers["Location"] == "/settings#feeds"
    assert shelf.api.feed_keys[1] != key
    later = browser.get("/settings").get_data(as_text=True)
    assert "the old feed URLs no longer work" in text(later)
    assert feed_url(later, "all") == f"http://localhost/feeds/{shelf.api.feed_keys[1]}/all"
    assert key not in later


def test_settings_show_without_the_feeds_when_api_cannot_give_them(browser, shelf):
    log_in(browser)
    shelf.api.stop()
    page = browser.get("/settings")
    assert page.status_code == 200
    assert "RSS feeds" in text(page.get_data(as_text=True))

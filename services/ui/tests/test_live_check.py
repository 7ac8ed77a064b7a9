"""The add form's live check: /bookmarks/check (JSON) for the page's script."""

from browsing import csrf_token, log_in


def test_the_check_answers_the_saved_bookmarks_own_values(browser, shelf):
    shelf.api.add(
        1,
        "https://example.org/saved",
        title="Mine",
        tag_names=["a", "b"],
        notes="my notes",
        unread=True,
    )
    shelf.api.auto_tags["https://example.org/saved"] = ["auto"]  # what api's rules give it
    log_in(browser)
    answer = browser.get(
        "/bookmarks/check?url=https%3A%2F%2Fexample.org%2Fsaved",
        headers={"Accept": "application/json"},
    )
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["bookmark"] == {
        "id": 1,
        "url": "https://example.org/saved",
        "title": "Mine",
        "description": "",
        "notes": "my notes",
        "tag_names": ["a", "b"],
        "unread": True,
        "shared": False,
        "date_added": "2026-11-24T09:46:23.006313Z",
        "edit_url": "/bookmarks/1/edit",
    }
    assert body["auto_tags"] == ["auto"]


def test_the_check_of_a_new_url_says_what_the_page_says(browser, shelf):
    shelf.api.pages["https://example.org/new"] = {
        "title": "<b>Bold</b> title",
        "description": "About it",
    }
    log_in(browser)
    body = browser.get(
        "/bookmarks/check?url=https%3A%2F%2Fexample.org%2Fnew",
        headers={"Accept": "application/json"},
    ).get_json()
    assert body == {
        "bookmark": None,
        "title": "<b>Bold</b> title",
        "description": "About it",
        "auto_tags": [],
    }  # text: the script puts it in fields, never as HTML


def test_the_check_needs_a_login_and_a_url(browser, shelf):
    refused = browser.get(
        "/bookmarks/check?url=https%3A%2F%2Fexample.org%2F", headers={"Accept": "application/json"}
    )
    assert refused.status_code == 401
    assert refused.mimetype == "application/problem+json"
    log_in(browser)
    assert (
        browser.get("/bookmarks/check", headers={"Accept": "application/json"}).status_code == 422
    )


def test_the_check_says_api_is_down(browser, shelf):
    log_in(browser)
    shelf.api.stop()
    answer = browser.get(
        "/bookmarks/check?url=https%3A%2F%2Fexample.org%2F", headers={"Accept": "application/json"}
    )
    assert answer.status_code == 503 and "api" in answer.get_json()["detail"]


def test_a_check_answered_after_the_save_does_not_undo_what_the_save_put_in_the_session(
    shelf_app, browser, shelf
):
    """The form's script may still be checking the URL when Save is clicked, and the check's
    answer may arrive after the save's. A browser keeps whichever cookie came last: the check,
    which changed nothing, must not send back the session it read before the save (that wiped
    the "Saved." message, and could put back a refresh token auth had already rotated)."""
    log_in(browser)
    form = browser.get("/bookmarks/new").get_data(as_text=True)
    cookie_before_save = browser.get_cookie("shelf_session").value
    saved = browser.post(
        "/bookmarks/new",
        data={"url": "https://example.org/raced", "csrf_token": csrf_token(form)},
    )
    assert saved.status_code == 302

    script = shelf_app.test_client()  # the check, sent with the cookie it had then
    script.set_cookie("shelf_session", cookie_before_save)
    checked = script.get(
        "/bookmarks/check?url=https%3A%2F%2Fexample.org%2Fraced",
        headers={"Accept": "application/json"},
    )
    assert checked.status_code == 200
    for header in checked.headers.getlist("Set-Cookie"):  # what the browser would keep
        name, _, rest = header.partition("=")
        if name == "shelf_session":
            browser.set_cookie("shelf_session", rest.split(";", 1)[0])

    assert "Saved." in browser.get("/bookmarks").get_data(as_text=True)

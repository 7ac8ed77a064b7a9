"""The ui's settings page in-process against the real auth and api: the API key (made, shown
once, regenerated: the old key stops working on api), the password (the old one no longer logs
in), preferences (the page size changes the list), sharing and the public shared page, and
auto-tagging rules that tag a bookmark saved afterwards."""

from __future__ import annotations

import re
from urllib.parse import urlencode, urlsplit

import feedparser
import requests

from shelf_accounts import TIMEOUT, service_token
from ui_pages import ApiReader, Browser, logged_in, make_user, unique, wait_for

pytest_plugins = ["ui_fixtures"]
NEW_KEY = re.compile(r'<code class="api-key" id="new-api-key">([^<]+)</code>')


def new_key(html: str) -> str:
    """The API key a settings page shows once, just after it was made."""
    shown = NEW_KEY.search(html)
    assert shown, "no new API key on the page"
    return shown.group(1)


def introspect(system, key: str) -> dict:
    """What auth tells api about a key (api asks this, and caches the answer briefly)."""
    answer = requests.post(
        system.urls["auth"] + "/v1/api-keys/introspect",
        timeout=TIMEOUT,
        headers={"Authorization": f"Bearer {service_token(system, 'api')}"},
        json={"key": key},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_the_api_key_is_made_shown_once_and_regenerated(ui_app, shelf_system, admin):
    person = make_user(shelf_system, admin, "keyholder")
    browser = logged_in(ui_app, person)
    assert browser.get("/settings").shows("You have no API key yet.")

    answer = browser.submit("/settings", action="/settings/api-key")
    assert answer.status == 302 and answer.location == "/settings#api-key"
    made = browser.follow(answer)
    assert made.status == 200 and made.headers["Cache-Control"] == "no-store"
    first = new_key(made.html)
    snippet = made.html.split('class="facts extension-snippet"', 1)[1].split("</dl>", 1)[0]
    assert f"<code>{shelf_system.env['SHELF_PUBLIC_URL']}</code>" in snippet  # the base URL
    assert f"<code>{first}</code>" in snippet  # for linkding's browser extension
    assert introspect(shelf_system, first)["active"] is True
    shown_later = browser.get("/settings")
    assert first not in shown_later.html and shown_later.shows(f"…{first[-4:]}")

    again = browser.follow(browser.submit("/settings", action="/settings/api-key"))
    second = new_key(again.html)
    assert second != first
    assert again.shows("Your new API key (shown this once; the old one no longer works)")
    # The old key was never used on api, so no cached answer keeps it alive there.
    assert ApiReader(shelf_system, first).get("/api/bookmarks/").status_code == 401
    assert ApiReader(shelf_system, second).get("/api/bookmarks/").status_code == 200
    assert introspect(shelf_system, first)["active"] is False
    # Reloading the page that showed it (a GET) makes no other key.
    reloaded = browser.get("/settings")
    assert second not in reloaded.html and reloaded.shows(f"…{second[-4:]}")
    assert introspect(shelf_system, second)["active"] is True


def test_changing_the_password_keeps_this_login_and_the_old_one_stops_working(
    ui_app, shelf_system, admin
):
    person = make_user(shelf_system, admin, "changer")
    browser, elsewhere = logged_in(ui_app, person), logged_in(ui_app, person)
    other_refresh = elsewhere.tokens()["refresh"]

    wrong = browser.submit(
        "/settings",
        {"current_password": "not it", "new_password": "x" * 12, "confirm": "x" * 12},
        action="/settings/password",
    )
    assert wrong.status == 422
    assert 'id="current_password-errors"' in wrong.html
    assert person.log_in().status_code == 201  # unchanged

    new_password = "a brand new passphrase"
    changed = browser.submit(
        "/settings",
        {
            "current_password": person.password,
            "new_password": new_password,
            "confirm": new_password,
        },
        action="/settings/password",
    )
    assert changed.status == 302 and changed.location == "/settings"
    told = browser.follow(changed)
    assert told.shows("Your password is changed. Your other devices are logged out.")
    assert told.shows("You have no API key.")  # none was made; none was asked to go
    assert browser.get("/bookmarks").status == 200  # this login goes on, with new tokens

    refused = Browser(ui_app).submit(
        "/login", {"username": person.username, "password": person.password}
    )
    assert refused.status == 401 and refused.shows("Wrong username or password.")
    assert (
        Browser(ui_app).log_in(person.username, new_password).shows(f"Welcome, {person.username}.")
    )
    # The other device's login cannot be renewed any more.
    renewed = requests.post(
        shelf_system.urls["auth"] + "/v1/sessions/refresh",
        timeout=TIMEOUT,
        json={"refresh_token": other_refresh},
    )
    assert renewed.status_code == 401


def test_preferences_change_the_page_size_and_order_of_the_list(ui_app, shelf_system, admin):
    person = make_user(shelf_system, admin, "prefers")
    word = unique("zq")
    made = [
        person.api.add(f"https://example.org/{word}/{n}", title=f"{word} {chr(97 + n)}")
        for n in range(35)
    ]
    browser = logged_in(ui_app, person)
    first = browser.get(f"/bookmarks?q={word}")
    assert len(first.ids()) == 30 and 'aria-label="Page 1 of 2"' in first.html  # 30 a page
    assert first.ids() == [b["id"] for b in reversed(made)][:30]  # newest first

    saved = browser.submit(
        "/settings", {"page_size": "50", "sort": "title_asc"}, action="/settings/preferences"
    )
    assert saved.status == 302
    assert browser.follow(saved).shows("Preferences saved (in this browser).")
    after = browser.get(f"/bookmarks?q={word}")
    assert after.ids() == [b["id"] for b in made]  # all 35 on one page, by title
    assert 'aria-label="Page 1 of' not in after.html
    fresh = Browser(ui_app)  # another browser keeps its own preferences
    fresh.log_in(person.username)
    assert len(fresh.get(f"/bookmarks?q={word}").ids()) == 30


def test_sharing_settings_decide_who_sees_shared_bookmarks(ui_app, shelf_system, admin):
    sharer, colleague = (
        make_user(shelf_system, admin, "sharer"),
        make_user(shelf_system, admin, "colleague"),
    )
    word = unique("zq")
    public = sharer.api.add(f"https://example.org/{word}/public", title=f"{word} shared one")
    private = sharer.api.add(f"https://example.org/{word}/private", title=f"{word} mine only")
    browser = logged_in(ui_app, sharer)
    marked = browser.submit(
        f"/bookmarks/{public['id']}/edit",
        {"url": public["url"], "title": public["title"], "shared": "y"},
    )
    assert marked.status == 302
    marked_shared = sharer.api.bookmark(public["id"])
    assert marked_shared is not None and marked_shared["shared"] is True
    assert browser.get(f"/bookmarks?view=shared&q={word}").ids() == [public["id"]]

    anonymous, other = Browser(ui_app), logged_in(ui_app, colleague)

    def shared_ids(who: Browser) -> list[int]:
        page = who.get("/shared?" + urlencode({"q": word}))
        assert page.status == 200
        return page.ids()

    assert shared_ids(anonymous) == [] and shared_ids(other) == []  # sharing is off
    # ...and the sharer's own Shared page says why theirs is not there, and where to go.
    own = browser.get("/shared?" + urlencode({"q": word}))
    assert own.shows(
        'You marked 1 bookmark "Share", but sharing is off in your settings, so '
        "nobody else sees it."
    )
    assert "/settings#sharing" in own.reader.links

    saved = browser.submit(
        "/settings",
        {"enable_sharing": "y", "enable_public_sharing": "y"},
        action="/settings/sharing",
    )
    assert saved.status == 302 and browser.follow(saved).shows("Sharing settings saved.")
    profile = sharer.api.profile()
    assert profile["enable_sharing"] is True and profile["enable_public_sharing"] is True
    assert shared_ids(anonymous) == [public["id"]]
    assert shared_ids(other) == [public["id"]]
    page = anonymous.get("/shared?" + urlencode({"q": word}))
    assert page.shows("What people on this Shelf share publicly.")
    assert page.shows(f"{word} shared one") and private["title"] not in page.text
    assert f"/bookmarks/{public['id']}/edit" not in page.html

    browser.submit("/settings", {"enable_sharing": "y"}, action="/settings/sharing")
    assert sharer.api.profile()["enable_public_sharing"] is False
    assert shared_ids(anonymous) == []  # no longer public...
    assert shared_ids(other) == [public["id"]]  # ...still shared with the other users


def test_auto_tagging_rules_tag_a_bookmark_saved_afterwards(ui_app, shelf_system, admin, site):
    person = make_user(shelf_system, admin, "tagger")
    word = unique("auto")
    rules = f"# my rules\n127.0.0.1/{word} reading {word}\nexample.org/video video"
    browser = logged_in(ui_app, person)
    saved = browser.submit(
        "/settings", {"rules": rules.replace("\n", "\r\n")}, action="/settings/auto-tagging"
    )
    assert saved.status == 302 and browser.follow(saved).shows("Auto-tagging rules saved.")
    assert person.api.profile()["auto_tagging_rules"] == rules
    assert browser.get("/settings").textarea("rules") == rules

    url = site.page(f"/{word}/article", "An article the rules match")
    opened = browser.get("/bookmarks/new?" + urlencode({"url": url}))
    assert opened.shows(f"Your auto-tagging rules add #reading #{word} when it is saved.")
    answer = browser.submit("/bookmarks/new", {"url": url, "tags": "typed"})
    assert answer.status == 302
    tagged = person.api.by_url(url)
    assert tagged is not None and tagged["tag_names"] == sorted(["reading", "typed", word])

    elsewhere = site.page(f"/other-{word}/article", "An article no rule matches")
    assert not browser.get("/bookmarks/new?" + urlencode({"url": elsewhere})).shows(
        "Your auto-tagging rules add"
    )
    browser.submit("/bookmarks/new", {"url": elsewhere})
    untagged = person.api.by_url(elsewhere)
    assert untagged is not None and untagged["tag_names"] == []


def test_changing_the_password_can_revoke_the_api_key(ui_app, shelf_system, admin):
    """Issue 11, item 4: a visible choice to revoke the API key with the password, and the
    page says what became of it (as auth says afterwards)."""
    person = make_user(shelf_system, admin, "revoker")
    browser = logged_in(ui_app, person)
    key = new_key(browser.follow(browser.submit("/settings", action="/settings/api-key")).html)
    assert ApiReader(shelf_system, key).get("/api/bookmarks/").status_code == 200
    form = browser.get("/settings")
    assert form.shows("Also revoke my API key") and "revoke_api_key" in form.reader.checked

    new_password = "another brand new passphrase"
    changed = browser.submit(
        "/settings",
        {
            "current_password": person.password,
            "new_password": new_password,
            "confirm": new_password,
            "revoke_api_key": "y",
        },
        action="/settings/password",
    )
    assert changed.status == 302
    told = browser.follow(changed)
    assert told.shows(
        "Your API key is revoked: scripts and apps using it stop working until you make a new one."
    )
    assert introspect(shelf_system, key)["active"] is False
    # api hears of the revocation from auth's feed within its poll interval (seconds)
    wait_for(
        lambda: ApiReader(shelf_system, key).get("/api/bookmarks/").status_code == 401,
        within=30,
        what="api refusing the revoked API key",
    )


FEED_URL = re.compile(r'<code class="feed-url" id="feed-(\w+)">([^<]+)</code>')


def test_the_feed_urls_in_settings_are_rss_and_a_new_key_ends_the_old_ones(
    ui_app, shelf_system, admin
):
    person = make_user(shelf_system, admin, "reader")
    word = unique("zq")
    person.api.add(
        f"https://example.org/{word}/feed",
        title=f"{word} <in a feed>",
        tag_names=["news"],
        unread=True,
    )
    browser = logged_in(ui_app, person)
    page = browser.get("/settings")
    feeds = dict(FEED_URL.findall(page.html))
    assert set(feeds) == {"all", "unread", "shared"}
    # Full URLs at the address the browser used (the test client's: http://localhost).
    assert all(url.startswith("http://localhost/feeds/") for url in feeds.values())
    assert page.shows("Add ?q= and a search to any of them")

    def fetch(url: str, **params) -> requests.Response:
        # The same path at the system's front door, which routes /feeds/* to api.
        return requests.get(
            shelf_system.front_door + urlsplit(url).path, params=params, timeout=TIMEOUT
        )

    answer = fetch(feeds["unread"], q=word)
    assert answer.status_code == 200, answer.text
    assert answer.headers["Content-Type"].startswith("application/rss+xml")
    parsed = feedparser.parse(answer.content)  # a feed reader's library
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "rss20"
    assert [entry.title for entry in parsed.entries] == [f"{word} <in a feed>"]
    assert parsed.entries[0].link == f"https://example.org/{word}/feed"
    assert [tag.term for tag in parsed.entries[0].tags] == ["news"]

    asked = browser.get("/settings/feed-key")
    assert asked.shows("The old ones stop working at once")
    assert fetch(feeds["all"]).status_code == 200  # asking changed nothing
    done = browser.submit("/settings/feed-key")
    assert done.status == 302 and done.location == "/settings#feeds"
    later = browser.follow(done)
    assert later.shows("the old feed URLs no longer work")
    new = dict(FEED_URL.findall(later.html))
    assert new["all"] != feeds["all"]
    assert fetch(feeds["all"]).status_code == 404
    assert fetch(new["all"]).status_code == 200

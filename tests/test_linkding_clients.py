"""linkding's clients, given the one address a person gives them: the front door.

- aiolinkding (PyPI, the library Home Assistant's linkding integration and linkding-cli use):
  its documented entry point checks GET /health first, then every method it has.
- linkding's browser extension: its calls replayed exactly as its source makes them (it is a
  browser add-on, not a package this suite can install): the options page's connection test,
  the popup (profile, tags with ?limit=5000, the URL check), saving with ?disable_scraping, the
  omnibox search and the page it opens at <base>/bookmarks?q=..., and deleting.

Some assertions wait on api's side of issue 12 (C6 /health, no 1,000 cap on `limit`, forms on
write endpoints, Unicode case folding); they are written against the contract.
"""

from __future__ import annotations

import asyncio
from urllib.parse import quote

import pytest
import requests
from aiolinkding import async_get_client
from aiolinkding.errors import RequestError

from loopback_site import Site
from shelf_accounts import api_key, make_admin, make_user, unique
from test_front_door import front_door_session
from ui_pages import wait_for

TIMEOUT = (3, 30)


@pytest.fixture(scope="module")
def person(shelf_system):
    return make_user(shelf_system, make_admin(shelf_system), "linkding")


@pytest.fixture(scope="module")
def token(shelf_system, person) -> str:
    return api_key(shelf_system, person)


@pytest.fixture(scope="module")
def site():
    with Site() as served:
        yield served


def test_aiolinkding_s_whole_method_set(shelf_system, token):
    asyncio.run(drive_aiolinkding(shelf_system.front_door, token))


async def drive_aiolinkding(base: str, token: str) -> None:
    client = await async_get_client(base, token)  # GET /health first, version >= 1.22.0

    url = f"https://example.org/{unique('aio')}"
    made = await client.bookmarks.async_create(
        url,
        title="Read later",
        description="a page",
        notes="**notes**",
        tag_names=["aio", "linkding"],
        unread=True,
        shared=False,
    )
    assert (made["url"], made["title"], sorted(made["tag_names"]), made["unread"]) == (
        url,
        "Read later",
        ["aio", "linkding"],
        True,
    )
    assert (await client.bookmarks.async_get_single(made["id"]))["notes"] == "**notes**"

    found = await client.bookmarks.async_get_all(query="#aio", limit=10, offset=0)
    assert [b["id"] for b in found["results"]] == [made["id"]]
    changed = await client.bookmarks.async_update(
        made["id"], title="Read now", tag_names=["aio", "done"]
    )
    assert (changed["title"], sorted(changed["tag_names"])) == ("Read now", ["aio", "done"])

    await client.bookmarks.async_archive(made["id"])
    archived = await client.bookmarks.async_get_archived(query="#aio")
    assert [b["id"] for b in archived["results"]] == [made["id"]]
    assert (await client.bookmarks.async_get_all(query="#aio"))["results"] == []
    await client.bookmarks.async_unarchive(made["id"])
    assert (await client.bookmarks.async_get_all(query="#aio"))["count"] == 1

    tags = await client.tags.async_get_all(limit=100, offset=0)
    by_name = {tag["name"]: tag for tag in tags["results"]}
    assert {"aio", "done", "linkding"} <= set(by_name)
    assert (await client.tags.async_get_single(by_name["aio"]["id"]))["name"] == "aio"
    # aiolinkding sends {"example": name}; linkding answers 400 naming the missing "name",
    # and so does Shelf: the library raises its RequestError with that answer.
    with pytest.raises(RequestError, match="name"):
        await client.tags.async_create("aio-new")

    profile = await client.user.async_get_profile()
    assert {"theme", "bookmark_date_display", "web_archive_integration"} <= set(profile)

    await client.bookmarks.async_delete(made["id"])
    assert (await client.bookmarks.async_get_all(query=url))["count"] == 0


def test_the_browser_extension_s_calls(shelf_system, person, token, site):
    base = shelf_system.front_door
    api = requests.Session()
    api.headers["Authorization"] = f"Token {token}"

    # Options page: "Test connection".
    tested = api.get(f"{base}/api/bookmarks/?limit=1", timeout=TIMEOUT)
    assert tested.status_code == 200 and "results" in tested.json()

    # The popup opens: the profile, every tag for completion, what Shelf knows of the tab.
    tag = unique("ext")
    api.post(f"{base}/api/tags/", json={"name": tag}, timeout=TIMEOUT).raise_for_status()
    assert api.get(f"{base}/api/user/profile/", timeout=TIMEOUT).status_code == 200
    tags = api.get(f"{base}/api/tags/?limit=5000", timeout=TIMEOUT)
    assert tags.status_code == 200 and tag in [t["name"] for t in tags.json()["results"]]
    page = site.page(f"/{unique('tab')}.html", "A tab worth keeping", "What it says")
    checked = api.get(
        f"{base}/api/bookmarks/check/?url={quote(page, safe='')}", timeout=TIMEOUT
    ).json()
    assert checked["bookmark"] is None
    assert checked["metadata"]["title"] == "A tab worth keeping"

    # Save: the form's fields, as the extension posts them.
    saved = api.post(
        f"{base}/api/bookmarks/?disable_scraping&disable_html_snapshot",
        timeout=TIMEOUT,
        json={
            "url": page,
            "title": checked["metadata"]["title"],
            "description": checked["metadata"]["description"] or "",
            "notes": "",
            "tag_names": [tag, "reading"],
            "unread": True,
            "shared": False,
        },
    )
    assert saved.status_code == 201, saved.text
    bookmark = saved.json()
    again = api.get(
        f"{base}/api/bookmarks/check/?url={quote(page, safe='')}", timeout=TIMEOUT
    ).json()
    assert again["bookmark"]["id"] == bookmark["id"] and again["bookmark"]["date_added"]

    # The omnibox: suggestions, then the search page at the same base URL.
    suggestions = api.get(
        f"{base}/api/bookmarks/?q={quote('worth keeping')}&limit=5", timeout=TIMEOUT
    ).json()["results"]
    assert [b["id"] for b in suggestions] == [bookmark["id"]]
    browser = front_door_session(shelf_system, person.username)
    opened = browser.get(f"{base}/bookmarks?q={quote('worth keeping')}", timeout=TIMEOUT)
    assert opened.status_code == 200 and "A tab worth keeping" in opened.text

    # Delete from the popup.
    assert (
        api.delete(
            f"{base}/api/bookmarks/{bookmark['id']}/",
            timeout=TIMEOUT,
            headers={"Content-Type": "application/json"},
        ).status_code
        == 204
    )
    gone = api.get(f"{base}/api/bookmarks/check/?url={quote(page, safe='')}", timeout=TIMEOUT)
    assert gone.json()["bookmark"] is None


def test_more_than_a_thousand_tags_in_one_page(shelf_system):
    """The extension loads tags with ?limit=5000 and reads `results` only (no cap at 1,000)."""
    person = make_user(shelf_system, make_admin(shelf_system), "tagger")
    api = requests.Session()
    api.headers["Authorization"] = f"Token {api_key(shelf_system, person)}"
    names = [f"t{number:04d}" for number in range(1010)]
    for start in range(0, len(names), 100):  # 100 tags per bookmark at most
        api.post(
            f"{shelf_system.front_door}/api/bookmarks/",
            timeout=TIMEOUT,
            json={
                "url": f"https://example.org/{unique('many')}",
                "tag_names": names[start : start + 100],
            },
        ).raise_for_status()
    tags = api.get(f"{shelf_system.front_door}/api/tags/?limit=5000", timeout=TIMEOUT)
    assert tags.status_code == 200, tags.text
    assert sorted(t["name"] for t in tags.json()["results"]) == names


def test_a_form_encoded_create_as_drf_accepts_it(shelf_system, token):
    url = f"https://example.org/{unique('form')}"
    made = requests.post(
        f"{shelf_system.front_door}/api/bookmarks/",
        timeout=TIMEOUT,
        headers={"Authorization": f"Token {token}"},
        data={"url": url, "title": "From a form", "tag_names": ["form"]},
    )
    assert made.status_code == 201, made.text
    assert (made.json()["url"], made.json()["title"]) == (url, "From a form")


def test_tags_and_search_fold_case_in_every_script(shelf_system, token):
    api = requests.Session()
    api.headers["Authorization"] = f"Token {token}"
    base = shelf_system.front_door
    word = unique("Ünï")
    first = api.post(
        f"{base}/api/bookmarks/",
        timeout=TIMEOUT,
        json={
            "url": f"https://example.org/{unique('fold')}",
            "title": f"ΣΟΦΊΑ {word}",
            "tag_names": [word],
        },
    ).json()
    second = api.post(
        f"{base}/api/bookmarks/",
        timeout=TIMEOUT,
        json={"url": f"https://example.org/{unique('fold')}", "tag_names": [word.lower()]},
    ).json()
    assert second["tag_names"] == first["tag_names"]  # one tag, whatever the case
    found = wait_for(
        lambda: (
            api.get(
                f"{base}/api/bookmarks/", timeout=TIMEOUT, params={"q": f"#{word.lower()}"}
            ).json()["count"]
            == 2
        ),
        within=60,
        what="#tag search folding case",
    )
    assert found
    by_word = api.get(f"{base}/api/bookmarks/", params={"q": "σοφία"}, timeout=TIMEOUT).json()
    assert first["id"] in [b["id"] for b in by_word["results"]]

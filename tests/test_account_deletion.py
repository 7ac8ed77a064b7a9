"""Deleting an account, end to end: an administrator deletes a user at auth, and without anyone
calling api by hand, the user's bookmarks, tags, bundles and public shares are gone from api
(auth's outbox -> tasks' `purge_user` job -> api's purge), a new account never inherits them,
and the deleted user's credentials open nothing.

This is the whole chain of issue 11's first item; each link has its own tests in its service."""

from __future__ import annotations

from functools import partial

import requests

from shelf_accounts import PASSWORD, Person, api_key, log_in, make_admin, make_user
from shelf_accounts import service_token as token_for
from shelf_system import ShelfSystem
from ui_pages import wait_for

TIMEOUT = (2, 15)
PURGE_DEADLINE = 60  # the outbox relay, the worker's poll and the job itself, on a busy machine


def call(
    system: ShelfSystem, method: str, path: str, headers: dict | None = None, **kwargs
) -> requests.Response:
    return requests.request(
        method, system.urls["api"] + path, headers=headers or {}, timeout=TIMEOUT, **kwargs
    )


def fill_account(system: ShelfSystem, person: Person) -> str:
    """A shared bookmark with tags and notes, and a bundle; the bookmark's URL."""
    url = f"https://example.org/{person.username}/keepsake"
    assert (
        call(
            system,
            "PATCH",
            "/api/user/profile/",
            person.headers,
            json={"enable_sharing": True, "enable_public_sharing": True},
        ).status_code
        == 200
    )
    made = call(
        system,
        "POST",
        "/api/bookmarks/",
        person.headers,
        json={
            "url": url,
            "title": "A keepsake",
            "notes": "private notes",
            "shared": True,
            "tag_names": ["keepsake", "family"],
        },
    )
    assert made.status_code == 201, made.text
    bundle = call(
        system,
        "POST",
        "/api/bundles/",
        person.headers,
        json={"name": "Keepsakes", "search": "#keepsake"},
    )
    assert bundle.status_code == 201, bundle.text
    return url


def public_shares(system: ShelfSystem, username: str | None = None) -> list[str]:
    params = {"limit": 100000, **({"user": username} if username else {})}
    answer = call(system, "GET", "/api/bookmarks/shared/", params=params)
    assert answer.status_code == 200, answer.text
    return [bookmark["url"] for bookmark in answer.json()["results"]]


def owned_by(system: ShelfSystem, owner_id: int) -> list[dict]:
    tasks = {"Authorization": f"Bearer {token_for(system, 'tasks', audience='api')}"}
    answer = call(system, "GET", "/v1/internal/bookmarks", tasks, params={"owner_id": owner_id})
    assert answer.status_code == 200, answer.text
    return answer.json()["results"]


def test_a_deleted_account_leaves_nothing_at_api_and_a_new_one_inherits_nothing(
    shelf_system: ShelfSystem,
):
    system = shelf_system
    admin = make_admin(system)
    leaving = make_user(system, admin, "leaving")
    make_user(system, admin, "after")  # the deleted id is not the highest one
    key = api_key(system, leaving)
    url = fill_account(system, leaving)
    assert url in public_shares(system, leaving.username)
    assert [b["url"] for b in owned_by(system, leaving.user_id)] == [url]

    deleted = requests.delete(
        f"{system.urls['auth']}/v1/admin/users/{leaving.user_id}",
        headers=admin.headers,
        timeout=TIMEOUT,
    )
    assert deleted.status_code == 204, deleted.text

    wait_for(
        lambda: not owned_by(system, leaving.user_id),
        PURGE_DEADLINE,
        "api to hold none of the deleted user's bookmarks",
    )
    assert url not in public_shares(system)
    assert public_shares(system, leaving.username) == []

    def refused(credentials: dict[str, str]) -> bool:
        return call(system, "GET", "/api/bookmarks/", credentials).status_code == 401

    for credentials in (leaving.headers, {"Authorization": f"Token {key}"}):
        wait_for(
            partial(refused, credentials), 10, "the deleted user's token and key to be refused"
        )

    # A new account with the same name: a new id, and nothing of the old one's.
    again = requests.post(
        system.urls["auth"] + "/v1/admin/users",
        headers=admin.headers,
        json={"username": leaving.username, "password": PASSWORD},
        timeout=TIMEOUT,
    )
    assert again.status_code == 201, again.text
    newcomer = log_in(system, leaving.username)
    assert newcomer.user_id != leaving.user_id
    for path in ("/api/bookmarks/", "/api/tags/", "/api/bundles/"):
        answer = call(system, "GET", path, newcomer.headers)
        assert answer.status_code == 200, answer.text
        assert answer.json()["results"] == [], f"{path} of the new account: {answer.text}"
    assert public_shares(system, leaving.username) == []

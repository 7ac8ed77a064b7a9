"""api's part of the security pass and of the one front door, against the running system:
linkding's /health, a deleted user's data purged and their name not lent to their shares,
ids never reused, form bodies, asset downloads with a relative data folder, bundle positions
under concurrent creates, and one user's page checks not taking every thread.

Each test makes its own people (unique names), so none depends on another."""

from __future__ import annotations

import threading
import uuid

import requests

from loopback_site import Site
from shelf_accounts import PASSWORD, Person, log_in, make_admin, make_user, service_token
from shelf_system import ShelfSystem
from ui_pages import wait_for

TIMEOUT = (2, 15)


def api(
    system: ShelfSystem, method: str, path: str, person: Person | None = None, **kwargs
) -> requests.Response:
    headers = {**(person.headers if person else {}), **kwargs.pop("headers", {})}
    return requests.request(
        method, system.urls["api"] + path, headers=headers, timeout=TIMEOUT, **kwargs
    )


# -- GET /health (contract C6) ------------------------------------------------------------------


def test_health_needs_no_token_and_is_unhealthy_while_auth_is_stopped(shelf_system):
    healthy = api(shelf_system, "GET", "/health")
    assert healthy.status_code == 200, healthy.text
    body = healthy.json()
    assert (body["status"], body["version"]) == ("healthy", "1.46.0")
    assert healthy.headers["X-Shelf-Version"] == body["shelf_version"]
    shelf_system.stop("auth")
    try:
        down = api(shelf_system, "GET", "/health")
        assert down.status_code == 503, down.text
        assert down.json()["status"] == "unhealthy"
    finally:
        if not shelf_system.is_running("auth"):
            shelf_system.start("auth")
    wait_for(
        lambda: api(shelf_system, "GET", "/health").status_code == 200,
        60,
        "/health healthy again once auth is back",
    )


# -- a deleted user (contract C2) ---------------------------------------------------------------


def share(system: ShelfSystem, person: Person, url: str) -> None:
    assert (
        api(
            system,
            "PATCH",
            "/api/user/profile/",
            person,
            json={"enable_sharing": True, "enable_public_sharing": True},
        ).status_code
        == 200
    )
    assert (
        api(
            system, "POST", "/api/bookmarks/", person, json={"url": url, "shared": True}
        ).status_code
        == 201
    )


def shared_by(system: ShelfSystem, username: str) -> list[str]:
    answer = api(system, "GET", "/api/bookmarks/shared/", params={"user": username})
    assert answer.status_code == 200, answer.text
    return [bookmark["url"] for bookmark in answer.json()["results"]]


def test_a_deleted_users_shares_are_never_a_new_accounts_and_the_purge_removes_them(shelf_system):
    admin = make_admin(shelf_system)
    old = make_user(shelf_system, admin, "leaving")
    make_user(shelf_system, admin, "staying")  # so the deleted id is not the highest one
    old_url = f"https://example.org/{old.username}/old"
    share(shelf_system, old, old_url)
    assert shared_by(shelf_system, old.username) == [old_url]

    deleted = requests.delete(
        f"{shelf_system.urls['auth']}/v1/admin/users/{old.user_id}",
        headers=admin.headers,
        timeout=TIMEOUT,
    )
    assert deleted.status_code == 204, deleted.text
    again = requests.post(
        shelf_system.urls["auth"] + "/v1/admin/users",
        timeout=TIMEOUT,
        headers=admin.headers,
        json={"username": old.username, "password": PASSWORD},
    )
    assert again.status_code == 201, again.text
    new = log_in(shelf_system, old.username)
    assert new.user_id != old.user_id
    new_url = f"https://example.org/{old.username}/new"
    share(shelf_system, new, new_url)
    assert shared_by(shelf_system, old.username) == [new_url]  # before any purge

    tasks = {"Authorization": f"Bearer {service_token(shelf_system, 'tasks')}"}
    purged = api(shelf_system, "DELETE", f"/v1/internal/users/{old.user_id}", headers=tasks)
    assert purged.status_code == 204, purged.text
    everyone = api(shelf_system, "GET", "/api/bookmarks/shared/", params={"limit": 100000})
    assert old_url not in [bookmark["url"] for bookmark in everyone.json()["results"]]
    left = api(
        shelf_system,
        "GET",
        "/v1/internal/bookmarks",
        params={"owner_id": old.user_id},
        headers=tasks,
    )
    assert left.json()["results"] == []
    assert (
        api(shelf_system, "DELETE", f"/v1/internal/users/{old.user_id}", headers=tasks).status_code
        == 204
    )


def test_a_deleted_bookmarks_id_is_never_given_again(shelf_system):
    person = make_user(shelf_system, make_admin(shelf_system), "ids")
    url = f"https://example.org/{person.username}/again"
    first = api(shelf_system, "POST", "/api/bookmarks/", person, json={"url": url}).json()
    assert api(shelf_system, "DELETE", f"/api/bookmarks/{first['id']}/", person).status_code == 204
    second = api(shelf_system, "POST", "/api/bookmarks/", person, json={"url": url}).json()
    assert second["id"] > first["id"]
    assert api(shelf_system, "GET", f"/api/bookmarks/{first['id']}/", person).status_code == 404


# -- bodies as DRF takes them ---------------------------------------------------------------------


def test_a_form_encoded_create_with_repeated_tag_names(shelf_system):
    person = make_user(shelf_system, make_admin(shelf_system), "form")
    answer = api(
        shelf_system,
        "POST",
        "/api/bookmarks/",
        person,
        data={
            "url": f"https://example.org/{person.username}",
            "title": "From a form",
            "tag_names": ["one", "two"],
            "unread": "true",
        },
    )
    assert answer.status_code == 201, answer.text
    assert (answer.json()["tag_names"], answer.json()["unread"]) == (["one", "two"], True)


# -- asset files under a relative SHELF_DATA_DIR ------------------------------------------------


def test_an_asset_downloads_with_a_relative_data_folder(shelf_system):
    """`make run` and the image keep SHELF_DATA_DIR relative (`var`)."""
    before = shelf_system.env["SHELF_DATA_DIR"]
    shelf_system.stop("api")
    shelf_system.env["SHELF_DATA_DIR"] = "relative-data"  # from the processes' folder
    try:
        shelf_system.start("api")
        person = make_user(shelf_system, make_admin(shelf_system), "asset")
        bookmark = api(
            shelf_system,
            "POST",
            "/api/bookmarks/",
            person,
            json={"url": f"https://example.org/{person.username}"},
        ).json()
        base = f"/api/bookmarks/{bookmark['id']}/assets/"
        asset = api(
            shelf_system,
            "POST",
            f"{base}upload/",
            person,
            files={"file": ("note.txt", b"kept relative", "text/plain")},
        ).json()
        download = api(shelf_system, "GET", f"{base}{asset['id']}/download/", person)
        assert download.status_code == 200, download.text
        assert download.content == b"kept relative"
        assert (shelf_system.folder / "relative-data" / "api-assets").is_dir()
    finally:
        shelf_system.stop("api")
        shelf_system.env["SHELF_DATA_DIR"] = before
        shelf_system.start("api")


# -- concurrency on the real gunicorn -----------------------------------------------------------


def test_bundles_created_at_once_each_get_their_own_position(shelf_system):
    person = make_user(shelf_system, make_admin(shelf_system), "bundles")
    start = threading.Barrier(8)
    statuses: list[int] = []

    def create(n: int) -> None:
        start.wait()
        for m in range(4):
            statuses.append(
                api(
                    shelf_system, "POST", "/api/bundles/", person, json={"name": f"b{n}-{m}"}
                ).status_code
            )

    threads = [threading.Thread(target=create, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert statuses == [201] * 32
    listed = api(shelf_system, "GET", "/api/bundles/", person).json()["results"]
    assert sorted(bundle["order"] for bundle in listed) == list(range(32))


def test_one_users_checks_cannot_take_every_thread_of_api(shelf_system):
    """Each api process reads at most two of one user's pages at once: of five checks on
    pages that hold, at most four (two workers) are read; the others answer at once."""
    site = Site().start()
    site.hold()  # pages answer only once the test lets them: a server dribbling its headers
    person = make_user(shelf_system, make_admin(shelf_system), "checks")
    urls = [site.page(f"/{uuid.uuid4().hex}", "Finally") for _ in range(5)]
    answers: list[str | None] = []

    def check(url: str) -> None:
        answer = api(shelf_system, "GET", "/api/bookmarks/check/", person, params={"url": url})
        answers.append(answer.json()["metadata"]["title"])

    threads = [threading.Thread(target=check, args=(url,)) for url in urls]
    try:
        for thread in threads:
            thread.start()
        wait_for(
            lambda: len(site.held) + len(answers) == 5,
            60,
            "every check either being read or answered",
        )
        assert len(site.held) <= 4
        assert answers and set(answers) == {None}  # answered at once, without the page
    finally:
        site.release()
        for thread in threads:
            thread.join(60)
        site.stop()
    assert answers.count("Finally") == len(site.held)

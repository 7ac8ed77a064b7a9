"""Concurrent requests on a file database (threads on the app, as gunicorn's threads run it):
a bundle's position stays unique per owner, and one user's page reads cannot take every
thread of api."""

import threading

from flask import Flask

from conftest import User, make_app, nowhere, wait_for
from shelf_kit.testing import LoopbackServer

THREADS = 8
EACH = 4


def test_bundles_created_at_once_each_get_their_own_position(database_url, auth_service):
    app = make_app(database_url, auth_service.url, nowhere())
    try:
        users = [User(app.test_client(), auth_service, 1, "ann") for _ in range(THREADS)]
        users[0].get("/api/bundles/")  # the profile exists
        start = threading.Barrier(THREADS)
        statuses = []

        def create(user, n):
            start.wait()
            for m in range(EACH):
                statuses.append(user.post("/api/bundles/", json={"name": f"b{n}-{m}"}).status_code)

        threads = [threading.Thread(target=create, args=(user, n)) for n, user in enumerate(users)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert statuses == [201] * THREADS * EACH
        listed = users[0].get("/api/bundles/").get_json()["results"]
        orders = sorted(bundle["order"] for bundle in listed)
        assert orders == list(range(THREADS * EACH))
    finally:
        app.extensions["shelf_db"].dispose()


def test_one_users_checks_read_at_most_two_pages_at_once(database_url, auth_service):
    """A page that holds the connection holds the thread reading it: a user's third check
    while two of their pages are being read answers at once, without reading, and another
    user's check still reads."""
    release = threading.Event()
    requested = []
    site = Flask("held-pages")

    @site.get("/held/<name>")
    def held(name):
        requested.append(name)
        release.wait(60)
        return "<title>Late</title>"

    server = LoopbackServer(site).start()
    app = make_app(
        database_url,
        auth_service.url,
        nowhere(),
        SHELF_FETCH_ALLOW_PRIVATE=True,
        SHELF_FETCH_TIMEOUT=90,
        SHELF_API_CHECK_TIMEOUT=90,
    )
    answers = {}

    def check(user, name):
        answer = user.get(
            "/api/bookmarks/check/", query_string={"url": f"{server.url}/held/{name}"}
        )
        answers[name] = (answer.status_code, answer.get_json()["metadata"]["title"])

    def reader(user_id, username):
        return User(app.test_client(), auth_service, user_id, username)

    threads = []
    third = None
    try:
        for name in ("one", "two"):
            threads.append(threading.Thread(target=check, args=(reader(1, "ann"), name)))
            threads[-1].start()
        assert wait_for(lambda: {"one", "two"} <= set(requested), 60)
        third = threading.Thread(target=check, args=(reader(1, "ann"), "three"))
        third.start()
        assert wait_for(lambda: not third.is_alive() or "three" in requested, 60)
        assert "three" not in requested
        assert answers["three"] == (200, None)  # answered, without the page
        threads.append(threading.Thread(target=check, args=(reader(2, "bob"), "bobs")))
        threads[-1].start()
        assert wait_for(lambda: "bobs" in requested, 60)  # another user is not held back
    finally:
        release.set()
        for thread in [*threads, *([third] if third else [])]:
            thread.join(60)
        server.stop()
        app.extensions["shelf_db"].dispose()
    assert answers["one"] == answers["two"] == answers["bobs"] == (200, "Late")

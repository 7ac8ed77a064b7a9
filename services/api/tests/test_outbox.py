"""The outbox: a new bookmark (or a new URL) asks tasks to fetch the page, in the same
transaction; the relay delivers it, and a tasks outage only delays it."""

import hashlib
import io
import time

from sqlalchemy import select

from conftest import User, make_app, tasks_stand_in, wait_for
from shelf_api.models import OutboxMessage
from shelf_kit.testing import free_port


def messages(database):
    with database.transaction() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def key_for(bookmark_id, url):
    return f"fetch_metadata:{bookmark_id}:{hashlib.sha1(url.encode()).hexdigest()[:12]}"


def test_creating_and_moving_a_bookmark_writes_fetch_messages(ann, database):
    created = ann.add("https://example.com/a")
    ann.patch(f"/api/bookmarks/{created['id']}/", json={"title": "no new fetch"})
    ann.patch(f"/api/bookmarks/{created['id']}/", json={"url": "https://EXAMPLE.com/a#x"})
    ann.patch(f"/api/bookmarks/{created['id']}/", json={"url": "https://example.com/b"})
    ann.post("/api/bookmarks/?disable_scraping", json={"url": "https://example.com/c"})
    found = messages(database)
    assert [m.payload for m in found] == [
        {
            "kind": "fetch_metadata",
            "args": {"bookmark_id": created["id"]},
            "idempotency_key": key_for(created["id"], "https://example.com/a"),
            "created_by": ann.id,
            "priority": 0,
        },
        {
            "kind": "fetch_metadata",
            "args": {"bookmark_id": created["id"]},
            "idempotency_key": key_for(created["id"], "https://example.com/b"),
            "created_by": ann.id,
            "priority": 0,
        },
    ]
    assert all(m.delivered_at is None and m.attempts == 0 for m in found)


def test_a_tasks_outage_delays_the_job_and_loses_nothing(database_url, database, auth_service):
    tasks_port = free_port()
    app = make_app(
        database_url,
        auth_service.url,
        f"http://127.0.0.1:{tasks_port}",
        SHELF_API_OUTBOX_RELAY=True,
        SHELF_API_OUTBOX_POLL_SECONDS=0.05,
        SHELF_API_OUTBOX_MAX_BACKOFF_SECONDS=0.2,
    )
    relay = app.extensions["shelf_api_relay"]
    tasks = tasks_stand_in(auth_service, port=tasks_port)
    try:
        ann = User(app.test_client(), auth_service, 1, "ann")
        started = time.monotonic()
        created = ann.add("https://example.com/page")  # tasks is down: still 201, at once
        assert time.monotonic() - started < 2
        assert wait_for(lambda: messages(database)[0].attempts >= 2)
        message = messages(database)[0]
        assert message.delivered_at is None
        assert "tasks is unavailable" in message.last_error
        tasks.start()  # tasks is back
        assert wait_for(lambda: messages(database) == [])  # delivered, then deleted
        assert tasks.jobs[0]["body"]["kind"] == "fetch_metadata"
        assert tasks.jobs[0]["body"]["args"] == {"bookmark_id": created["id"]}
        assert tasks.jobs[0]["body"]["created_by"] == 1
        assert tasks.jobs[0]["request_id"]  # the call carries a request id
        assert tasks.problems == []
    finally:
        relay.stop()
        tasks.stop()
        app.extensions["shelf_db"].dispose()


def import_file(user, count, folder="imported"):
    netscape = (
        "<!DOCTYPE NETSCAPE-Bookmark-file-1>\n<DL><p>\n"
        + "".join(
            f'<DT><A HREF="https://example.com/{folder}/{n}">Imported {n}</A>\n'
            for n in range(count)
        )
        + "</DL><p>\n"
    )
    answer = user.post(
        "/api/bookmarks/import/",
        data={"file": (io.BytesIO(netscape.encode()), "bookmarks.html")},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 201, answer.get_json()


def test_an_import_asks_for_its_pages_one_job_a_batch_behind_bookmarks_added_by_hand(ann, database):
    """Contract C10: `fetch_metadata {"bookmark_ids"}`, up to 500 a job, at a lower priority
    (a higher number) than a bookmark added by hand; the priority is the message's too (C4)."""
    import_file(ann, 501)
    ann.add("https://example.com/by-hand")
    found = messages(database)
    assert [(m.kind, m.priority, m.payload["priority"]) for m in found] == [
        ("fetch_metadata", 10, 10),
        ("fetch_metadata", 10, 10),
        ("fetch_metadata", 0, 0),
    ]
    batches = [m.payload["args"]["bookmark_ids"] for m in found[:2]]
    assert [len(ids) for ids in batches] == [500, 1]
    imported = ann.get("/api/bookmarks/?q=imported&limit=1000").get_json()["results"]
    assert sorted(batches[0] + batches[1]) == sorted(b["id"] for b in imported)
    assert len({m.payload["idempotency_key"] for m in found}) == 3


def test_a_bookmark_added_by_hand_is_delivered_before_an_imports_backlog(
    database_url, database, auth_service
):
    """While tasks was away three imports queued their pages' fetches; a bookmark added after
    them is the first delivered once tasks is back."""
    tasks = tasks_stand_in(auth_service)  # not started: tasks is away
    app = make_app(database_url, auth_service.url, tasks.url)
    try:
        ann = User(app.test_client(), auth_service, 1, "ann")
        for n in range(3):
            import_file(ann, 20, folder=f"import-{n}")
        by_hand = ann.add("https://example.com/by-hand")
        tasks.start()
        relay = app.extensions["shelf_api_relay"]
        relay.batch_size = 1
        assert relay.run_once() == 1
        assert [job["body"]["args"] for job in tasks.jobs] == [{"bookmark_id": by_hand["id"]}]
        assert len(messages(database)) == 3  # the imports' wait; the one delivered went
    finally:
        tasks.stop()
        app.extensions["shelf_db"].dispose()

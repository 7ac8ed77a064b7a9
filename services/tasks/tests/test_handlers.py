"""Shelf's handlers, run by a worker against a stand-in api and auth, a loopback web site and a
real SMTP server (aiosmtpd)."""

import json
import threading
import time
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from shelf_fetch.testing import Trickle
from shelf_kit.db import get_database, utcnow
from shelf_kit.testing import free_port
from shelf_tasks import jobs
from shelf_tasks.extensions import services
from shelf_tasks.mail import PrintingHandler
from shelf_tasks.models import Job, JobState
from shelf_tasks.registry import JobContext

# --- fetch_metadata ---------------------------------------------------------------------------


def test_fetch_metadata_reads_the_page_and_updates_the_bookmark(run, api, site):
    api.add_bookmark(1, f"{site.url}/article")
    job = run("fetch_metadata", {"bookmark_id": 1}, request_id="req-add-bookmark-1")
    assert job.state == JobState.COMPLETED, job.errors
    assert job.result["fetched"] is True and job.result["title"] == "The Art of Keeping Links"
    [update] = api.metadata[1]
    assert update == {
        "url": f"{site.url}/article",
        "title": "The Art of Keeping Links",
        "description": "Why bookmarks rot, and what to do.",
        "favicon_url": f"{site.url}/favicon.png",
        "preview_image_url": f"{site.url}/images/cover.png",
        "page_text": "Keeping links Links rot quietly .",
    }
    # Every call to api carried the request id of the request that caused the job.
    assert {call.request_id for call in api.received} == {"req-add-bookmark-1"}


def test_fetch_metadata_never_fetches_inside_the_network(run, api, site, connected_app, caplog):
    """Nor does its result say what the name resolved to (a lookup oracle for internal
    names): the address is in the service's log only."""
    connected_app.config["SHELF_FETCH_ALLOW_PRIVATE"] = False
    url = f"http://localhost:{site.port}/article"
    api.add_bookmark(1, url)
    job = run("fetch_metadata", {"bookmark_id": 1})
    assert job.state == JobState.COMPLETED
    assert job.result == {"fetched": False, "url": url, "reason": "refused: not a public address"}
    assert "127.0.0.1" not in json.dumps([job.result, job.errors])
    assert "127.0.0.1 is a loopback address" in caplog.text
    assert site.hits == [] and api.metadata == {}


def test_fetch_metadata_for_a_deleted_bookmark_or_a_changed_url_writes_nothing(run, api, site):
    assert run("fetch_metadata", {"bookmark_id": 404}).result == {
        "skipped": "the bookmark was deleted"
    }
    api.add_bookmark(2, f"{site.url}/article")
    api.url_changes[2] = f"{site.url}/elsewhere"
    job = run("fetch_metadata", {"bookmark_id": 2})
    assert job.state == JobState.COMPLETED
    assert "URL changed" in job.result["skipped"]
    assert api.metadata == {}


def test_fetch_metadata_retries_while_api_is_down_and_keeps_the_errors(run, api):
    """api down for good: its interruptions are given back a bounded number of times
    (SHELF_TASKS_MAX_INTERRUPTIONS, 10), then its attempts count, and the job ends."""
    api.fail_with = 503
    job = run("fetch_metadata", {"bookmark_id": 1}, max_attempts=2)
    assert (job.state, job.attempt, job.interruptions) == (JobState.DISCARDED, 2, 10)
    assert [e["attempt"] for e in job.errors] == [1] * 10 + [1, 2]
    assert all("ServiceUnavailable" in e["error"] for e in job.errors)
    assert all("not counted" in e["error"] for e in job.errors[:10])


def test_a_job_whose_page_never_finishes_ends_at_the_fetch_deadline(run, api, connected_app):
    """Issue 11, item 3: a server trickling its headers held a worker slot for minutes."""
    trickle = Trickle()
    try:
        connected_app.config["SHELF_FETCH_TIMEOUT"] = 1.5
        api.add_bookmark(1, f"{trickle.url}/headers")
        api.add_bookmark(2, f"{trickle.url}/redirect")
        # run() waits 30 s at most: far past the deadline, far short of a trickle's patience.
        one = run("fetch_metadata", {"bookmark_id": 1}, max_attempts=1)
        assert one.state == JobState.DISCARDED
        assert one.errors[0]["error"].startswith("FetchFailed: no answer within 1.5 s")
        batch = run("fetch_metadata", {"bookmark_ids": [1, 2]})
        assert batch.state == JobState.COMPLETED
        assert {page["reason"] for page in batch.result["pages"].values()} == {
            f"no answer within 1.5 s ({trickle.url}/headers)"
        }
        assert trickle.wait_until_closed(), "a fetch still holds its connection"
    finally:
        trickle.stop()


def test_a_batch_fetches_each_page_best_effort(run, api, site):
    """Contract C10: one page failing neither fails nor repeats the others."""
    site.status_for["/gone"] = 404
    api.add_bookmark(1, f"{site.url}/article")
    api.add_bookmark(2, "http://no-such-host.invalid/")
    api.add_bookmark(3, f"{site.url}/gone")
    api.add_bookmark(4, f"{site.url}/article?again")
    job = run("fetch_metadata", {"bookmark_ids": [1, 2, 3, 404, 4, 1]})
    assert job.state == JobState.COMPLETED, job.errors
    pages = job.result["pages"]
    assert list(pages) == ["1", "2", "3", "404", "4"]  # each once, in order
    assert pages["1"]["fetched"] and pages["4"]["fetched"]
    assert "could not be resolved" in pages["2"]["reason"]
    assert pages["3"]["reason"] == "answered 404"
    assert pages["404"] == {"skipped": "the bookmark was deleted"}
    assert sorted(api.metadata) == [1, 4] and all(len(v) == 1 for v in api.metadata.values())
    assert [path for _m, path, _h in site.hits].count("/article") == 2
    assert (job.progress, job.progress_message) == (100, "5 of 5 pages")


@pytest.mark.parametrize(
    "args",
    [
        {"bookmark_ids": []},
        {"bookmark_ids": list(range(1, 502))},
        {"bookmark_ids": [1, "2"]},
        {"bookmark_ids": 3},
    ],
)
def test_a_batch_of_the_wrong_shape_is_discarded_at_once(run, args):
    job = run("fetch_metadata", args)
    assert (job.state, job.attempt) == (JobState.DISCARDED, 1)
    assert "args.bookmark_ids must be a list of 1 to 500 integers" in job.errors[0]["error"]


def test_a_batch_short_of_time_hands_the_rest_to_a_new_job(connected_app, api, site, work):
    """No page fetched twice, none dropped, however long a batch of 500 slow pages takes."""
    from shelf_tasks.handlers.fetch_metadata import fetch_metadata

    for n in (1, 2, 3):
        api.add_bookmark(n, f"{site.url}/article?{n}")
    database = get_database(connected_app)
    with database.sessions() as session:
        job = jobs.enqueue(
            session,
            kind="fetch_metadata",
            priority=5,
            created_by=7,
            args={"bookmark_ids": [1, 2, 3]},
        )[0]
    # The handler as a worker runs it, with its time nearly up.
    context = JobContext(
        id=job.id,
        kind=job.kind,
        args=job.args,
        attempt=1,
        max_attempts=5,
        created_by=7,
        created_at=job.created_at,
        config=connected_app.config,
        services=services(connected_app),
        priority=5,
        deadline=time.monotonic() + 5,
    )
    first = fetch_metadata(context)
    assert first["rest"] == [1, 2, 3] and first["pages"] == {}
    rest = work(first["continued_in"])
    assert (rest.priority, rest.created_by, rest.args) == (5, 7, {"bookmark_ids": [1, 2, 3]})
    assert set(rest.result["pages"]) == {"1", "2", "3"}
    assert sorted(api.metadata) == [1, 2, 3]
    assert fetch_metadata(context)["continued_in"] == rest.id  # once, whatever happens


def test_a_job_with_bad_arguments_is_discarded_at_once(run):
    job = run("fetch_metadata", {"bookmark_id": "seven"})
    assert (job.state, job.attempt) == (JobState.DISCARDED, 1)
    assert job.errors[0]["error"] == "args.bookmark_id must be an integer, not 'seven'"


def test_a_non_html_page_is_not_parsed(run, api, site):
    api.add_bookmark(3, f"{site.url}/pdf")
    job = run("fetch_metadata", {"bookmark_id": 3})
    assert job.result["reason"] == "not a web page (application/pdf)"
    assert api.metadata == {}


# --- send_email -------------------------------------------------------------------------------


@pytest.fixture
def smtp(connected_app):
    handler = PrintingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    connected_app.config.update(
        SHELF_SMTP_HOST="127.0.0.1",
        SHELF_SMTP_PORT=port,
        SHELF_SMTP_FROM="Shelf <shelf@shelf.example>",
    )
    yield handler
    controller.stop()


def test_send_email_delivers_to_a_real_smtp_server(run, smtp):
    job = run(
        "send_email",
        {
            "to": "ada@example.com",
            "subject": "Reset your Shelf password",
            "text": "Open this link: https://shelf.example/reset/abc\n",
        },
    )
    assert job.state == JobState.COMPLETED, job.errors
    [mail] = smtp.received
    assert (mail["mail_from"], mail["rcpt_tos"]) == ("shelf@shelf.example", ["ada@example.com"])
    assert "Subject: Reset your Shelf password" in mail["content"]
    assert f"Message-ID: <shelf-job-{job.id}@shelf.example>" in mail["content"]
    assert "https://shelf.example/reset/abc" in mail["content"]


def test_nobody_ever_reads_a_reset_link_from_a_mail_job(connected_app, auth, work, smtp):
    """Issue 11, item 6: the link sat in the job's args, readable by admins and services, for
    30 days. While the mail waits the API hides its text from everyone; once sent, the row
    keeps none."""
    link = "https://shelf.example/reset-password/s3cr3t-t0ken"
    client = connected_app.test_client()
    service = {"Authorization": f"Bearer {auth.service_token('auth')}"}
    admin = {"Authorization": f"Bearer {auth.user_token(1, is_admin=True)}"}
    made = client.post(
        "/v1/jobs",
        headers=service,
        json={
            "kind": "send_email",
            "idempotency_key": "auth-password-reset-1",
            "args": {
                "to": "ada@example.com",
                "subject": "Reset your Shelf password",
                "text": f"Open this link within 60 minutes:\n\n{link}\n",
            },
        },
    )
    assert made.status_code == 201 and link not in made.get_data(as_text=True)
    job_id = made.get_json()["id"]
    again = client.post(
        "/v1/jobs",
        headers=service,
        json={"kind": "send_email", "idempotency_key": "auth-password-reset-1", "args": {}},
    )
    seen = [
        made,
        again,
        client.get("/v1/jobs", headers=admin),
        client.get("/v1/jobs", headers=service),
        client.get("/v1/jobs?kind=send_email&state=available", headers=admin),
        client.get(f"/v1/jobs/{job_id}", headers=admin),
        client.get(f"/v1/jobs/{job_id}", headers=service),
    ]
    assert all(answer.status_code in (200, 201) for answer in seen)
    assert not [answer.request.url for answer in seen if "s3cr3t" in answer.get_data(as_text=True)]
    listed = client.get(f"/v1/jobs/{job_id}", headers=admin).get_json()
    assert listed["args"]["to"] == "ada@example.com"  # what is not secret is still there
    assert listed["args"]["text"].startswith("(hidden")

    job = work(job_id)

    assert job.state == JobState.COMPLETED, job.errors
    [mail] = smtp.received
    assert link in mail["content"]  # the mail itself carries it
    assert job.args == {"to": "ada@example.com", "subject": "Reset your Shelf password"}
    retried = client.post(f"/v1/jobs/{job_id}/retry", headers=admin)
    assert retried.status_code == 200 and "s3cr3t" not in retried.get_data(as_text=True)
    assert work(job_id).errors[-1]["error"].startswith("the mail's text was deleted")
    assert len(smtp.received) == 1  # no empty mail either


def test_a_recipient_the_server_refuses_is_not_retried(run, smtp):
    async def refuse(server, session, envelope, address, options):
        return "550 5.1.1 no such user"

    smtp.handle_RCPT = refuse
    job = run("send_email", {"to": "nobody@example.com", "subject": "Hi", "text": "x"})
    assert (job.state, job.attempt) == (JobState.DISCARDED, 1)
    assert "refused" in job.errors[0]["error"]
    assert smtp.received == []


def test_send_email_retries_while_the_server_is_down(run, connected_app):
    connected_app.config.update(SHELF_SMTP_HOST="127.0.0.1", SHELF_SMTP_PORT=free_port())
    job = run("send_email", {"to": "ada@example.com", "subject": "Hi", "text": "x"}, max_attempts=2)
    assert job.state == JobState.DISCARDED and len(job.errors) == 2
    assert "ConnectionRefusedError" in job.errors[0]["error"]


def test_a_header_injection_is_refused(run, smtp):
    job = run(
        "send_email",
        {"to": "ada@example.com", "subject": "Hi\r\nBcc: all@example.com", "text": "x"},
    )
    assert job.state == JobState.DISCARDED
    assert smtp.received == []


# --- check_links, import_bookmarks, backup, purge ----------------------------------------------


def test_check_links_reports_each_link_and_two_failures_make_it_broken(run, api, site):
    site.status_for["/gone"] = 404
    api.add_bookmark(1, f"{site.url}/article")
    api.add_bookmark(2, f"{site.url}/head-refused")
    api.add_bookmark(3, f"{site.url}/gone")
    api.add_bookmark(4, "http://no-such-host.invalid/")
    first = run("check_links", {"min_age_hours": 0})
    assert first.state == JobState.COMPLETED, first.errors
    assert first.result == {"checked": 4, "failed": 2, "broken": 0, "skipped": 0}
    checks = {i: api.link_checks[i][-1] for i in api.link_checks}
    assert checks[1] == {"ok": True, "status": 200, "error": None}
    assert checks[2] == {"ok": True, "status": 200, "error": None}  # HEAD refused, GET fine
    assert checks[3] == {"ok": False, "status": 404, "error": "answered 404"}
    assert checks[4]["ok"] is False and checks[4]["status"] is None
    assert "could not be resolved" in checks[4]["error"]
    second = run("check_links", {"min_age_hours": 0})
    assert second.result["broken"] == 2
    assert {i for i, b in api.bookmarks.items() if b["is_broken"]} == {3, 4}


def test_check_links_skips_links_checked_recently(run, api, site):
    api.add_bookmark(1, f"{site.url}/article", last_checked_at=utcnow().isoformat())
    job = run("check_links")
    assert job.result == {"checked": 0, "failed": 0, "broken": 0, "skipped": 1}


def test_import_bookmarks_drives_the_import_and_reports_progress(run, api):
    api.imports[5] = {"processed": 0, "total": 1200}
    job = run("import_bookmarks", {"import_id": 5}, created_by=7)
    assert job.state == JobState.COMPLETED
    assert job.result == {"processed": 1200, "total": 1200}
    assert (job.progress, job.progress_message) == (100, "1200 of 1200 bookmarks imported")
    batches = [call for call in api.received if call.path == "/v1/internal/imports/5/batches"]
    assert [call.json for call in batches] == [{"size": 500}] * 3


def test_an_import_survives_api_restarting_without_losing_attempts(run, api):
    """Issue 11, item 10: each api restart cost the import job an attempt; after five the job
    was discarded and the import stranded. Now api's 503s while it restarts, and its port
    refusing connections, give the attempt back."""
    api.imports[5] = {"processed": 0, "total": 1500}
    api.down_for = 3
    job = run("import_bookmarks", {"import_id": 5}, max_attempts=1)
    assert (job.state, job.attempt, job.interruptions) == (JobState.COMPLETED, 1, 3)
    assert job.result == {"processed": 1500, "total": 1500}
    assert all("503" in e["error"] and "not counted" in e["error"] for e in job.errors)


def test_an_import_survives_api_refusing_connections_while_it_restarts(run, api):
    api.imports[6] = {"processed": 0, "total": 600}
    api.stop()
    restarted = threading.Timer(1.0, api.start)  # comes back while the job waits to retry
    restarted.start()
    try:
        job = run("import_bookmarks", {"import_id": 6}, max_attempts=1)
    finally:
        restarted.join()
    assert (job.state, job.attempt) == (JobState.COMPLETED, 1), job.errors
    assert job.interruptions >= 1
    assert all("not counted" in e["error"] for e in job.errors)


@pytest.mark.parametrize("how", ["discarded", "cancelled"])
def test_an_import_given_up_fails_visibly_at_api(run, api, connected_app, work, how):
    """Contract C3: a discarded or cancelled import job fails its import at api."""
    api.imports[8] = {"processed": 0, "total": 100}
    database = get_database(connected_app)
    if how == "discarded":
        api.fail_with = 500  # a bug at api, not a restart: a failed attempt
        job = run("import_bookmarks", {"import_id": 8}, max_attempts=1)
        api.fail_with = None
    else:
        with database.sessions() as session:
            job = jobs.enqueue(
                session,
                kind="import_bookmarks",
                args={"import_id": 8},
                run_at=utcnow() + timedelta(hours=1),
            )[0]
            jobs.cancel(session, job.id)
    with database.sessions() as session:
        [follow_up] = session.scalars(select(Job).where(Job.kind == "fail_import")).all()
    assert work(follow_up.id).state == JobState.COMPLETED
    [detail] = api.import_failures[8]
    assert detail.startswith(f"The import's job {job.id} ")
    assert api.imports[8]["status"] == "failed"
    if how == "discarded":
        assert "500" in detail


def test_telling_api_of_a_deleted_import_ends_quietly(run):
    job = run("fail_import", {"import_id": 999, "detail": "gave up"})
    assert job.result == {"skipped": "the import was deleted"}


def test_purge_user_deletes_the_users_data_at_api_and_their_jobs_here(run, api, connected_app):
    """Contract C2, run twice: the second run finds nothing more to delete."""
    api.add_bookmark(1, "https://a.example/", owner_id=7)
    api.add_bookmark(2, "https://b.example/", owner_id=8)
    database = get_database(connected_app)
    with database.sessions() as session:
        theirs = [
            jobs.enqueue(session, kind="noop", created_by=7, run_at=utcnow() + timedelta(hours=1))[
                0
            ].id
            for _ in range(3)
        ]
        others = jobs.enqueue(
            session, kind="noop", created_by=8, run_at=utcnow() + timedelta(hours=1)
        )[0].id
    first = run("purge_user", {"user_id": 7})
    assert first.state == JobState.COMPLETED, first.errors
    assert first.result == {"user_id": 7, "jobs_deleted": 3}
    assert api.deleted_users == [7] and list(api.bookmarks) == [2]
    with database.sessions() as session:
        assert session.scalars(select(Job.id).where(Job.id.in_([*theirs, others]))).all() == [
            others
        ]
    again = run("purge_user", {"user_id": 7})
    assert again.result == {"user_id": 7, "jobs_deleted": 0}
    assert api.deleted_users == [7, 7]


def test_backup_writes_every_owner_and_keeps_the_last_few(run, api, connected_app, tmp_path):
    connected_app.config["SHELF_BACKUP_KEEP"] = 2
    api.add_bookmark(1, "https://a.example/", owner_id=1)
    api.add_bookmark(2, "https://b.example/", owner_id=2)
    made = [run("backup") for _ in range(3)]
    assert all(job.state == JobState.COMPLETED for job in made), [j.errors for j in made]
    folder = tmp_path / "backups"
    kept = sorted(path.name for path in folder.iterdir())
    assert kept == sorted(job.result["folder"].rsplit("/", 1)[1] for job in made[1:])
    assert made[2].result["removed"] == [made[0].result["folder"].rsplit("/", 1)[1]]
    latest = folder / kept[-1]
    assert sorted(path.name for path in latest.iterdir()) == [
        "manifest.json",
        "owner-1.html",
        "owner-1.json",
        "owner-2.html",
        "owner-2.json",
    ]
    assert (
        json.loads((latest / "owner-2.json").read_text())["bookmarks"][0]["url"]
        == "https://b.example/"
    )
    assert "https://a.example/" in (latest / "owner-1.html").read_text()


def test_purge_removes_old_finished_jobs_and_asks_auth_to_purge(run, auth, connected_app):
    database = get_database(connected_app)
    long_ago = utcnow() - timedelta(days=45)
    with database.transaction() as session:
        session.add_all(
            [
                Job(kind="noop", state=JobState.COMPLETED, run_at=long_ago, finished_at=long_ago),
                Job(kind="noop", state=JobState.DISCARDED, run_at=long_ago, finished_at=long_ago),
                Job(kind="noop", state=JobState.RETRYABLE, run_at=utcnow() + timedelta(days=1)),
                Job(kind="noop", state=JobState.COMPLETED, run_at=utcnow(), finished_at=utcnow()),
            ]
        )
    job = run("purge")
    assert job.state == JobState.COMPLETED, job.errors
    assert job.result["jobs"] == 2
    assert job.result["auth"]["refresh_sessions"] == 3
    assert auth.calls["purge"] == 1
    with database.transaction() as session:
        left = sorted(row.state for row in session.query(Job).where(Job.id != job.id))
    assert left == ["completed", "retryable"]

"""Shelf's handlers, run by a worker against a stand-in api and auth, a loopback web site and a
real SMTP server (aiosmtpd)."""

import json
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller

from shelf_kit.db import get_database, utcnow
from shelf_kit.testing import free_port
from shelf_tasks.mail import PrintingHandler
from shelf_tasks.models import Job, JobState

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
    assert {call["request_id"] for call in api.calls} == {"req-add-bookmark-1"}


def test_fetch_metadata_never_fetches_inside_the_network(run, api, site, connected_app):
    connected_app.config["SHELF_FETCH_ALLOW_PRIVATE"] = False
    api.add_bookmark(1, f"{site.url}/article")
    job = run("fetch_metadata", {"bookmark_id": 1})
    assert job.state == JobState.COMPLETED
    assert job.result == {"fetched": False, "url": f"{site.url}/article",
                          "reason": "refused: 127.0.0.1 is a loopback address"}
    assert site.hits == [] and api.metadata == {}


def test_fetch_metadata_for_a_deleted_bookmark_or_a_changed_url_writes_nothing(run, api, site):
    assert run("fetch_metadata", {"bookmark_id": 404}).result == {
        "skipped": "the bookmark was deleted"}
    api.add_bookmark(2, f"{site.url}/article")
    api.url_changes[2] = f"{site.url}/elsewhere"
    job = run("fetch_metadata", {"bookmark_id": 2})
    assert job.state == JobState.COMPLETED
    assert "URL changed" in job.result["skipped"]
    assert api.metadata == {}


def test_fetch_metadata_retries_while_api_is_down_and_keeps_the_errors(run, api):
    api.fail_with = 503
    job = run("fetch_metadata", {"bookmark_id": 1}, max_attempts=2)
    assert job.state == JobState.DISCARDED
    assert [e["attempt"] for e in job.errors] == [1, 2]
    assert all("ServiceUnavailable" in e["error"] for e in job.errors)


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
    connected_app.config.update(SHELF_SMTP_HOST="127.0.0.1", SHELF_SMTP_PORT=port,
                                SHELF_SMTP_FROM="Shelf <shelf@shelf.example>")
    yield handler
    controller.stop()


def test_send_email_delivers_to_a_real_smtp_server(run, smtp):
    job = run("send_email", {"to": "ada@example.com", "subject": "Reset your Shelf password",
                             "text": "Open this link: https://shelf.example/reset/abc\n"})
    assert job.state == JobState.COMPLETED, job.errors
    [mail] = smtp.received
    assert (mail["mail_from"], mail["rcpt_tos"]) == ("shelf@shelf.example", ["ada@example.com"])
    assert "Subject: Reset your Shelf password" in mail["content"]
    assert f"Message-ID: <shelf-job-{job.id}@shelf.example>" in mail["content"]
    assert "https://shelf.example/reset/abc" in mail["content"]


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
    job = run("send_email", {"to": "ada@example.com", "subject": "Hi", "text": "x"},
              max_attempts=2)
    assert job.state == JobState.DISCARDED and len(job.errors) == 2
    assert "ConnectionRefusedError" in job.errors[0]["error"]


def test_a_header_injection_is_refused(run, smtp):
    job = run("send_email", {"to": "ada@example.com", "subject": "Hi\r\nBcc: all@example.com",
                             "text": "x"})
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
    batches = [call for call in api.calls if call["path"] == "/v1/internal/imports/5/batches"]
    assert [call["json"] for call in batches] == [{"size": 500}] * 3


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
        "manifest.json", "owner-1.html", "owner-1.json", "owner-2.html", "owner-2.json"]
    assert json.loads((latest / "owner-2.json").read_text())["bookmarks"][0]["url"] == \
        "https://b.example/"
    assert "https://a.example/" in (latest / "owner-1.html").read_text()


def test_purge_removes_old_finished_jobs_and_asks_auth_to_purge(run, auth, connected_app):
    database = get_database(connected_app)
    long_ago = utcnow() - timedelta(days=45)
    with database.transaction() as session:
        session.add_all([
            Job(kind="noop", state=JobState.COMPLETED, run_at=long_ago, finished_at=long_ago),
            Job(kind="noop", state=JobState.DISCARDED, run_at=long_ago, finished_at=long_ago),
            Job(kind="noop", state=JobState.RETRYABLE, run_at=utcnow() + timedelta(days=1)),
            Job(kind="noop", state=JobState.COMPLETED, run_at=utcnow(), finished_at=utcnow()),
        ])
    job = run("purge")
    assert job.state == JobState.COMPLETED, job.errors
    assert job.result["jobs"] == 2
    assert job.result["auth"]["refresh_sessions"] == 3
    assert auth.purged == 1
    with database.transaction() as session:
        left = sorted(row.state for row in session.query(Job).where(Job.id != job.id))
    assert left == ["completed", "retryable"]

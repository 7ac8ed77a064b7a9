"""Jobs and fetching against the faults of issue 11, on the real system:

- a page that never finishes its answer (a byte every half second) holds neither api's
  `GET /api/bookmarks/check/` nor a worker slot past the fetch's deadline (item 3);
- a password-reset link never shows in tasks' job listings, nor the ui's admin job pages,
  while its mail waits, and the job keeps none once the mail is sent (item 6);
- api killed while an import job runs costs the job no attempt (item 10);
- the worker stopped as a supervisor stops it releases its job at no cost (item 14; with
  test_faults.py's kill -9 of the worker).
"""

from __future__ import annotations

import signal
import subprocess
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from sqlalchemy import create_engine, text

from browser_support import FOLDERS, ExportEntry, netscape_export
from shelf_accounts import PASSWORD, TIMEOUT, api_key, unique
from shelf_system import ShelfSystem, venv_bin
from ui_pages import logged_in, make_user, wait_for

pytest_plugins = ["ui_fixtures"]

FETCH_TIMEOUT = 10.0  # SHELF_FETCH_TIMEOUT's default, which the system runs with
GENEROUS = 15.0  # what a loaded machine may add to a deadline before the test calls it stuck

# shelf-fetch's trickling server, run from tasks' environment (which has shelf-fetch) as a
# process of its own; it serves until its standard input closes.
TRICKLE = (
    "import sys\nfrom shelf_fetch.testing import Trickle\n"
    "trickle = Trickle(interval=0.5)\nprint(trickle.url, flush=True)\n"
    "sys.stdin.read()\ntrickle.stop()\n"
)


@pytest.fixture(scope="module")
def trickle() -> Iterator[str]:
    process = subprocess.Popen(
        [str(venv_bin("tasks", "python")), "-c", TRICKLE],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdin and process.stdout  # both are pipes
    try:
        yield process.stdout.readline().strip()
    finally:
        process.stdin.close()
        process.wait(timeout=20)
        process.stdout.close()


def tasks_jobs(system: ShelfSystem, admin, **params) -> list[dict]:
    answer = requests.get(
        system.urls["tasks"] + "/v1/jobs",
        headers=admin.headers,
        params={"limit": 500, **params},
        timeout=TIMEOUT,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["results"]


def tasks_job(system: ShelfSystem, admin, job_id: int) -> dict:
    answer = requests.get(
        f"{system.urls['tasks']}/v1/jobs/{job_id}", headers=admin.headers, timeout=TIMEOUT
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


# -- item 3: one deadline per fetch ---------------------------------------------------------------


def test_a_page_that_trickles_holds_no_check_past_the_fetch_deadline(shelf_system, admin, trickle):
    """Three checks at once (headers, body, and a redirect to trickling headers): each
    answers, with empty metadata, within the deadline and a loaded machine's slack."""
    person = make_user(shelf_system, admin, "checker")
    headers = {"Authorization": f"Token {api_key(shelf_system, person)}"}
    answers: dict[str, object] = {}

    def check(path: str) -> None:
        try:
            answers[path] = requests.get(
                shelf_system.urls["api"] + "/api/bookmarks/check/",
                headers=headers,
                params={"url": trickle + path},
                timeout=(5, FETCH_TIMEOUT + GENEROUS),
            )
        except requests.RequestException as error:
            answers[path] = error

    threads = [
        threading.Thread(target=check, args=(path,)) for path in ("/headers", "/body", "/redirect")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for path, answer in answers.items():
        assert isinstance(answer, requests.Response), f"{path}: {answer!r}"
        assert answer.status_code == 200, answer.text
        metadata = answer.json()["metadata"]
        assert metadata["url"] == trickle + path and not metadata.get("title"), metadata


def test_a_page_that_trickles_holds_no_worker_past_the_fetch_deadline(shelf_system, admin, trickle):
    person = make_user(shelf_system, admin, "trickled")
    headers = {"Authorization": f"Token {api_key(shelf_system, person)}"}
    made = requests.post(
        shelf_system.urls["api"] + "/api/bookmarks/",
        headers=headers,
        json={"url": f"{trickle}/headers?{unique('b')}"},
        timeout=TIMEOUT,
    )
    assert made.status_code == 201, made.text
    bookmark_id = made.json()["id"]

    def first_attempt_ended():
        for job in tasks_jobs(shelf_system, admin, kind="fetch_metadata"):
            if job["args"].get("bookmark_id") == bookmark_id and job["errors"]:
                return job
        return None

    # The outbox delivers the job within a second or two; its fetch then ends at the deadline.
    job = wait_for(
        first_attempt_ended,
        FETCH_TIMEOUT + 2 * GENEROUS,
        "the fetch of a trickling page never ended",
        interval=0.5,
    )
    assert job["errors"][0]["error"].startswith(
        f"FetchFailed: no answer within {FETCH_TIMEOUT:g} s"
    ), job["errors"]
    assert job["state"] in ("retryable", "available", "running"), job


# -- item 6: jobs keep no secrets ---------------------------------------------------------------


def test_an_admin_never_sees_a_reset_link_and_the_sent_job_keeps_none(shelf_system, admin, ui_app):
    """The link sat in the send_email job's args for 30 days, readable by every admin and
    service. With the worker stopped, the mail waits in tasks: neither tasks' API nor the
    ui's admin pages show its text; once sent, the stored job holds no link."""
    email = f"{unique('forgetful')}@example.org"
    created = requests.post(
        shelf_system.urls["auth"] + "/v1/admin/users",
        headers=admin.headers,
        json={"username": unique("forgetful"), "password": PASSWORD, "email": email},
        timeout=TIMEOUT,
    )
    assert created.status_code == 201, created.text
    shelf_system.stop("worker")
    try:
        asked = requests.post(
            shelf_system.urls["auth"] + "/v1/password-resets",
            json={"login": email},
            timeout=TIMEOUT,
        )
        assert asked.status_code == 202, asked.text

        def waiting_mail():
            mails = [
                job
                for job in tasks_jobs(shelf_system, admin, kind="send_email")
                if job["args"].get("to") == email
            ]
            return mails[0] if mails else None

        job = wait_for(waiting_mail, 30, "auth's reset mail never reached tasks")
        assert job["state"] == "available"
        console = logged_in(ui_app, admin)
        shown = [
            requests.get(
                shelf_system.urls["tasks"] + "/v1/jobs", headers=admin.headers, timeout=TIMEOUT
            ).text,
            requests.get(
                f"{shelf_system.urls['tasks']}/v1/jobs/{job['id']}",
                headers=admin.headers,
                timeout=TIMEOUT,
            ).text,
            console.get("/admin/jobs?kind=send_email").html,
            console.get(f"/admin/jobs/{job['id']}").html,
        ]
        assert all("/reset-password/" not in page for page in shown)
        assert job["args"]["text"].startswith("(hidden")
    finally:
        shelf_system.start("worker")
    mail = shelf_system.mailbox.wait_for(email, within=60)
    token = (
        mail.get_body(preferencelist=("plain",))
        .get_content()
        .split("/reset-password/", 1)[1]
        .split()[0]
    )
    sent = wait_for(
        lambda: (lambda j: j if j["state"] == "completed" else None)(
            tasks_job(shelf_system, admin, job["id"])
        ),
        30,
        "the mail job never completed",
    )
    assert "text" not in sent["args"] and token not in str(sent)
    engine = create_engine(shelf_system.database_urls["tasks"])
    try:
        with engine.connect() as connection:
            stored: dict[str, Any] = connection.execute(
                text("SELECT args FROM jobs WHERE id = :id"), {"id": job["id"]}
            ).scalar_one()
    finally:
        engine.dispose()
    assert token not in str(stored) and "reset-password" not in str(stored)


# -- items 10 and 14: restarts cost a job nothing -------------------------------------------------


def test_api_killed_under_an_import_job_costs_it_no_attempt(shelf_system, admin):
    """The worker picks the import up while api is down (killed, not stopped): the attempt
    is given back, and once api is back the import completes as the job's first attempt."""
    person = make_user(shelf_system, admin, "importer")
    headers = {"Authorization": f"Token {api_key(shelf_system, person)}"}
    entries = [
        ExportEntry(
            f"https://import-{n}.example.invalid/", f"Imported {n}", FOLDERS[n % len(FOLDERS)]
        )
        for n in range(240)
    ]  # above the system's job threshold of 200
    shelf_system.stop("worker")  # stopped as a supervisor stops it: SIGTERM, released jobs
    try:
        started = requests.post(
            shelf_system.urls["api"] + "/api/bookmarks/import/",
            headers=headers,
            timeout=60,
            files={"file": ("bookmarks.html", netscape_export(entries), "text/html")},
        )
        assert started.status_code == 202, started.text
        body = started.json()
        import_id = (body.get("import") or body.get("import_"))["id"]

        def import_job():
            found = [
                job
                for job in tasks_jobs(shelf_system, admin, kind="import_bookmarks")
                if job["args"].get("import_id") == import_id
            ]
            return found[0] if found else None

        job = wait_for(import_job, 30, "api's import job never reached tasks")
        shelf_system.stop("api", sig=signal.SIGKILL)
    finally:
        shelf_system.start("worker")
    try:
        wait_for(
            lambda: tasks_job(shelf_system, admin, job["id"])["errors"],
            60,
            "the worker never found api down",
        )
    finally:
        shelf_system.start("api")
    done = wait_for(
        lambda: (lambda j: j if j["state"] in ("completed", "discarded") else None)(
            tasks_job(shelf_system, admin, job["id"])
        ),
        120,
        "the import job never finished",
    )
    assert (done["state"], done["attempt"]) == ("completed", 1), done
    assert done["interruptions"] == len(done["errors"]) >= 1, done
    assert all("not counted as a failed attempt" in e["error"] for e in done["errors"]), done
    state = requests.get(
        f"{shelf_system.urls['api']}/api/bookmarks/import/{import_id}/",
        headers=headers,
        timeout=TIMEOUT,
    )
    assert state.status_code == 200, state.text
    assert (state.json()["state"], state.json()["processed"]) == ("done", 240), state.text


# -- issue 15: imports write in batches and ask for their pages a batch at a time ----------------


def test_every_page_an_import_brings_is_fetched(shelf_system, admin, site):
    """An import writes its bookmarks a batch at a time and asks tasks for that batch's pages
    in one job: every imported page is still read, in a file imported at once and in one
    large enough for an import job, and the bookmarks without a title take the page's."""
    person = make_user(shelf_system, admin, "pages")
    headers = {"Authorization": f"Token {api_key(shelf_system, person)}"}
    tag = unique("batch")
    titles = {}
    for name, count, status in (("small", 20, 201), ("large", 230, 202)):  # the job: above 200
        entries = []
        for n in range(count):
            title = f"Page {n} of the {name} import {tag}"
            titles[site.page(f"/{tag}/{name}/{n}", title)] = title
            entries.append(ExportEntry(f"{site.url}/{tag}/{name}/{n}", "", FOLDERS[n % 4]))
        answer = requests.post(
            shelf_system.urls["api"] + "/api/bookmarks/import/",
            headers=headers,
            timeout=60,
            files={"file": (f"{name}.html", netscape_export(entries), "text/html")},
        )
        assert answer.status_code == status, answer.text

    def titled() -> dict[str, str] | None:
        answer = requests.get(
            shelf_system.urls["api"] + "/api/bookmarks/",
            headers=headers,
            params={"limit": 1000},
            timeout=TIMEOUT,
        )
        assert answer.status_code == 200, answer.text
        found = {b["url"]: b["title"] for b in answer.json()["results"]}
        return found if found == titles else None

    wait_for(titled, 300, "some imported page was never fetched (or its title not kept)")
    found = requests.get(
        shelf_system.urls["api"] + "/api/bookmarks/",
        headers=headers,
        params={"q": f"of the large import {tag}", "limit": "1000"},
        timeout=TIMEOUT,
    ).json()
    assert found["count"] == 230

"""Faults on the running system: auth, api, tasks (web) and the tasks worker each SIGKILLed in
turn while a client works, then started again. While a part is down its consumers answer a
503 problem+json naming it, within their timeout, and the ui says which part is down; nothing
accepted is lost, and after the restart everything catches up by itself (api's outbox delivers
to tasks, a job a dead worker held runs again and completes once). Last, a rolling redeploy:
gunicorn's graceful reload (SIGHUP) of api under a steady stream of requests loses none.

The worker test needs tasks' test-only job kinds: this module turns SHELF_TASKS_TEST_HANDLERS
on (and a short lease) for tasks and its worker, restarting them, and puts both back after.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from shelf_accounts import (
    PASSWORD,
    Person,
    api_key,
    csrf_token,
    make_admin,
    make_user,
    ui_session,
)
from shelf_system import ShelfSystem

TIMEOUT = (2, 15)
DOWN_ANSWER_WITHIN = 6.0  # seconds: a consumer's answer while a dependency is down
CATCH_UP_WITHIN = 60.0


def wait_for(condition, within: float, what: str, interval: float = 0.3):
    deadline = time.monotonic() + within
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"after {within:g} s: {what}"
        time.sleep(interval)


def timed(call):
    started = time.monotonic()
    answer = call()
    return answer, time.monotonic() - started


def assert_down_problem(answer: requests.Response, elapsed: float, service: str, *,
                        linkding: bool = False) -> None:
    """A 503 naming the service that is down, in time; problem+json, or on api's
    linkding-compatible routes linkding's own error shape ({"detail": ...}, as its 401s)."""
    assert answer.status_code == 503, answer.text[:500]
    content_type = "application/json" if linkding else "application/problem+json"
    assert answer.headers["Content-Type"].startswith(content_type), answer.headers
    assert service in answer.json()["detail"], answer.text
    assert elapsed < DOWN_ANSWER_WITHIN, f"took {elapsed:.1f} s"


def restart_with(system: ShelfSystem, names: list[str], settings: dict[str, str | None]):
    for key, value in settings.items():
        if value is None:
            system.env.pop(key, None)
        else:
            system.env[key] = value
    for name in names:
        system.stop(name)
    for name in names:
        system.start(name)


class Page(BaseHTTPRequestHandler):
    """A page with a title, for tasks' fetch_metadata to find (loopback fetches are allowed)."""

    def do_GET(self):
        body = f"<html><head><title>Fetched {self.path}</title></head><body>hi</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body.encode())))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def pages():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def people(shelf_system: ShelfSystem) -> dict[str, Person]:
    admin = make_admin(shelf_system)
    return {"admin": admin, "user": make_user(shelf_system, admin, "faulty")}


@pytest.fixture
def system(shelf_system: ShelfSystem):
    """The shared system, every process running again after the test, whatever it stopped."""
    yield shelf_system
    for name in shelf_system.specs:
        if not shelf_system.is_running(name):
            shelf_system.start(name)


def api_get(system: ShelfSystem, path: str, headers: dict, **kwargs) -> requests.Response:
    return requests.get(system.urls["api"] + path, headers=headers, timeout=TIMEOUT, **kwargs)


def test_auth_down_api_keys_get_503_cached_tokens_still_work_ui_names_auth(system, people):
    user = people["user"]
    fresh_key = api_key(system, user)  # never used yet: api cannot have it cached
    for _ in range(10):  # each api worker has fetched auth's JWKS by now
        assert api_get(system, "/api/bookmarks/", user.headers).status_code == 200
    browser = ui_session(system, user.username)
    login_page = browser.get(system.urls["ui"] + "/login", timeout=TIMEOUT)

    system.stop("auth", sig=signal.SIGKILL)
    answer, elapsed = timed(lambda: api_get(system, "/api/bookmarks/",
                                            {"Authorization": f"Token {fresh_key}"}))
    assert_down_problem(answer, elapsed, "auth", linkding=True)
    for _ in range(4):  # a token verified with the cached keys: no call to auth needed
        assert api_get(system, "/api/bookmarks/", user.headers).status_code == 200
    anonymous = requests.Session()
    form = anonymous.get(system.urls["ui"] + "/login", timeout=TIMEOUT)
    login, elapsed = timed(lambda: anonymous.post(
        system.urls["ui"] + "/login", timeout=TIMEOUT,
        data={"username": user.username, "password": PASSWORD,
              "csrf_token": csrf_token(form.text)}))
    assert login.status_code == 503, login.text[:500]
    assert "<strong>auth</strong> service is down" in login.text
    assert user.username in login.text  # what was typed is kept
    assert elapsed < DOWN_ANSWER_WITHIN
    assert login_page.status_code in (200, 302)

    system.start("auth")
    again = api_get(system, "/api/bookmarks/", {"Authorization": f"Token {fresh_key}"})
    assert again.status_code == 200, again.text


def test_api_down_the_ui_says_api_is_down(system, people):
    browser = ui_session(system, people["user"].username)
    assert browser.get(system.urls["ui"] + "/bookmarks", timeout=TIMEOUT).status_code == 200
    system.stop("api", sig=signal.SIGKILL)
    page, elapsed = timed(lambda: browser.get(system.urls["ui"] + "/bookmarks",
                                              timeout=TIMEOUT))
    assert page.status_code == 503, page.text[:500]
    assert "api" in page.text and elapsed < DOWN_ANSWER_WITHIN, page.text[:1000]
    problem = browser.get(system.urls["ui"] + "/bookmarks", timeout=TIMEOUT,
                          headers={"Accept": "application/json"})
    assert_down_problem(problem, 0.0, "api")
    system.start("api")
    assert browser.get(system.urls["ui"] + "/bookmarks", timeout=TIMEOUT).status_code == 200


def fetch_jobs(system: ShelfSystem, admin: Person, bookmark_id: int) -> list[dict]:
    listed = requests.get(system.urls["tasks"] + "/v1/jobs", headers=admin.headers,
                          params={"kind": "fetch_metadata", "limit": 100}, timeout=TIMEOUT)
    assert listed.status_code == 200, listed.text
    return [job for job in listed.json()["results"]
            if job["args"].get("bookmark_id") == bookmark_id]


def test_tasks_down_bookmarks_are_saved_and_their_fetch_runs_once_after(system, people, pages):
    user, admin = people["user"], people["admin"]
    system.stop("tasks", sig=signal.SIGKILL)
    url = f"{pages}/while-tasks-was-down/{uuid.uuid4().hex[:6]}"
    made, elapsed = timed(lambda: requests.post(system.urls["api"] + "/api/bookmarks/",
                                                headers=user.headers, json={"url": url},
                                                timeout=TIMEOUT))
    assert made.status_code == 201, made.text
    assert elapsed < DOWN_ANSWER_WITHIN
    bookmark_id = made.json()["id"]
    browser = ui_session(system, admin.username)  # the admin's jobs page needs tasks
    jobs_page = browser.get(system.urls["ui"] + "/admin/jobs", timeout=TIMEOUT)
    assert jobs_page.status_code == 503 and "tasks" in jobs_page.text, jobs_page.text[:500]
    time.sleep(2)  # api's relay tries (and fails) meanwhile

    system.start("tasks")
    bookmark = wait_for(lambda: (lambda b: b if b.get("title") else None)(
        api_get(system, f"/api/bookmarks/{bookmark_id}/", user.headers).json()),
        CATCH_UP_WITHIN, "the page's title never reached the bookmark")
    assert bookmark["title"] == f"Fetched {url.removeprefix(pages)}"
    jobs = fetch_jobs(system, admin, bookmark_id)
    assert len(jobs) == 1, json.dumps(jobs, indent=1)
    assert (jobs[0]["state"], jobs[0]["attempt"]) == ("completed", 1), jobs[0]


@pytest.fixture
def test_kinds(system: ShelfSystem):
    """tasks and its worker with the test-only job kinds and a 3-second lease."""
    settings = {"SHELF_TASKS_TEST_HANDLERS": "true", "SHELF_TASKS_LEASE_SECONDS": "3"}
    restart_with(system, ["tasks", "worker"], settings)
    yield system
    restart_with(system, ["tasks", "worker"], dict.fromkeys(settings))


def test_a_job_whose_worker_is_killed_runs_again_and_completes_once(test_kinds, people,
                                                                       tmp_path):
    system, admin = test_kinds, people["admin"]
    record = tmp_path / "record.jsonl"
    made = requests.post(system.urls["tasks"] + "/v1/jobs", headers=admin.headers,
                         timeout=TIMEOUT, json={"kind": "record", "max_attempts": 3,
                                                "args": {"path": str(record), "seconds": 4}})
    assert made.status_code == 201, made.text
    job_id = made.json()["id"]

    def lines() -> list[dict]:
        return [json.loads(line) for line in record.read_text().splitlines()] \
            if record.exists() else []

    wait_for(lambda: any(e["event"] == "start" for e in lines()), 20, "the job never started")
    system.stop("worker", sig=signal.SIGKILL)
    system.start("worker")

    def finished():
        job = requests.get(f"{system.urls['tasks']}/v1/jobs/{job_id}", headers=admin.headers,
                           timeout=TIMEOUT).json()
        return job if job["state"] in ("completed", "discarded") else None

    job = wait_for(finished, CATCH_UP_WITHIN, "the interrupted job never finished")
    assert job["state"] == "completed", job
    events = [(e["attempt"], e["event"]) for e in lines()]
    assert events == [(1, "start"), (2, "start"), (2, "end")], events


def test_database_restart_under_load(system):
    if system.backend == "sqlite":
        pytest.skip("SQLite: the database is a file each service opens; there is no database "
                    "server to restart")
    pytest.skip("Postgres: a restart of the shared server is not done by this suite (it would "
                "disturb other test runs on the same server)")


def test_a_graceful_reload_of_api_under_load_loses_no_request(system, people):
    user = people["user"]
    stop = threading.Event()
    outcomes: list[str] = []

    slowest = [0.0]

    def client() -> None:
        with requests.Session() as session:
            while not stop.is_set():
                started = time.monotonic()
                try:
                    answer = session.get(system.urls["api"] + "/api/bookmarks/",
                                         headers=user.headers, timeout=TIMEOUT)
                    outcomes.append(str(answer.status_code))
                except requests.RequestException as error:
                    outcomes.append(type(error).__name__)
                slowest[0] = max(slowest[0], time.monotonic() - started)

    threads = [threading.Thread(target=client) for _ in range(2)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(1.0)
        before = len(outcomes)
        master = system.processes["api"].pid
        booted = system.logs("api").count("Booting worker")
        os.kill(master, signal.SIGHUP)
        # the reload is done when two new workers have booted, and a little after
        wait_for(lambda: system.logs("api").count("Booting worker") >= booted + 2, 30,
                 "gunicorn never booted new workers")
        reloaded = len(outcomes)
        # and the new workers answer a good many requests before the client stops
        wait_for(lambda: len(outcomes) > reloaded + 100, 30, "the new workers never answered")
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    failed = [outcome for outcome in outcomes if outcome != "200"]
    assert len(outcomes) - before > 100, "the client hardly ran"
    assert failed == [], f"{len(failed)} of {len(outcomes)} requests failed: {set(failed)}"
    print(f"{len(outcomes)} requests, none failed; the slowest took {slowest[0]:.2f} s")
    assert system.processes["api"].pid == master  # the same master, new workers

"""Faults on the running system, under a client that keeps working throughout.

Each test starts a `LoadClient` (load_client.py): a user adding bookmarks with new URLs and
listing them through api, once with an API key and once with an access token, and loading the
ui's bookmark list with a session cookie, every call recorded. While it works, one part is
SIGKILLed (auth, api, tasks' web process, the tasks worker) and started again, or, on
Postgres, a database server is restarted. Then the record must show what people would want:

- while the part was down, every call that failed got a 503 naming the part that is down,
  problem+json (linkding's `{"detail"}` on api's `/api/` routes; a page saying "The X service
  is down" to a browser), within the consumer's timeout: no hang, no 500, no connection error
  from a service that was up (only the stopped process itself refuses connections);
- nothing accepted is lost: every bookmark answered 201 is there afterwards;
- after the restart the client's calls succeed again by themselves, and keep succeeding;
- the work behind the outage catches up: api's outbox delivers every fetch_metadata job (one
  job per bookmark, each page's title reaches its bookmark), a job a killed worker held runs
  again and completes once.

Last, a rolling redeploy of api under the same client, as the README describes it: new
gunicorn workers first (TTIN), the old ones retired once the new ones say "Worker ready" (TTOU);
no request fails.

The worker test needs tasks' test-only job kinds: it turns SHELF_TASKS_TEST_HANDLERS on (and
a short lease) for tasks and its worker, restarting them, and puts both back after.
"""

from __future__ import annotations

import json
import os
import re
import signal
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from load_client import Call, LoadClient
from loopback_site import Answer, Site, page_html
from postgres_cluster import PostgresCluster, unavailable_reason
from shelf_accounts import (
    PASSWORD,
    Person,
    api_key,
    csrf_token,
    make_admin,
    make_user,
    ui_session,
    unique,
)
from shelf_kit.testing import postgres_test_url
from shelf_system import ShelfSystem
from ui_pages import wait_for

TIMEOUT = (2, 15)
# A consumer's timeouts for a dependency, as every service sets them (shelf-kit's
# add_dependency, shelf-http's defaults): 1 s to connect, per attempt, and 5 s to read, waited
# once (a read timeout is never retried); a failed connection is retried twice.
CONNECT, READ, RETRIES, BACKOFF = 1.0, 5.0, 2, 0.2
# The part stopped, nothing listens: a refused connection fails at once, so the consumer
# answers within one attempt's timeouts.
DOWN_ANSWER_WITHIN = CONNECT + READ
# The part starting: gunicorn listens before its workers can answer, so a call waits out the
# read timeout (once) before the consumer answers.
STARTING_ANSWER_WITHIN = (RETRIES + 1) * CONNECT + READ + BACKOFF * RETRIES
# The client's calls succeed again within this long after the part is ready.
CATCH_UP_WITHIN = 60.0
# The work behind an outage is done within this long: a message a killed api had claimed but
# not yet sent waits out the relay's lease (60 s), a job whose outcome could not be recorded
# waits out its lease (60 s by default), a failed fetch its retry backoff (10 s, 20 s, ...).
WORK_CATCH_UP_WITHIN = 150.0
WARM_CALLS = 10  # calls per actor before the fault: every gunicorn worker has served some
DOWN_CALLS = 5  # calls per actor while the part is down
ADDED = 10  # bookmarks added while tasks is down, for its outbox to deliver after


# -- pages for tasks' fetch_metadata to fetch -------------------------------------------------


def fetched_page(path: str) -> Answer:
    """Every path is a page with a title, for tasks' fetch_metadata to find (loopback fetches
    are allowed)."""
    return Answer(page_html(f"Fetched {path}"))


@pytest.fixture(scope="module")
def pages() -> Iterator[Site]:
    with Site(answer=fetched_page) as served:
        yield served


# -- the system, people and the client --------------------------------------------------------


@pytest.fixture(scope="module")
def admin(shelf_system: ShelfSystem) -> Person:
    return make_admin(shelf_system)


@pytest.fixture
def system(shelf_system: ShelfSystem):
    """The shared system, every process running again after the test, whatever it stopped."""
    yield shelf_system
    for name in shelf_system.specs:
        if not shelf_system.is_running(name):
            shelf_system.start(name)


@dataclass
class Workload:
    """A user of their own at work on the system: what the client did is in `load`."""

    system: ShelfSystem
    admin: Person
    user: Person
    load: LoadClient


@contextmanager
def working(system: ShelfSystem, admin: Person, pages: Site, label: str) -> Iterator[Workload]:
    """A new user working through api (API key, access token) and the ui (session cookie);
    yields once every actor has made a few calls, and stops the client at the end."""
    user = make_user(system, admin, label)
    load = LoadClient(system, page_base=pages.url, label=label)
    load.add_api_actor("key", {"Authorization": f"Token {api_key(system, user)}"})
    load.add_api_actor("bearer", user.headers)
    load.add_ui_actor("ui", ui_session(system, user.username))
    with load:
        began = time.monotonic()
        load.start()
        load.wait_for_calls(since=began, each=WARM_CALLS)
        try:
            yield Workload(system, admin, user, load)
        finally:
            print(load.summary())  # pytest shows it when the test fails


@dataclass(frozen=True)
class Outage:
    """When a part was stopped and started (time.monotonic()), and when the client's calls
    all succeeded again."""

    part: str
    stopping: float  # just before the stop (SIGKILL)
    down: float  # the stop is done: nothing of the part runs
    starting: float
    ready: float  # started, and (a web service) /readyz answers 200
    working: float  # from here on, every call of the client succeeded

    def describe(self) -> str:
        return (
            f"{self.part} down for {self.ready - self.stopping:.1f} s (start took "
            f"{self.ready - self.starting:.1f} s); the client worked again "
            f"{max(self.working - self.ready, 0):.1f} s after it was ready"
        )


def outage(
    load: LoadClient,
    part: str,
    *,
    stop: Callable[[], object],
    start: Callable[[], object],
    while_down: Callable[[], object] = lambda: None,
) -> Outage:
    """Stop `part` under the client, let the client (and `while_down`) work against the
    fault, start it again, and wait until the client's calls succeed again by themselves.
    The client keeps working a little longer, so "they keep succeeding" can be checked."""
    stopping = load.mark(f"{part}: stopping")
    stop()
    down = load.mark(f"{part}: down")
    while_down()
    load.wait_for_calls(since=down, each=DOWN_CALLS)
    starting = load.mark(f"{part}: starting")
    start()
    ready = load.mark(f"{part}: ready")
    working = load.wait_until_working(since=ready, within=CATCH_UP_WITHIN)
    load.wait_for_calls(since=time.monotonic(), each=DOWN_CALLS)
    done = Outage(part, stopping, down, starting, ready, working)
    print(done.describe())
    return done


def killed(system: ShelfSystem, load: LoadClient, part: str, **options) -> Outage:
    """`part` SIGKILLed (gunicorn's workers too) and started again, under the client."""
    return outage(
        load,
        part,
        stop=lambda: system.stop(part, sig=signal.SIGKILL),
        start=lambda: system.start(part),
        **options,
    )


# -- what the record must show ---------------------------------------------------------------


def names(detail: str | None, parts: tuple[str, ...]) -> bool:
    if not detail:
        return False
    return any(re.search(rf"\b{re.escape(p)}\b", detail) for p in parts)


def assert_down_answer(
    call: Call, parts: tuple[str, ...], *, within: float = DOWN_ANSWER_WITHIN
) -> None:
    """A 503 naming one of `parts`, in the caller's shape, within the consumer's timeout."""
    where = call.describe()
    assert call.status == 503, where
    if call.wants_html:
        shape = "text/html"  # a person's browser: a page that says which service is down
    elif call.target == "api" and call.path.startswith("/api/"):
        shape = "application/json"  # linkding's own error shape, as its clients read it
    else:
        shape = "application/problem+json"
    assert call.content_type.startswith(shape), where
    assert names(call.detail, parts), f"does not name {' or '.join(parts)}: {where}"
    assert call.elapsed < within, f"slower than {within:g} s: {where}"


def assert_degraded_well(
    load: LoadClient,
    gap: Outage,
    parts: dict[str, tuple[str, ...]],
    *,
    unreachable: tuple[str, ...] = (),
    healthy_since: float = 0.0,
) -> None:
    """From the record: nothing failed before the fault; while it lasted every failure was a
    503 naming what is down (`parts`: per actor, "*" for any other), within the consumer's
    timeout (while the part was starting, its timeouts for every attempt), and every call to
    a service that was up was answered in time; nothing failed once the client worked again.
    Calls to `unreachable` (the stopped process itself) get no answer until it is ready.
    Calls before `healthy_since` (an earlier fault's) are left out."""
    for label, since, until in (
        ("down", gap.stopping, gap.starting),
        ("starting", gap.starting, gap.working),
    ):
        calls = load.calls(since=since, until=until)
        failed = [c for c in calls if not c.ok]
        slowest = max((c.elapsed for c in failed), default=0.0)
        print(
            f"while {gap.part} was {label}: {len(calls)} calls, {len(failed)} failed "
            f"({dict(Counter(c.status or 'no answer' for c in failed))}), the slowest "
            f"failure answered in {slowest:.2f} s"
        )
    before = [c for c in load.failures(since=healthy_since) if c.ended < gap.stopping]
    assert not before, "failures before the fault:\n" + "\n".join(c.describe() for c in before)
    for call in [
        c for c in load.failures(since=healthy_since) if c.ended >= gap.stopping
    ]:  # in flight when it stopped, or after
        if call.target in unreachable and call.started < gap.ready:
            assert call.status is None, call.describe()  # nothing there answers at all
            continue
        within = DOWN_ANSWER_WITHIN if call.started < gap.starting else STARTING_ANSWER_WITHIN
        assert_down_answer(call, parts.get(call.actor) or parts["*"], within=within)
    slow = [
        c
        for c in load.calls(since=gap.down, until=gap.starting)
        if c.target not in unreachable and c.elapsed >= DOWN_ANSWER_WITHIN
    ]
    assert not slow, "answered too slowly:\n" + "\n".join(c.describe() for c in slow)
    late = load.failures(since=gap.working)
    assert not late, "failed after the client worked again:\n" + "\n".join(
        c.describe() for c in late
    )


def bookmarks_of(system: ShelfSystem, user: Person) -> dict[int, dict]:
    """Every bookmark of the user, by id, from api's list (all pages)."""
    found: dict[int, dict] = {}
    url: str | None = system.urls["api"] + "/api/bookmarks/?limit=100"
    while url:
        page = requests.get(url, headers=user.headers, timeout=TIMEOUT)
        assert page.status_code == 200, page.text[:500]
        body = page.json()
        found.update({bookmark["id"]: bookmark for bookmark in body["results"]})
        url = body["next"]
    return found


def assert_nothing_lost(work: Workload) -> list[Call]:
    """Every bookmark api answered 201 for is there, with its URL; the 201s."""
    created = work.load.created()
    stored = bookmarks_of(work.system, work.user)
    lost = [c for c in created if stored.get(c.made_id, {}).get("url") != c.made_url]
    assert not lost, f"{len(lost)} of {len(created)} accepted bookmarks are gone:\n" + "\n".join(
        c.describe() for c in lost[:20]
    )
    return created


def fetch_jobs(system: ShelfSystem, admin: Person, user: Person) -> dict[int, list[dict]]:
    """The fetch_metadata jobs made for the user's bookmarks, by bookmark id."""
    jobs: dict[int, list[dict]] = {}
    offset = 0
    while True:
        params: dict[str, str | int] = {
            "kind": "fetch_metadata",
            "limit": 500,
            "offset": offset,
            "created_by": user.user_id,
        }
        listed = requests.get(
            system.urls["tasks"] + "/v1/jobs", headers=admin.headers, timeout=TIMEOUT, params=params
        )
        assert listed.status_code == 200, listed.text[:500]
        page = listed.json()["results"]
        for job in page:
            jobs.setdefault(job["args"].get("bookmark_id"), []).append(job)
        if len(page) < 500:
            return jobs
        offset += len(page)


def assert_work_caught_up(
    work: Workload, pages: Site, created: list[Call], *, once: bool
) -> dict[int, list[dict]]:
    """Every accepted bookmark got its page's title by itself, from exactly one
    fetch_metadata job, completed; with `once`, that job ran once and fetched the page once."""
    assert created, "the client added no bookmark"

    def titled() -> bool:
        stored = bookmarks_of(work.system, work.user)
        return all(
            stored[c.made_id]["title"] == f"Fetched {c.made_url.removeprefix(pages.url)}"
            for c in created
        )

    wait_for(
        titled,
        WORK_CATCH_UP_WITHIN,
        "some pages' titles never reached their bookmarks",
        interval=1.0,
    )

    def wrong(call: Call) -> bool:
        made = jobs.get(call.made_id, [])
        if len(made) != 1 or made[0]["state"] != "completed":
            return True
        return once and (made[0]["attempt"] != 1 or pages.requested(call.made_url) != 1)

    # A job writes its title to api before the worker marks it completed: the last few may
    # still be running for a moment after every title is there.
    deadline = time.monotonic() + 30
    while True:
        jobs = fetch_jobs(work.system, work.admin, work.user)
        bad = [c for c in created if wrong(c)]
        if not bad or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert not bad, "\n".join(
        f"{c.url}: fetched {pages.requested(c.made_url)} times by "
        f"{json.dumps(jobs.get(c.made_id), default=str)[:600]}"
        for c in bad[:10]
    )
    attempts = Counter(jobs[c.made_id][0]["attempt"] for c in created)
    print(
        f"{len(created)} bookmarks, one fetch_metadata job each, completed; attempts: "
        f"{dict(sorted(attempts.items()))}"
    )
    return jobs


# -- the faults -------------------------------------------------------------------------------


def test_auth_killed_api_keys_get_503_tokens_still_work_ui_names_auth(system, admin, pages):
    """auth down: access tokens are checked with the keys api and the ui cached, so people
    keep working; an API key api has not seen cannot be resolved (503 naming auth, in
    linkding's shape) and logging in cannot be done (the page says auth is down and keeps the
    username typed). After auth is back, the new key works."""
    newcomer = make_user(system, admin, "newcomer")
    fresh_key = {"Authorization": f"Token {api_key(system, newcomer)}"}  # never used yet
    with working(system, admin, pages, "authfault") as work:
        load = work.load
        probes: list[Call] = []

        def while_down() -> None:
            probes.append(
                load.call("probe", "new-key", "api", "GET", "/api/bookmarks/", headers=fresh_key)
            )
            anonymous = requests.Session()
            form = load.call(
                "probe",
                "login-form",
                "ui",
                "GET",
                "/login",
                session=anonymous,
                headers={"Accept": "text/html"},
            )
            assert form.status == 200, form.describe()
            probes.append(
                load.call(
                    "probe",
                    "login",
                    "ui",
                    "POST",
                    "/login",
                    session=anonymous,
                    headers={"Accept": "text/html"},
                    data={
                        "username": newcomer.username,
                        "password": PASSWORD,
                        "csrf_token": csrf_token(form.text),
                    },
                )
            )

        gap = killed(system, load, "auth", while_down=while_down)
        again = load.call(
            "probe", "new-key-again", "api", "GET", "/api/bookmarks/", headers=fresh_key
        )

    assert_degraded_well(load, gap, {"*": ("auth",)})
    new_key, login = probes
    assert_down_answer(new_key, ("auth",))
    assert_down_answer(login, ("auth",))
    assert newcomer.username in login.text  # what was typed is kept
    tokens = load.calls(since=gap.stopping, actors=["bearer", "ui"])
    assert tokens and all(c.ok for c in tokens), "access tokens stopped working without auth"
    assert again.status == 200, again.describe()
    assert_work_caught_up(work, pages, assert_nothing_lost(work), once=False)


def test_api_killed_the_ui_says_api_is_down(system, admin, pages):
    """api down: the ui's list answers 503 saying api is down (a page, or problem+json);
    api's own clients find nothing listening. Every bookmark api accepted before is there
    after, and gets its page's title."""
    with working(system, admin, pages, "apifault") as work:
        gap = killed(system, work.load, "api")

    load = work.load
    assert_degraded_well(load, gap, {"*": ("api",)}, unreachable=("api",))
    ui_while_down = load.calls(since=gap.down, until=gap.starting, actors=["ui"])
    assert {c.action for c in ui_while_down} == {"page", "page-json"}
    for call in ui_while_down:  # the list cannot be shown without api: every one says so
        assert_down_answer(call, ("api",))
    assert_work_caught_up(work, pages, assert_nothing_lost(work), once=False)


def test_tasks_killed_bookmarks_are_saved_and_fetched_once_after(system, admin, pages):
    """tasks' web process down: nobody adding or listing bookmarks notices (api's outbox
    keeps the fetch requests); the admin's jobs page says tasks is down. After tasks is
    back, the outbox delivers every request: one job per bookmark, run once, each page
    fetched once."""
    browser = ui_session(system, admin.username)
    with working(system, admin, pages, "tasksfault") as work:
        jobs_pages: list[Call] = []

        def while_down() -> None:
            since = time.monotonic()
            jobs_pages.append(
                work.load.call(
                    "probe",
                    "jobs-page",
                    "ui",
                    "GET",
                    "/admin/jobs",
                    session=browser,
                    headers={"Accept": "text/html"},
                )
            )
            work.load.wait_until(
                lambda: len([c for c in work.load.created() if c.started >= since]) >= ADDED,
                CATCH_UP_WITHIN,
                f"{ADDED} bookmarks added while tasks is down",
            )

        gap = killed(system, work.load, "tasks", while_down=while_down)

    load = work.load
    assert_degraded_well(load, gap, {"*": ("tasks",)})
    assert [c for c in load.failures() if c.actor != "probe"] == []
    assert_down_answer(jobs_pages[0], ("tasks",))
    created = assert_nothing_lost(work)
    added_while_down = [c for c in created if gap.down <= c.started < gap.starting]
    assert len(added_while_down) >= ADDED, "hardly any bookmark was added while tasks was down"
    assert_work_caught_up(work, pages, created, once=True)


def test_tasks_killed_a_reset_request_reveals_nothing_and_its_mail_comes_after(system, admin):
    """auth keeps reset mails in its outbox: with tasks down, asking for a reset link of an
    account and of no account answer alike (nothing says which exists), and the mail arrives,
    once, when tasks is back."""
    address = f"{unique('resetter')}@example.org"
    created = requests.post(
        system.urls["auth"] + "/v1/admin/users",
        headers=admin.headers,
        json={"username": unique("resetter"), "password": PASSWORD, "email": address},
        timeout=TIMEOUT,
    )
    assert created.status_code == 201, created.text
    system.stop("tasks", sig=signal.SIGKILL)
    try:
        answers = [
            requests.post(
                system.urls["auth"] + "/v1/password-resets", timeout=TIMEOUT, json={"login": login}
            )
            for login in (address, f"nobody-{unique('x')}@example.org")
        ]
        assert [(a.status_code, a.json()) for a in answers] == [(202, answers[0].json())] * 2, [
            a.text for a in answers
        ]
        held = wait_for(
            lambda: outbox_message(system, address=address, failed=True),
            CATCH_UP_WITHIN,
            "auth's relay never tried to deliver the reset mail while tasks was down",
        )
        assert not [m for m in system.mailbox.messages if address in str(m["To"])]
    finally:
        system.start("tasks")
    message = system.mailbox.wait_for(address, within=CATCH_UP_WITHIN)
    assert "/reset-password/" in message.get_content()
    # Once auth has marked the message delivered and every mail job tasks made of it is done,
    # no other delivery can come.
    wait_for(
        lambda: outbox_message(system, message_id=held["id"], delivered=True),
        CATCH_UP_WITHIN,
        "auth never marked the reset mail delivered",
    )
    wait_for(
        lambda: all(job["state"] in FINISHED for job in mail_jobs(system, admin, address)),
        CATCH_UP_WITHIN,
        "tasks' mail jobs never finished",
    )
    assert len([m for m in system.mailbox.messages if address in str(m["To"])]) == 1


FINISHED = ("completed", "discarded", "cancelled")


def outbox_message(
    system: ShelfSystem,
    *,
    address: str = "",
    message_id: int | None = None,
    failed: bool = False,
    delivered: bool = False,
) -> dict[str, Any] | None:
    """auth's outbox message by id, or the undelivered one carrying mail to `address` (a
    delivered one keeps no address); with `failed`, only once a delivery of it has failed;
    with `delivered`, only once it is delivered."""
    values: dict[str, Any]
    if message_id is not None:
        where, values = "id = :id", {"id": message_id}
    else:
        where = "delivered_at IS NULL AND CAST(payload AS TEXT) LIKE :address"
        values = {"address": f"%{address}%"}
    engine = create_engine(system.database_urls["auth"], poolclass=NullPool)
    try:
        with engine.connect() as connection:
            row = (
                connection.execute(
                    text(f"SELECT id, last_error, delivered_at FROM outbox WHERE {where}"),
                    values,
                )
                .mappings()
                .first()
            )
    finally:
        engine.dispose()
    if row is None or (failed and row["last_error"] is None):
        return None
    if delivered and row["delivered_at"] is None:
        return None
    return dict(row)


def mail_jobs(system: ShelfSystem, admin: Person, address: str) -> list[dict[str, Any]]:
    listed = requests.get(
        system.urls["tasks"] + "/v1/jobs",
        headers=admin.headers,
        params={"kind": "send_email", "limit": "500"},
        timeout=TIMEOUT,
    )
    assert listed.status_code == 200, listed.text[:500]
    return [job for job in listed.json()["results"] if job["args"].get("to") == address]


@pytest.fixture
def test_kinds(system: ShelfSystem):
    """tasks and its worker with the test-only job kinds and a 3-second lease."""
    settings = {"SHELF_TASKS_TEST_HANDLERS": "true", "SHELF_TASKS_LEASE_SECONDS": "3"}
    restart_with(system, ["tasks", "worker"], settings)
    yield system
    restart_with(system, ["tasks", "worker"], dict.fromkeys(settings))


def restart_with(system: ShelfSystem, names: list[str], settings: Mapping[str, str | None]):
    for key, value in settings.items():
        if value is None:
            system.env.pop(key, None)
        else:
            system.env[key] = value
    for name in names:
        system.stop(name)
    for name in names:
        system.start(name)


def test_worker_killed_its_job_runs_again_and_completes_once(test_kinds, admin, pages, tmp_path):
    """The worker SIGKILLed while it runs a job: nobody using Shelf notices; started again,
    it takes the job back when the lease expires and runs it to the end once, the lost run
    not counted as a failed attempt; every bookmark's fetch completes."""
    system = test_kinds
    record = tmp_path / "record.jsonl"

    def events() -> list[tuple[int, str]]:
        lines = record.read_text().splitlines() if record.exists() else []
        return [(e["attempt"], e["event"]) for e in map(json.loads, lines)]

    with working(system, admin, pages, "workerfault") as work:
        made = requests.post(
            system.urls["tasks"] + "/v1/jobs",
            headers=admin.headers,
            timeout=TIMEOUT,
            json={"kind": "record", "max_attempts": 3, "args": {"path": str(record), "seconds": 4}},
        )
        assert made.status_code == 201, made.text
        job_id = made.json()["id"]
        wait_for(lambda: (1, "start") in events(), 20, "the job never started")
        gap = killed(system, work.load, "worker")

        def finished():
            job = requests.get(
                f"{system.urls['tasks']}/v1/jobs/{job_id}", headers=admin.headers, timeout=TIMEOUT
            ).json()
            return job if job["state"] in ("completed", "discarded") else None

        job = wait_for(finished, CATCH_UP_WITHIN, "the interrupted job never finished")

    assert job["state"] == "completed", job
    # The worker's death cost the job no attempt: it ran again as attempt 1, interrupted once.
    assert events() == [(1, "start"), (1, "start"), (1, "end")]
    assert (job["attempt"], job["interruptions"]) == (1, 1), job
    assert work.load.failures() == [], "the worker's death showed to someone"
    assert_degraded_well(work.load, gap, {"*": ("tasks",)})
    assert_work_caught_up(work, pages, assert_nothing_lost(work), once=False)


# -- the database -----------------------------------------------------------------------------


@pytest.fixture
def database_server() -> Iterator[PostgresCluster]:
    """A Postgres server of this test's own (the shared one must not be restarted)."""
    if not postgres_test_url():
        pytest.skip(
            "runs in the Postgres run (SHELF_TEST_POSTGRES_URL set): SQLite is a file "
            "each service opens; there is no database server to restart"
        )
    reason = unavailable_reason()
    if reason:
        pytest.skip(f"no throwaway Postgres server can be made here: {reason}")
    with PostgresCluster.running() as cluster:
        yield cluster


@contextmanager
def reported(system: ShelfSystem, cluster: PostgresCluster) -> Iterator[None]:
    """On failure, the system's logs and the server's log end the test's output; and the
    server is left running, so the system's databases can be dropped."""
    try:
        yield
    except BaseException:
        print(system.report())
        print(f"--- postgres ({cluster.log_path})\n{cluster.log_tail()}")
        raise
    finally:
        if not cluster.is_running():
            cluster.start()


def test_database_restart_under_load(database_server, pages, tmp_path):
    """A second system on a Postgres server of the test's own, restarted under the client:
    once with `pg_ctl restart -m fast`, once stopped as by a crash (`-m immediate`) and
    started again. While the database is away api answers 503 naming it (linkding's shape on
    /api/), quickly, and every service's /readyz says not ready; once it is back every
    service works again by itself, without one failed request; nothing accepted is lost and
    every bookmark's fetch completes."""
    cluster = database_server
    with (
        ShelfSystem.running(tmp_path / "system", postgres_url=cluster.url()) as system,
        reported(system, cluster),
    ):
        admin = make_admin(system)
        with working(system, admin, pages, "dbfault") as work:
            load = work.load
            restarting = load.mark("database: pg_ctl restart -m fast")
            cluster.restart("fast")
            back = load.mark("database: back")
            load.wait_for_calls(since=back, each=DOWN_CALLS)
            readiness: list[Call] = []

            def while_down() -> None:
                for service in ("api", "auth", "tasks"):
                    readiness.append(load.call("probe", "readyz", service, "GET", "/readyz"))

            gap = outage(
                load,
                "database",
                stop=lambda: cluster.stop("immediate"),
                start=cluster.start,
                while_down=while_down,
            )

        # api names the database; with an API key, auth (whose database it is) may be named
        # instead: api could not resolve the key. The ui names api, the part it calls.
        parts = {
            "key": ("database", "auth"),
            "bearer": ("database",),
            "probe": ("database",),
            "*": ("api",),
        }
        during_restart = [c for c in load.failures() if c.ended >= restarting and c.started < back]
        print(f"fast restart: {len(during_restart)} failed calls in {back - restarting:.2f} s")
        for call in during_restart:
            assert_down_answer(call, parts.get(call.actor) or parts["*"])
        assert_degraded_well(load, gap, parts, healthy_since=back)
        assert not load.failures(since=gap.ready), "a request failed once the database was back"
        for probe in readiness:
            assert_down_answer(probe, ("database",))
            assert probe.document["checks"]["database"]["ok"] is False, probe.body
        bearer_down = load.calls(since=gap.down, until=gap.starting, actors=["bearer"])
        assert bearer_down and all(c.status == 503 for c in bearer_down), (
            "api answered while its database was down?"
        )
        assert {name: system.is_running(name) for name in system.specs} == dict.fromkeys(
            system.specs, True
        ), "a process did not survive the restarts"
        assert_work_caught_up(work, pages, assert_nothing_lost(work), once=False)


# -- a rolling redeploy -----------------------------------------------------------------------


def worker_pids(master: int) -> list[int]:
    """The pids of a gunicorn master's workers (its child processes)."""
    children = Path(f"/proc/{master}/task/{master}/children")
    return sorted(int(pid) for pid in children.read_text().split())


def test_a_rolling_replacement_of_api_workers_under_load_loses_no_request(system, admin, pages):
    """TTIN to api's gunicorn once per worker, each time until the new worker is ready, then
    TTOU as many times: the old workers go while the client works; no call fails, the master
    stays, the workers are new."""
    with working(system, admin, pages, "rolling") as work:
        load = work.load
        master = system.process("api").pid
        old_workers = worker_pids(master)

        def more_ready_than(count: int) -> bool:
            return system.logs("api").count("Worker ready") > count

        def old_workers_at_most(left: int) -> bool:
            return len(set(worker_pids(master)) & set(old_workers)) <= left

        started = load.mark("api: TTIN, one worker at a time")
        # One signal at a time: two sent at once reach gunicorn as one.
        for number in range(1, len(old_workers) + 1):
            ready = system.logs("api").count("Worker ready")
            os.kill(master, signal.SIGTTIN)
            wait_for(
                partial(more_ready_than, ready),
                60,
                f"gunicorn's new worker {number} never said it was ready",
            )
        load.mark("api: new workers ready, TTOU, one at a time")
        for number in range(1, len(old_workers) + 1):
            os.kill(master, signal.SIGTTOU)
            left = len(old_workers) - number
            wait_for(
                partial(old_workers_at_most, left),
                60,
                f"old worker {number} never stopped",
            )
        reloaded = load.mark("api: only new workers")
        # and the new workers answer a good many requests before the client stops
        load.wait_for_calls(since=reloaded, each=20)
    assert len(worker_pids(master)) == len(old_workers), "api is not back to its worker count"

    calls = load.calls()
    assert len(load.calls(since=started)) > 60, "the client hardly ran"
    failed = load.failures()
    assert failed == [], f"{len(failed)} of {len(calls)} calls failed:\n" + "\n".join(
        c.describe() for c in failed[:20]
    )
    slowest = max(calls, key=lambda c: c.elapsed)
    print(f"{len(calls)} calls, none failed; the slowest: {slowest.describe()}")
    assert system.process("api").pid == master  # the same master, new workers
    assert_nothing_lost(work)

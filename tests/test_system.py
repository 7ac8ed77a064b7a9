"""The whole system, started as real processes: what an operator checks after `make run`.

Every web service answers its probes as itself, is ready once the others are up, serves the
OpenAPI document kept in its folder and passes a request id on to the services it calls; the
worker and the scheduler run; a stopped process can be started again. The same tests run on
SQLite and, when SHELF_TEST_POSTGRES_URL is set, on Postgres.
"""

from __future__ import annotations

import json
import signal
import threading
import time
import tomllib
import uuid
from html.parser import HTMLParser

import pytest
import requests
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from loopback_site import Site
from shelf_accounts import make_admin, make_user
from shelf_system import (
    DATA_SERVICES,
    GATEWAY,
    ROOT,
    THREADS,
    WEB_SERVICES,
    WORKERS,
    ShelfSystem,
    service_dir,
)
from ui_pages import wait_for

TIMEOUT = (2, 10)  # (connect, read) seconds for each request a test makes


def declared_version(service: str) -> str:
    with (service_dir(service) / "pyproject.toml").open("rb") as fh:
        return tomllib.load(fh)["project"]["version"]


def get(system: ShelfSystem, service: str, path: str, **kwargs) -> requests.Response:
    return requests.get(system.urls[service] + path, timeout=TIMEOUT, **kwargs)


def wait_for_log_entry(system: ShelfSystem, name: str, matches, within: float = 30.0) -> dict:
    """The first JSON log line of process `name` that `matches`, waiting a little for it to be
    written; fails showing the log's tail."""
    deadline = time.monotonic() + within
    while True:
        for entry in system.json_logs(name):
            if matches(entry):
                return entry
        if time.monotonic() > deadline:
            pytest.fail(
                f"no matching line in {name}'s log ({system.log_paths[name]}):\n"
                f"{system.log_tail(name)}"
            )
        time.sleep(0.1)


def json_differences(first, second, where: str = "") -> list[str]:
    """Where two JSON documents differ, as readable paths (empty when they are equal)."""
    if isinstance(first, dict) and isinstance(second, dict):
        found = []
        for key in sorted(set(first) | set(second)):
            here = f"{where}/{key}"
            if key not in second:
                found.append(f"{here}: only in the first")
            elif key not in first:
                found.append(f"{here}: only in the second")
            else:
                found.extend(json_differences(first[key], second[key], here))
        return found
    if first != second:
        return [f"{where or '/'}: {first!r:.120} != {second!r:.120}"]
    return []


class ServiceStates(HTMLParser):
    """The ui's status page: {service: state} from each `<li id="service-NAME" data-state>`."""

    def __init__(self) -> None:
        super().__init__()
        self.states: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        name = found.get("id") or ""
        if tag == "li" and name.startswith("service-"):
            self.states[name.removeprefix("service-")] = found.get("data-state") or ""


def status_page_states(html: str) -> dict[str, str]:
    parser = ServiceStates()
    parser.feed(html)
    return parser.states


# -- probes ------------------------------------------------------------------------------------


@pytest.mark.parametrize("service", WEB_SERVICES)
def test_healthz_answers_as_the_service_with_its_version(shelf_system, service):
    answer = get(shelf_system, service, "/healthz")

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status"] == "ok"
    assert body["service"] == service
    assert body["version"] == declared_version(service), (
        f"{service} runs version {body['version']} but services/{service}/pyproject.toml says "
        f"{declared_version(service)}: its environment is stale (`make setup`)"
    )


@pytest.mark.parametrize("service", WEB_SERVICES)
def test_readyz_is_ready_when_every_dependency_is_up(shelf_system, service):
    answer = get(shelf_system, service, "/readyz")

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["service"] == service
    failing = {name: check for name, check in body["checks"].items() if not check["ok"]}
    assert failing == {}
    assert body["status"] == "ready"


@pytest.mark.parametrize("service", DATA_SERVICES)
def test_each_data_service_runs_on_its_own_migrated_database(shelf_system, service):
    checks = get(shelf_system, service, "/readyz").json()["checks"]

    expected = {"sqlite": "sqlite", "postgres": "postgresql"}[shelf_system.backend]
    assert checks["database"] == {"ok": True, "critical": True, "detail": expected}
    migrations = service_dir(service) / "src" / f"shelf_{service}" / "migrations"
    head = ScriptDirectory(str(migrations)).get_current_head()
    engine = create_engine(shelf_system.database_urls[service], poolclass=NullPool)
    try:
        with engine.connect() as connection:
            revision = connection.execute(text("SELECT version_num FROM alembic_version"))
            assert revision.scalar_one() == head
    finally:
        engine.dispose()


# -- request ids -------------------------------------------------------------------------------


def test_a_request_id_sent_to_the_ui_reaches_every_service_it_calls(shelf_system):
    request_id = f"system-test.{uuid.uuid4().hex}"

    answer = get(shelf_system, "ui", "/status", headers={"X-Request-ID": request_id})

    assert answer.status_code == 200, answer.text
    assert answer.headers.get("X-Request-ID") == request_id
    assert status_page_states(answer.text) == {"auth": "up", "api": "up", "tasks": "up"}
    assert "Every service is up." in answer.text
    wait_for_log_entry(
        shelf_system,
        "ui",
        lambda entry: entry.get("request_id") == request_id and entry.get("path") == "/status",
    )
    for service in ("auth", "api", "tasks"):
        entry = wait_for_log_entry(
            shelf_system,
            service,
            lambda entry: entry.get("request_id") == request_id and entry.get("path") == "/healthz",
        )
        assert entry["service"] == service
        assert entry["status"] == 200


# -- the worker and the scheduler (a thread of the worker's process, as under make run) ---------


def started_line(system: ShelfSystem, role: str) -> dict:
    """The line the worker or its scheduler thread logged when the worker process now running
    started."""
    pid = system.process("worker").pid
    # A new Python process on a machine busy with other runs can take seconds to start.
    return wait_for_log_entry(
        system,
        "worker",
        lambda entry: (
            entry.get("message") == f"{role} started"
            and str(entry.get(f"{role}_id", "")).endswith(f":{pid}")
        ),
        within=30.0,
    )


@pytest.mark.parametrize("role", ["worker", "scheduler"])
def test_the_worker_and_the_scheduler_run_and_logged_their_start(shelf_system, role):
    assert shelf_system.is_running("worker"), shelf_system.log_tail("worker")
    entry = started_line(shelf_system, role)
    assert entry["service"] == "tasks"
    assert entry["level"] == "info"


def test_the_fixture_starts_what_make_run_starts():
    """The Procfile's processes, each with its defaults, are the ones the tests run (the mail
    sink aside: the tests have their own SMTP server), but for the jobs: make run's tasks runs
    them in its web process; the tests run the same loops in a process of their own, as compose
    does, so that a test can stop them and keep tasks' API."""
    procfile = dict(
        line.split(": ", 1)
        for line in (ROOT / "Procfile").read_text(encoding="utf-8").splitlines()
        if line
    )
    assert set(procfile) - {"mail"} == {*WEB_SERVICES, GATEWAY}
    assert "SHELF_TASKS_WEB_RUNS_JOBS=true" in procfile["tasks"]
    for service in WEB_SERVICES:
        name = service.upper()
        assert (
            f"--workers ${{SHELF_{name}_WORKERS:-{WORKERS}}} "
            f"--threads ${{SHELF_{name}_THREADS:-{THREADS[service]}}}"
        ) in procfile[service]


# -- contracts ---------------------------------------------------------------------------------


@pytest.mark.parametrize("service", WEB_SERVICES)
def test_the_served_openapi_document_is_the_one_in_the_service_folder(shelf_system, service):
    in_folder = json.loads((service_dir(service) / "openapi.json").read_text())

    answer = get(shelf_system, service, "/openapi.json")

    assert answer.status_code == 200, answer.text
    differences = json_differences(in_folder, answer.json())
    if differences:
        shown = "\n".join(differences[:20])
        more = f"\n... and {len(differences) - 20} more" if len(differences) > 20 else ""
        pytest.fail(
            f"services/{service}/openapi.json (first) is not what {service} serves (second); "
            f"regenerate it: cd services/{service} && .venv/bin/shelf-{service} openapi write "
            f"--format=json openapi.json\n{shown}{more}"
        )


# -- stopping and starting (what the fault tests build on) ------------------------------------


def test_a_stopped_service_is_down_for_the_ui_and_comes_back_when_started(shelf_system):
    exit_code = shelf_system.stop("api")
    try:
        assert exit_code == 0  # gunicorn shut down cleanly on SIGTERM
        assert not shelf_system.is_running("api")
        with pytest.raises(requests.ConnectionError):
            get(shelf_system, "api", "/healthz")
        page = get(shelf_system, "ui", "/status")
        assert page.status_code == 200
        assert status_page_states(page.text) == {"auth": "up", "api": "down", "tasks": "up"}
    finally:
        if not shelf_system.is_running("api"):
            shelf_system.start("api")

    assert get(shelf_system, "api", "/healthz").json()["service"] == "api"
    page = get(shelf_system, "ui", "/status")
    assert status_page_states(page.text) == {"auth": "up", "api": "up", "tasks": "up"}


def test_the_worker_and_its_scheduler_stop_on_sigterm_and_start_again(shelf_system):
    exit_code = shelf_system.stop("worker")
    try:
        assert exit_code == 0, shelf_system.log_tail("worker")
        for role in ("worker", "scheduler"):
            stopped = [
                entry
                for entry in shelf_system.json_logs("worker")
                if entry.get("message") == f"{role} stopped"
            ]
            assert stopped and stopped[-1]["reason"] == "SIGTERM", shelf_system.log_tail("worker")
    finally:
        if not shelf_system.is_running("worker"):
            shelf_system.start("worker")

    for role in ("worker", "scheduler"):
        started_line(shelf_system, role)
    assert shelf_system.is_running("worker"), shelf_system.log_tail("worker")


def test_a_killed_worker_can_be_started_again(shelf_system):
    killed_pid = shelf_system.process("worker").pid

    exit_code = shelf_system.stop("worker", sig=signal.SIGKILL)
    try:
        assert exit_code == -signal.SIGKILL
        assert not shelf_system.is_running("worker")
    finally:
        if not shelf_system.is_running("worker"):
            shelf_system.start("worker")

    assert shelf_system.process("worker").pid != killed_pid
    started_line(shelf_system, "worker")
    assert shelf_system.is_running("worker"), shelf_system.log_tail("worker")


# -- api's check endpoint reads pages without holding api -----------------------------------


def test_pages_read_by_check_do_not_hold_api_for_everyone_else(shelf_system):
    """linkding's extension calls check when its popup opens; api reads the page then. Three
    people's popups open on a slow page at once (more than api has workers): another user's
    list is answered before any of those pages is. (One person's checks are read at most two
    at a time per process: test_api_hardening.py.)"""
    site = Site().start()
    site.hold()  # a slow site: its page answers only once the list has been answered
    slow_url = site.page("/slow", "Slow but there")
    admin = make_admin(shelf_system)
    readers = [make_user(shelf_system, admin) for _ in range(3)]
    other = make_user(shelf_system, admin)
    finished: list[str] = []

    def check(n: int) -> None:
        answer = requests.get(
            shelf_system.urls["api"] + "/api/bookmarks/check/",
            params={"url": f"{slow_url}?{n}"},
            headers=readers[n].headers,
            timeout=TIMEOUT,
        )
        assert answer.json()["metadata"]["title"] == "Slow but there"
        finished.append("check")

    try:
        checks = [threading.Thread(target=check, args=(n,)) for n in range(3)]
        for thread in checks:
            thread.start()
        wait_for(lambda: len(site.held) >= 3, 60, "the three checks reading the slow page")
        listed = requests.get(
            shelf_system.urls["api"] + "/api/bookmarks/", headers=other.headers, timeout=TIMEOUT
        )
        finished.append("list")
        site.release()
        for thread in checks:
            thread.join(timeout=20)
    finally:
        site.stop()
    assert listed.status_code == 200
    assert finished == ["list", "check", "check", "check"]

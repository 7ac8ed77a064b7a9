"""Fuzzing every service from the OpenAPI document it serves, against the running system.

schemathesis generates requests for every operation (bounded: MAX_EXAMPLES each) and checks
that no answer is a server error and that every answer fits its own documented schema. Each
call carries the credentials the operation is meant for: a user's token on the user routes, an
admin's on the admin routes, a service token on the service routes (the ui, whose pages run on
a session cookie, gets a logged-in browser's cookies).

Fuzzing must not wreck the shared system for the tests after it, so:
- path ids that name users, jobs and schedules are pinned to objects made for the fuzzer (a
  random id would deactivate or delete another test's user, or cancel its job), and the
  schedules are put back as they were afterwards;
- auth runs with a high failed-login limit while fuzzed (random logins would otherwise lock
  this address out) and is restarted with its usual settings afterwards.

Findings are pinned below as plain `requests` regression tests.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.database import DirectoryBasedExampleDatabase
from hypothesis.stateful import run_state_machine_as_test
from schemathesis.checks import not_a_server_error, response_schema_conformance
from schemathesis.core.result import Err

from shelf_accounts import (
    Person,
    bearer,
    make_admin,
    make_user,
    service_token,
    ui_session,
)
from shelf_system import ShelfSystem

TIMEOUT = (2, 15)
CHECKS = [not_a_server_error, response_schema_conformance]
FAR_FUTURE = "2100-01-01T00:00:00Z"
# In `make test` the fuzzing is derandomized: the same commit always fuzzes with the same
# examples, so a finding fails every run (and is fixed) instead of deciding by chance whether
# unrelated work lands. `make fuzz` (SHELF_FUZZ=random) searches further, at random, with many
# more examples, and keeps what it finds in .hypothesis/ so a finding replays until it is fixed
# (and then becomes a regression test below).
RANDOM = os.environ.get("SHELF_FUZZ") == "random"
MAX_EXAMPLES = int(os.environ.get("SHELF_FUZZ_EXAMPLES", "100" if RANDOM else "15"))
STATEFUL_EXAMPLES = MAX_EXAMPLES * 5 // 3
EXAMPLES_KEPT = DirectoryBasedExampleDatabase(str(Path(__file__).parent / ".hypothesis" / "fuzz"))
FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=EXAMPLES_KEPT if RANDOM else None,
    derandomize=not RANDOM,
    suppress_health_check=list(HealthCheck),
)


class Fuzzing:
    """Who calls, and the objects the fuzzer may touch."""

    def __init__(self, system: ShelfSystem) -> None:
        self.system = system
        self.admin: Person = make_admin(system)
        self.user: Person = make_user(system, self.admin, "fuzz")
        self.tokens = {client: service_token(system, client) for client in ("api", "tasks")}
        # The ui is fuzzed as a person of its own: fuzzing auth as `self.user` may end that
        # user's sessions (logout everywhere, a password change), which would leave the ui's
        # cookie revoked for reasons that have nothing to do with the ui.
        self.ui_user: Person = make_user(system, self.admin, "fuzzui")
        self.browser = ui_session(system, self.ui_user.username)
        self.victim_id = self.new_victim()
        self.job_id = self.new_job()

    def new_victim(self) -> int:
        return make_user(self.system, self.admin, "fuzzvictim").user_id

    def new_job(self) -> int:
        made = requests.post(
            self.system.urls["tasks"] + "/v1/jobs",
            headers=self.admin.headers,
            json={
                "kind": "purge",
                "args": {},
                "run_at": FAR_FUTURE,
                "created_by": self.user.user_id,
            },
            timeout=TIMEOUT,
        )
        assert made.status_code == 201, made.text
        return made.json()["id"]

    def headers_for(self, service: str, path: str) -> dict[str, str]:
        if service == "auth":
            if path.startswith("/v1/admin/"):
                return self.admin.headers
            if path == "/v1/api-keys/introspect":
                return bearer(self.tokens["api"])
            if path == "/v1/maintenance/purge":
                return bearer(self.tokens["tasks"])
            return self.user.headers
        if service == "api":
            if path.startswith("/v1/internal/"):
                return bearer(self.tokens["tasks"])
            return self.user.headers
        if service == "tasks":
            return self.admin.headers
        return {}

    def pin_ids(self, case) -> None:
        """Point ids that could harm other tests at the fuzzer's own objects."""
        parameters = case.path_parameters or {}
        if "user_id" in parameters:
            if case.method.upper() == "DELETE":  # each deletion gets a user of its own
                self.victim_id = self.new_victim()
            parameters["user_id"] = self.victim_id
        if "job_id" in parameters and case.method.upper() != "GET":  # retry, cancel
            parameters["job_id"] = self.job_id
        if "owner_id" in parameters:  # a purge (DELETE) gets a user of its own
            parameters["owner_id"] = (
                self.new_victim() if case.method.upper() == "DELETE" else self.user.user_id
            )


@pytest.fixture(scope="module")
def fuzzing(shelf_system: ShelfSystem):
    system = shelf_system
    tasks = system.urls["tasks"]
    before = system.env.get("SHELF_AUTH_LOGIN_MAX_FAILURES")
    restart_auth(system, {"SHELF_AUTH_LOGIN_MAX_FAILURES": "1000000"})
    try:
        context = Fuzzing(system)
        schedules = requests.get(
            tasks + "/v1/schedules", headers=context.admin.headers, timeout=TIMEOUT
        ).json()["results"]
        yield context
        for schedule in schedules:  # put back whatever the fuzzer changed
            answer = requests.patch(
                f"{tasks}/v1/schedules/{schedule['id']}",
                timeout=TIMEOUT,
                headers=context.admin.headers,
                json={"cron": schedule["cron"], "enabled": schedule["enabled"]},
            )
            assert answer.status_code == 200, answer.text
    finally:
        restart_auth(system, {"SHELF_AUTH_LOGIN_MAX_FAILURES": before})  # as it was


def restart_auth(system: ShelfSystem, settings_: dict[str, str | None]) -> None:
    for key, value in settings_.items():
        if value is None:
            system.env.pop(key, None)
        else:
            system.env[key] = value
    system.stop("auth")
    system.start("auth")


def fuzz_service(fuzzing: Fuzzing, service: str) -> None:
    """MAX_EXAMPLES generated calls per operation of the service's served document; every
    operation is run, and all their failures reported together."""
    schema = schemathesis.openapi.from_url(fuzzing.system.urls[service] + "/openapi.json")
    failures, operations = [], 0
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            raise result.err()  # an operation the document does not describe readably
        operation = result.ok()
        operations += 1

        @FUZZ_SETTINGS
        @given(case=operation.as_strategy())
        def run(case) -> None:
            fuzz_one(fuzzing, service, case)

        try:
            run()
        except Exception as error:  # every operation's failure is reported
            failures.append(f"== {operation.label}\n{error}")
    assert operations, f"{service} publishes no operation"
    assert not failures, "\n".join(failures)


def fuzz_one(fuzzing: Fuzzing, service: str, case) -> None:
    fuzzing.pin_ids(case)
    # The ui's calls go through the logged-in browser's own session, so a cookie the ui
    # replaces or clears on the way (through redirects) is replaced or cleared, as in a browser.
    session = fuzzing.browser if service == "ui" else None
    response = case.call(
        base_url=fuzzing.system.urls[service],
        timeout=TIMEOUT,
        headers=fuzzing.headers_for(service, case.path),
        session=session,
    )
    case.validate_response(response, checks=CHECKS)


@pytest.mark.parametrize("service", ["auth", "api", "tasks", "ui"])
def test_fuzz(fuzzing, service):
    fuzz_service(fuzzing, service)


def test_fuzz_api_stateful(fuzzing):
    """api's bookmarks, tags and bundles as sequences: schemathesis infers the links (an id
    from one answer used in the next call's path) from the document, which declares none."""
    system = fuzzing.system
    schema = schemathesis.openapi.from_url(system.urls["api"] + "/openapi.json")

    # The state machine's class is made at run time from the document: no static base.
    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case):
            return {"headers": fuzzing.headers_for("api", case.path), "timeout": TIMEOUT}

        def validate_response(self, response, case, **kwargs):
            case.validate_response(response, checks=CHECKS)

    run_state_machine_as_test(
        Workflow,
        settings=settings(FUZZ_SETTINGS, max_examples=STATEFUL_EXAMPLES, stateful_step_count=6),
    )


# -- regression tests for what the fuzzer found -------------------------------------------------

HUGE_ID = 2**70  # a well-formed integer id, beyond any database integer


@pytest.fixture(scope="module")
def admin(shelf_system) -> Person:
    return make_admin(shelf_system)


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", f"/v1/schedules/{HUGE_ID}"),
        ("GET", f"/v1/jobs/{HUGE_ID}"),
        ("GET", f"/v1/jobs?created_by={HUGE_ID}"),
    ],
)
def test_tasks_answers_404_for_an_id_beyond_64_bits(shelf_system, admin, method, path):
    answer = requests.request(
        method, shelf_system.urls["tasks"] + path, headers=admin.headers, timeout=TIMEOUT
    )
    # a filter by such an id finds nothing (200, or 422 for a value out of range)
    expected = {200, 422} if "?" in path else {404}
    assert answer.status_code in expected, answer.text


def test_ui_progress_of_a_job_id_beyond_64_bits_is_404(shelf_system, admin):
    browser = ui_session(shelf_system, admin.username)
    answer = browser.get(
        f"{shelf_system.urls['ui']}/import/job/{HUGE_ID}/progress",
        headers={"Accept": "application/json"},
        timeout=TIMEOUT,
    )
    assert answer.status_code == 404, answer.text


def test_auth_answers_404_for_a_user_id_beyond_64_bits(shelf_system, admin):
    answer = requests.patch(
        f"{shelf_system.urls['auth']}/v1/admin/users/{HUGE_ID}",
        headers=admin.headers,
        json={},
        timeout=TIMEOUT,
    )
    assert answer.status_code == 404, answer.text


@pytest.mark.parametrize("path", [f"/api/bookmarks/{HUGE_ID}/", f"/api/tags/{HUGE_ID}/"])
def test_api_answers_404_for_an_id_beyond_64_bits(shelf_system, admin, path):
    answer = requests.get(shelf_system.urls["api"] + path, headers=admin.headers, timeout=TIMEOUT)
    assert answer.status_code == 404, answer.text


def test_a_nul_character_in_a_login_is_refused_not_a_500(shelf_system):
    answer = requests.post(
        shelf_system.urls["auth"] + "/v1/sessions",
        timeout=TIMEOUT,
        json={"username": "\u00ef\u00005", "password": "whatever it is"},
    )
    assert answer.status_code == 400, answer.text
    assert "username" in answer.json()["errors"]

"""Helpers for Shelf's tests: free ports, real HTTP servers on loopback, a stand-in tasks, and
throwaway Postgres databases.

Tests run on SQLite always, and on Postgres too when SHELF_TEST_POSTGRES_URL names a database
on a server the tests may create databases on (CI sets it). Each test session gets databases
of its own, named after that one, and drops them at the end.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, jsonify, request
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

if TYPE_CHECKING:
    from shelf_kit.contracts import Contract

POSTGRES_ENV = "SHELF_TEST_POSTGRES_URL"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Call:
    """A request a stand-in was sent, as a test looks at it afterwards."""

    method: str
    path: str
    args: dict[str, str]
    json: Any
    authorization: str | None
    form: dict[str, str] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    forwarded_for: str | None = None


def recorded_call() -> Call:
    """The Flask request being answered, as a `Call` (uploaded files read, then rewound)."""
    files = {}
    for name, upload in request.files.items():
        files[name] = upload.read()
        upload.seek(0)
    return Call(
        request.method,
        request.path,
        dict(request.args),
        request.get_json(silent=True),
        request.headers.get("Authorization"),
        dict(request.form),
        files,
        request.headers.get("X-Forwarded-For"),
    )


class _OneAnswerPerConnection(WSGIRequestHandler):
    # HTTP/1.0: the connection closes after each answer, so a stopped server cannot keep
    # answering on a kept-alive connection (a real service that stops closes them too).
    protocol_version = "HTTP/1.0"


class LoopbackServer:
    """A WSGI app (a Flask app) served for real, in a thread, on a loopback port.

    `stop()` closes the listening socket, so connections are refused, as when a service goes
    down; `start()` again serves on the same port, as when it comes back. Each connection
    carries one answer. Also a context manager: `with LoopbackServer(app) as server: ...`.
    """

    def __init__(self, app: Callable[..., Any], port: int | None = None) -> None:
        self.app = app
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> LoopbackServer:
        """Serve (again) on the port; a running server stays as it is."""
        if self._server is None:
            server = make_server(
                "127.0.0.1",
                self.port,
                self.app,
                threaded=True,
                request_handler=_OneAnswerPerConnection,
            )
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"loopback-{self.port}",
                daemon=True,
            )
            thread.start()
            self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        """Stop answering and close the listening socket; does nothing when stopped."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self._server = self._thread = None
        server.shutdown()
        server.server_close()
        thread.join()

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class StandInTasks(LoopbackServer):
    """tasks' POST /v1/jobs on loopback, as the services' outboxes call it (not started: call
    `start()`). Every job sent is checked against tasks' document (`contract`, the
    `shelf_kit.contracts.Contract` of services/tasks/openapi.json): one it does not take is
    refused (422), as tasks would refuse it, and what did not fit is in `problems`; so is
    every answer of the stand-in's that the document does not describe.

    `jobs` keeps what was taken: {"body", "authorization", "request_id"} each. A key used
    before answers the first job again (200), as tasks does. `verify(token)`, when given,
    raises to refuse a caller's bearer token (401). `lose_answers = n`: the next n jobs are
    kept but answered 503, as when tasks commits a job and its answer is lost on the way.

    For a user's calls (the ui's admin pages, its import progress) it also serves GET
    /v1/jobs, GET /v1/jobs/<id>, POST /v1/jobs/<id>/retry|cancel, GET /v1/schedules, GET and
    PATCH /v1/schedules/<id> and GET /v1/stats over `listed` (jobs added with `add_job()`) and
    `schedules`; `identify(authorization)`, when given, names the caller ({"sub", "is_admin"},
    as auth's claims do, or None: 401), e.g. `shelf_identity.testing.StandInAuth.identify`.
    `received` lists every request but /healthz (`called(method, path)` filters it), `seen`
    the headers of each /healthz request.
    """

    def __init__(
        self,
        contract: Contract,
        *,
        verify: Callable[[str], object] | None = None,
        identify: Callable[[str | None], Mapping[str, Any] | None] | None = None,
        port: int | None = None,
    ) -> None:
        self.contract = contract
        self.verify = verify
        self.identify = identify
        self.lock = threading.Lock()  # the server answers each connection in a thread
        self.problems: list[str] = []
        self.reset()
        app = Flask("stand-in-tasks")
        app.get("/healthz")(self._healthz)
        app.post("/v1/jobs")(self._enqueue)
        app.before_request(self._record)
        app.after_request(self._check_answer)
        self._user_routes(app)
        super().__init__(app, port)

    def reset(self) -> None:
        """No jobs, no problems, every answer given (a session-wide stand-in between tests)."""
        self.jobs: list[dict[str, Any]] = []
        self.by_key: dict[str, dict[str, Any]] = {}
        self.posts = 0
        self.lose_answers = 0
        self.problems = []
        self.received: list[Call] = []
        self.seen: list[dict[str, str]] = []
        self.listed: dict[int, dict[str, Any]] = {}  # what the user's routes list
        self.schedules: dict[int, dict[str, Any]] = {
            1: {
                "id": 1,
                "name": "check-links",
                "kind": "check_links",
                "args": {},
                "cron": "0 4 * * *",
                "enabled": True,
                "next_fire_at": "2026-11-25T04:00:00Z",
                "last_fire_at": None,
                "last_job_id": None,
                "created_at": "2026-11-24T10:00:00Z",
                "updated_at": "2026-11-24T10:00:00Z",
            },
        }
        self.now = "2026-11-24T10:00:00+00:00"  # what /v1/stats says its time is

    def add_job(self, kind: str, state: str, **fields: Any) -> dict[str, Any]:
        """A job in `listed`, a sample of tasks' Job with these fields."""
        job_id = max(self.listed, default=0) + 1
        job = {
            "id": job_id,
            "kind": kind,
            "queue": "default",
            "state": state,
            "attempt": 1,
            "max_attempts": 5,
            "run_at": "2026-11-24T10:00:00Z",
            "created_at": "2026-11-24T10:00:00Z",
            "updated_at": "2026-11-24T10:00:00Z",
        }
        self.listed[job_id] = self.contract.sample("Job", **{**job, **fields})
        return self.listed[job_id]

    def called(self, method: str, path: str) -> list[Call]:
        return [c for c in self.received if c.method == method and c.path == path]

    def _record(self) -> None:
        if request.path != "/healthz":
            self.received.append(recorded_call())

    def _healthz(self) -> Response:
        self.seen.append(dict(request.headers))
        return jsonify(status="ok", service="tasks", version="0.1.0")

    def _caller(self, *, admin: bool) -> Mapping[str, Any] | tuple[Response, int]:
        claims = self.identify(request.headers.get("Authorization")) if self.identify else None
        if claims is None:
            return _tasks_problem(401, "Error", "Log in first.")
        if admin and not claims.get("is_admin"):
            return _tasks_problem(
                403, "Error", "Only administrators and Shelf's services may do this."
            )
        return claims

    def _user_routes(self, app: Flask) -> None:
        @app.get("/v1/jobs")
        def jobs():
            if isinstance(caller := self._caller(admin=True), tuple):
                return caller
            found = sorted(self.listed.values(), key=lambda job: job["id"], reverse=True)
            for key in ("state", "kind"):
                if request.args.get(key):
                    found = [job for job in found if job[key] == request.args[key]]
            limit, offset = int(request.args.get("limit", 50)), int(request.args.get("offset", 0))
            return jsonify(
                results=found[offset : offset + limit], total=len(found), limit=limit, offset=offset
            )

        @app.get("/v1/jobs/<int:job_id>")
        def job(job_id):
            if isinstance(caller := self._caller(admin=False), tuple):
                return caller
            found = self.listed.get(job_id)
            if found is None or not (
                caller.get("is_admin") or str(found["created_by"]) == caller["sub"]
            ):
                return _tasks_problem(404, "Error", "There is no such job.")
            return jsonify(found)

        @app.post("/v1/jobs/<int:job_id>/<any(retry, cancel):action>")
        def job_action(job_id, action):
            if isinstance(caller := self._caller(admin=True), tuple):
                return caller
            found = self.listed.get(job_id)
            if found is None:
                return _tasks_problem(404, "Error", "There is no such job.")
            found["state"] = "available" if action == "retry" else "cancelled"
            return jsonify(found)

        @app.get("/v1/schedules")
        def schedules():
            if isinstance(caller := self._caller(admin=True), tuple):
                return caller
            return jsonify(results=list(self.schedules.values()))

        @app.route("/v1/schedules/<int:schedule_id>", methods=["GET", "PATCH"])
        def schedule(schedule_id):
            if isinstance(caller := self._caller(admin=True), tuple):
                return caller
            found = self.schedules.get(schedule_id)
            if found is None:
                return _tasks_problem(404, "Error", "There is no such schedule.")
            if request.method == "PATCH":
                body = request.get_json()
                if "cron" in body and len(str(body["cron"]).split()) != 5:
                    return _tasks_problem(
                        422,
                        "Error",
                        "The request is not valid: cron.",
                        errors={"cron": ["Not a cron expression of five fields."]},
                    )
                found.update({k: v for k, v in body.items() if k in ("cron", "enabled")})
            return jsonify(found)

        @app.get("/v1/stats")
        def stats():
            if isinstance(caller := self._caller(admin=True), tuple):
                return caller
            states = ("scheduled", "available", "running", "retryable", "completed")
            by_state = dict.fromkeys((*states, "discarded", "cancelled"), 0)
            by_kind: dict[str, dict[str, int]] = {}
            for job in self.listed.values():
                by_state[job["state"]] += 1
                kind = by_kind.setdefault(job["kind"], {})
                kind[job["state"]] = kind.get(job["state"], 0) + 1
            hour_ago = "2026-11-24T09:00:00"

            def finished(state: str) -> int:
                return sum(
                    1
                    for job in self.listed.values()
                    if job["state"] == state and (job.get("finished_at") or "") >= hour_ago
                )

            return jsonify(
                by_state=by_state,
                by_kind=by_kind,
                completed_last_hour=finished("completed"),
                discarded_last_hour=finished("discarded"),
                oldest_waiting=None,
                generated_at=self.now,
            )

    def _enqueue(self) -> tuple[Response, int]:
        authorization = request.headers.get("Authorization", "")
        body = request.get_json(silent=True)
        wrong = self.contract.check(
            "POST", "/v1/jobs", json=body, headers={"Authorization": authorization}
        )
        with self.lock:
            self.posts += 1
            self.problems += wrong
            if wrong:
                return _tasks_problem(422, "Unprocessable Entity", "; ".join(wrong))
            try:
                if self.verify is not None:
                    self.verify(authorization.partition(" ")[2])
            except Exception as refused:
                return _tasks_problem(401, "Unauthorized", str(refused))
            assert isinstance(body, dict)  # the contract took it: a JobCreate object
            key = body.get("idempotency_key")
            if key in self.by_key:
                return jsonify(self.by_key[key]), 200
            self.jobs.append(
                {
                    "body": body,
                    "authorization": authorization,
                    "request_id": request.headers.get("X-Request-ID"),
                }
            )
            job = _new_job(len(self.jobs), body)
            if key:
                self.by_key[key] = job
            if self.lose_answers > 0:
                self.lose_answers -= 1
                return _tasks_problem(503, "Service Unavailable", "tasks is restarting")
        return jsonify(job), 201

    def _check_answer(self, response: Response) -> Response:
        if request.method == "POST" and request.path == "/v1/jobs":  # checked as it arrived
            found = self.contract.check_answer(
                "POST", "/v1/jobs", response.status_code, response.get_json(), response.mimetype
            )
        else:
            found = self.contract.check_exchange(request, response)
        with self.lock:
            self.problems += found
        return response


def _new_job(job_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """tasks' answer for a job it has just enqueued (its `Job` schema)."""
    now = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
    return {
        "id": job_id,
        "kind": body["kind"],
        "args": body.get("args", {}),
        "queue": body.get("queue", "default"),
        "priority": body.get("priority", 0),
        "state": "available",
        "attempt": 0,
        "max_attempts": body.get("max_attempts", 5),
        "interruptions": 0,
        "run_at": body.get("run_at", now),
        "created_by": body.get("created_by"),
        "progress": 0,
        "progress_message": None,
        "errors": [],
        "result": None,
        "idempotency_key": body.get("idempotency_key"),
        "worker_id": None,
        "lease_expires_at": None,
        "created_at": now,
        "updated_at": now,
        "finished_at": None,
    }


def _tasks_problem(status: int, title: str, detail: str, **extra: Any) -> tuple[Response, int]:
    response = jsonify(type="about:blank", title=title, status=status, detail=detail, **extra)
    response.content_type = "application/problem+json"
    if status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response, status


def postgres_test_url() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


def database_backends() -> list[str]:
    """The backends to run database tests on: sqlite, and postgres when configured."""
    return ["sqlite", "postgres"] if postgres_test_url() else ["sqlite"]


@contextmanager
def temporary_postgres_database(
    base_url: str, label: str, *, template: str | None = None
) -> Iterator[str]:
    """Create `<base name>_<label>_<random>` next to base_url's database (a copy of database
    `template` if given); drop it afterwards."""
    url = make_url(base_url)
    name = f"{url.database}_{label}_{uuid.uuid4().hex[:8]}".lower()
    copy = f' TEMPLATE "{template}"' if template else ""
    # A connection per statement: one kept from the CREATE to the DROP would not survive a
    # restart of the server in between (the fault tests restart theirs).
    admin = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"{copy}'))
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def temporary_database(backend: str, label: str, folder: str) -> Iterator[str]:
    """A fresh, empty database URL of the given backend."""
    if backend == "sqlite":
        yield f"sqlite:///{os.path.join(folder, label + '.db')}"
    elif backend == "postgres":
        base = postgres_test_url()
        if not base:
            raise RuntimeError(f"{POSTGRES_ENV} is not set")
        with temporary_postgres_database(base, label) as url:
            yield url
    else:
        raise ValueError(f"unknown database backend {backend!r}")


# Migrated databases, made from a template: a service's migrations run once per test process
# and backend, then each test gets a copy (a file copy on SQLite, CREATE DATABASE ... TEMPLATE
# on Postgres), which is many times cheaper than migrating again for every test.
_templates: dict[tuple[str, str, str], str] = {}
_template_cleanup = ExitStack()
atexit.register(_template_cleanup.close)


def _template(backend: str, label: str, migrations: str | os.PathLike[str]) -> str:
    """This process's migrated template of `label` on `backend`: a file path (SQLite) or a
    database name (Postgres), made on first use and dropped when the process exits."""
    from .migrations import upgrade

    key = (backend, label, str(migrations))
    if key not in _templates:
        folder = _template_cleanup.enter_context(tempfile.TemporaryDirectory(prefix="shelf-tpl-"))
        url = _template_cleanup.enter_context(temporary_database(backend, label, folder))
        upgrade(str(migrations), url)
        _templates[key] = (
            os.path.join(folder, label + ".db")
            if backend == "sqlite"
            else str(make_url(url).database)
        )
    return _templates[key]


@contextmanager
def migrated_database(
    backend: str, label: str, folder: str, migrations: str | os.PathLike[str]
) -> Iterator[str]:
    """A database of its own, at the newest revision of `migrations`, as `temporary_database`
    followed by `migrations.upgrade` would give, made from a per-process template."""
    template = _template(backend, label, migrations)
    if backend == "sqlite":
        path = os.path.join(folder, label + ".db")
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    with temporary_postgres_database(postgres_test_url() or "", label, template=template) as url:
        yield url

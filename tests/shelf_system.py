"""The whole of Shelf as real processes on free ports, for the cross-service tests.

The processes are the Procfile's (`make run`'s), started the same way: each web service under
its own gunicorn from its own environment (`services/<svc>/.venv`), one worker with threads;
the tasks worker from tasks' environment, running the scheduler in a thread of its own; and in
front of them the same gateway as `make run`'s (Caddy from `.tools/`, configured by
deploy/gateway/Caddyfile): the front door, one address for the pages, /api/, /auth/ and
/health. Every process gets the same environment a deployment would give it: SHELF_ENV=test,
the other services' URLs, the front door as SHELF_PUBLIC_URL, a data folder of its own and a
database per service (SQLite files in the data folder, or throwaway Postgres databases when
SHELF_TEST_POSTGRES_URL is set). Each process's stdout and stderr go to a log file in the
run's folder.

    with ShelfSystem.running() as system:
        requests.get(system.front_door + "/api/bookmarks/", headers=..., timeout=5)
        requests.get(system.urls["ui"] + "/status", timeout=5)   # a service's own port
        system.stop("api")          # SIGTERM, then SIGKILL after a grace period
        system.start("api")         # same port, same database; waits until /readyz is 200
        print(system.logs("api"))

Nothing here imports a service's code: the processes are started from the command line, the
way an operator would.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import requests

from shelf_kit.testing import free_port, postgres_test_url, temporary_postgres_database
from smtp_sink import Mailbox

ROOT = Path(__file__).resolve().parent.parent  # tests/ sits at the repository's root

WEB_SERVICES = ("auth", "api", "tasks", "ui")  # each under its own gunicorn
GATEWAY = "gateway"  # Caddy in front of them: the front door
CADDY = ROOT / ".tools" / "bin" / "caddy"  # installed by `make tools` (tools/requirements.txt)
CADDYFILE = ROOT / "deploy" / "gateway" / "Caddyfile"  # the one docker compose's gateway reads
DATA_SERVICES = ("auth", "api", "tasks")  # each owns a database and migrates it
# Seconds for every web service to answer /readyz with 200. Generous: a loaded machine (other
# test runs beside this one) can take tens of seconds to import and boot four services.
READY_TIMEOUT = float(os.environ.get("SHELF_TEST_READY_TIMEOUT", "90"))
STOP_GRACE = 10.0  # seconds between SIGTERM and SIGKILL
# As the Procfile runs them (its defaults; test_system.py checks that they agree): one
# gunicorn worker per service, with threads, so a page that api's check endpoint reads (up to
# 5 s) or an upload holds a thread, not the service.
WORKERS = 1
THREADS = {"auth": 4, "api": 8, "tasks": 4, "ui": 4}
# Argon2 at its production cost takes ~0.16 s of CPU a hash, and the suite hashes at every
# log-in and every account it makes: cheap parameters here, as in auth's own tests (auth's
# tests prove its real parameters; `make run` and compose use them).
CHEAP_PASSWORD_HASHING = {
    "SHELF_AUTH_ARGON2_TIME_COST": "1",
    "SHELF_AUTH_ARGON2_MEMORY_COST": "8",
    "SHELF_AUTH_ARGON2_PARALLELISM": "1",
}
# The tasks worker, with the scheduler as a thread of it. Here it is a process of its own, as
# compose and production run it, so that a test can stop the jobs and keep tasks' API; `make
# run` runs the same loops inside tasks' web process (SHELF_TASKS_WEB_RUNS_JOBS, one process
# fewer), which `jobs_in_web=True` gives (the benchmark's memory figures; test_make_run.py runs
# make run itself).
WORKER_ARGS = ("worker", "--scheduler")
LOG_TAIL_LINES = 40


class ShelfSystemError(RuntimeError):
    """The system could not be set up, started or stopped; the message says why and where."""


@dataclass(frozen=True)
class ProcessSpec:
    name: str  # "auth", ..., "worker", "gateway"
    service: str | None  # whose environment (services/<service>/.venv) runs it; None: no venv
    argv: tuple[str, ...]
    port: int | None = None  # web processes only

    @property
    def is_web(self) -> bool:
        return self.port is not None


def service_dir(service: str) -> Path:
    return ROOT / "services" / service


def venv_bin(service: str, program: str) -> Path:
    return service_dir(service) / ".venv" / "bin" / program


def require_environments(services: tuple[str, ...] | None = None) -> None:
    """Fail with what to do when a service's environment has not been created."""
    services = WEB_SERVICES if services is None else services
    missing = [f"services/{s}/.venv" for s in services if not venv_bin(s, "python").exists()]
    if not CADDY.exists():
        missing.append(str(CADDY.relative_to(ROOT)))
    if missing:
        raise ShelfSystemError(
            f"{', '.join(missing)} missing: run `make setup` at the repository's root ({ROOT}) "
            f"first"
        )


def tail(text: str, lines: int = LOG_TAIL_LINES) -> str:
    return "\n".join(text.splitlines()[-lines:])


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: the child gets SIGTERM if the test run dies without cleaning up (e.g. SIGKILL)."""
    with suppress(OSError, AttributeError):  # not glibc: no safety net, nothing else changes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class ShelfSystem:
    """Shelf's processes, their URLs, environment and logs. Use `ShelfSystem.running()`."""

    def __init__(
        self,
        folder: Path,
        *,
        ready_timeout: float = READY_TIMEOUT,
        stop_grace: float = STOP_GRACE,
        postgres_url: str | None = None,
        jobs_in_web: bool = False,
    ) -> None:
        require_environments()
        self.jobs_in_web = jobs_in_web
        self.folder = folder
        self.data_dir = folder / "data"
        self.log_dir = folder / "logs"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.ready_timeout = ready_timeout
        self.stop_grace = stop_grace
        # The server the services' databases are made on (one each, next to this database):
        # SHELF_TEST_POSTGRES_URL's unless given; none means SQLite files in the data folder.
        self.postgres_url = postgres_url or postgres_test_url()
        self.backend = "postgres" if self.postgres_url else "sqlite"
        self.ports: dict[str, int] = {}
        web = (*WEB_SERVICES, GATEWAY)
        while len(set(self.ports.values())) < len(web):  # distinct, however unlikely
            self.ports = {name: free_port() for name in web}
        self.urls = {name: f"http://127.0.0.1:{port}" for name, port in self.ports.items()}
        self.database_urls: dict[str, str] = {}
        # Every mail Shelf sends (tasks' send_email jobs) lands here, over real SMTP.
        self.mailbox = Mailbox()
        self.env: dict[str, str] = {}
        self.specs: dict[str, ProcessSpec] = {}
        for service in WEB_SERVICES:
            self.specs[service] = ProcessSpec(
                service,
                service,
                (
                    str(venv_bin(service, "gunicorn")),
                    "-c",
                    "python:shelf_kit.gunicorn_conf",
                    "--no-control-socket",
                    "--bind",
                    f"127.0.0.1:{self.ports[service]}",
                    "--workers",
                    str(WORKERS),
                    "--threads",
                    str(THREADS[service]),
                    f"shelf_{service}:create_app()",
                ),
                port=self.ports[service],
            )
        if not jobs_in_web:
            self.specs["worker"] = ProcessSpec(
                "worker",
                "tasks",
                (
                    str(venv_bin("tasks", "shelf-tasks")),
                    *WORKER_ARGS,
                ),
            )
        self.specs[GATEWAY] = ProcessSpec(
            GATEWAY,
            None,
            (
                str(CADDY),
                "run",
                "--adapter",
                "caddyfile",
                "--config",
                str(CADDYFILE),
            ),
            port=self.ports[GATEWAY],
        )
        self.processes: dict[str, subprocess.Popen | None] = dict.fromkeys(self.specs)
        self.exit_codes: dict[str, int] = {}
        self.log_paths = {name: self.log_dir / f"{name}.log" for name in self.specs}
        self._log_files: dict[str, IO[bytes]] = {}

    @property
    def front_door(self) -> str:
        """The gateway's URL: the one address a person or a linkding client is given."""
        return self.urls[GATEWAY]

    # -- set-up ------------------------------------------------------------------------------

    @classmethod
    @contextmanager
    def running(cls, folder: str | Path | None = None, **options) -> Iterator[ShelfSystem]:
        """Databases made and migrated, every process started and ready; all torn down after.

        The folder (a fresh temporary one by default) is kept, so its logs can be read after
        a failure.
        """
        folder = Path(folder or tempfile.mkdtemp(prefix="shelf-system-"))
        system = cls(folder, **options)
        with ExitStack() as cleanup:
            system.mailbox.start()
            cleanup.callback(system.mailbox.stop)
            system._make_databases(cleanup)
            cleanup.callback(system.stop_all)
            system.migrate()
            system.start_all()
            yield system

    def _make_databases(self, cleanup: ExitStack) -> None:
        base = self.postgres_url
        for service in DATA_SERVICES:
            if base:
                url = cleanup.enter_context(temporary_postgres_database(base, service))
            else:
                url = f"sqlite:///{self.data_dir / (service + '.db')}"
            self.database_urls[service] = url
        self.env = self._common_env()

    def _common_env(self) -> dict[str, str]:
        env = {
            "SHELF_ENV": "test",
            "SHELF_DATA_DIR": str(self.data_dir),
            "SHELF_LOG_LEVEL": "INFO",
            "SHELF_SECRET_KEY": os.urandom(24).hex(),
            # auth re-reads its key folder this often: a rotation test need not wait long.
            "SHELF_AUTH_KEYS_RELOAD_SECONDS": "1",
            # Mail goes to the test's own SMTP server; pages to fetch are served on loopback.
            "SHELF_SMTP_HOST": "127.0.0.1",
            "SHELF_SMTP_PORT": str(self.mailbox.port),
            "SHELF_FETCH_ALLOW_PRIVATE": "true",
            # Imports above this many bookmarks run as a job, so tests can watch one.
            "SHELF_API_IMPORT_JOB_THRESHOLD": "200",
            # Tests log in (and ask for reset links) often from 127.0.0.1, some on purpose with
            # a wrong password: auth's throttles are its own tests' subject, not to trip here.
            "SHELF_AUTH_LOGIN_MAX_FAILURES": "1000",
            "SHELF_AUTH_RESET_MAX_REQUESTS": "1000",
            **CHEAP_PASSWORD_HASHING,
            # Behind the gateway, as under `make run` (the Procfile): links name the front door,
            # and each service takes the client's address and scheme from the gateway.
            "SHELF_PUBLIC_URL": self.front_door,
            "SHELF_API_TRUST_PROXY": "true",
            "SHELF_UI_TRUST_PROXY": "true",
            "SHELF_AUTH_TRUSTED_PROXIES": "127.0.0.1/32",
        }
        if self.jobs_in_web:
            env["SHELF_TASKS_WEB_RUNS_JOBS"] = "true"
        for service in WEB_SERVICES:
            env[f"SHELF_{service.upper()}_URL"] = self.urls[service]
        for service, url in self.database_urls.items():
            env[f"SHELF_{service.upper()}_DATABASE_URL"] = url
        return env

    def process_env(self, name: str, *, command: bool = False) -> dict[str, str]:
        """What process `name` (or, with `command`, a CLI command from its environment) is
        started with: this machine's environment, less any Shelf settings and virtualenv of
        the test run itself, plus `self.env`."""
        spec = self.specs[name]
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("SHELF_", "PROMETHEUS_", "FLASK_")) and key != "VIRTUAL_ENV"
        }
        env.update(self.env)
        if spec.service is None:  # the gateway
            env.update(self.gateway_env())
            return env
        venv = service_dir(spec.service) / ".venv"
        env["VIRTUAL_ENV"] = str(venv)
        env["PATH"] = os.pathsep.join([str(venv / "bin"), env.get("PATH", os.defpath)])
        env["PYTHONUNBUFFERED"] = "1"
        if spec.is_web and not command:
            env["PROMETHEUS_MULTIPROC_DIR"] = str(self._metrics_dir(name))
        return env

    def gateway_env(self) -> dict[str, str]:
        """What the Procfile's gateway line sets: loopback, no admin API, the services' ports."""
        state = str(self.folder / "gateway")
        return {
            "SHELF_PORT": str(self.ports[GATEWAY]),
            "SHELF_GATEWAY_BIND": "127.0.0.1",
            "SHELF_GATEWAY_ADMIN": "off",
            **{
                f"SHELF_{service.upper()}_{what}": value
                for service in ("auth", "api", "ui")
                for what, value in (("HOST", "127.0.0.1"), ("PORT", str(self.ports[service])))
            },
            "XDG_CONFIG_HOME": state,
            "XDG_DATA_HOME": state,
        }

    def _metrics_dir(self, name: str) -> Path:
        return self.folder / "metrics" / name

    def migrate(self, timeout: float = 120.0) -> None:
        """`shelf-<svc> db upgrade` for every data service, from its own environment (all at
        once: each has a database of its own). Each one's output is in logs/migrate-<svc>.log."""
        running = {}
        try:
            for service in DATA_SERVICES:
                log_path = self.log_dir / f"migrate-{service}.log"
                with log_path.open("wb") as log:
                    running[service] = subprocess.Popen(
                        [str(venv_bin(service, f"shelf-{service}")), "db", "upgrade"],
                        cwd=self.folder,
                        env=self.process_env(service, command=True),
                        stdin=subprocess.DEVNULL,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    )
            deadline = time.monotonic() + timeout
            for service, process in running.items():
                try:
                    code: int | str = process.wait(timeout=max(deadline - time.monotonic(), 0.1))
                except subprocess.TimeoutExpired:
                    code = f"none: still running after {timeout:.0f} s"
                if code != 0:
                    log_path = self.log_dir / f"migrate-{service}.log"
                    raise ShelfSystemError(
                        f"`shelf-{service} db upgrade` failed (exit code {code}; {log_path}):\n"
                        f"{tail(log_path.read_text(errors='replace'))}"
                    )
        finally:
            for process in running.values():
                if process.poll() is None:
                    process.kill()
                    process.wait()

    def command(
        self, service: str, *args: str, timeout: float = 60.0
    ) -> subprocess.CompletedProcess:
        """Run `shelf-<service> ARGS` from the service's environment with the system's settings
        (e.g. `command("auth", "create-admin", ...)`); raises when it fails."""
        result = subprocess.run(
            [str(venv_bin(service, f"shelf-{service}")), *args],
            cwd=self.folder,
            env=self.process_env(service, command=True),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            raise ShelfSystemError(
                f"`shelf-{service} {' '.join(args)}` failed "
                f"({result.returncode}):\n{result.stdout}{result.stderr}"
            )
        return result

    # -- processes ---------------------------------------------------------------------------

    def start_all(self) -> None:
        for name in self.specs:
            self._spawn(name)
        self.wait_ready()
        for name in self.specs:  # the worker has no /readyz: alive is enough
            if not self.is_running(name):
                raise ShelfSystemError(
                    f"{name} exited with code {self.process(name).returncode} at start-up "
                    f"({self.log_paths[name]}):\n{self.log_tail(name)}"
                )

    def start(self, name: str, *, wait: bool = True) -> None:
        """Start process `name` again (same port, environment and log file) and, for a web
        service, wait until its /readyz answers 200."""
        if self.is_running(name):
            raise ShelfSystemError(f"{name} is already running (pid {self.process(name).pid})")
        self._spawn(name)
        if wait:
            self.wait_ready([name] if self.specs[name].is_web else [])

    def _spawn(self, name: str) -> None:
        spec = self.specs[name]
        if spec.is_web and spec.service is not None:
            metrics = self._metrics_dir(name)
            shutil.rmtree(metrics, ignore_errors=True)  # stale files would add up old counts
            metrics.mkdir(parents=True)
        log = self.log_paths[name].open("ab")
        self._log_files[name] = log
        self.processes[name] = subprocess.Popen(
            spec.argv,
            cwd=self.folder,
            env=self.process_env(name),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            # The test run starts no threads, so preexec_fn is safe here.
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
        self.exit_codes.pop(name, None)

    def process(self, name: str) -> subprocess.Popen:
        """Process `name` as last started (it may have exited since); fails if it is stopped."""
        process = self.processes[name]
        if process is None:
            raise ShelfSystemError(f"{name} is stopped")
        return process

    def is_running(self, name: str) -> bool:
        process = self.processes[name]
        return process is not None and process.poll() is None

    def stop(self, name: str, *, sig: int = signal.SIGTERM, grace: float | None = None) -> int:
        """Stop process `name`: `sig` (SIGTERM by default; SIGKILL to simulate a crash), then
        SIGKILL after `grace` seconds; anything left in its process group (gunicorn's workers)
        is killed too. Returns the exit code (negative: the signal that ended it)."""
        self._send(name, sig)
        return self._reap(name, time.monotonic() + (self.stop_grace if grace is None else grace))

    def stop_all(self) -> None:
        """SIGTERM to every process at once, then wait for each (SIGKILL after the grace
        period); no process of the system is left running afterwards."""
        for name in self.specs:
            self._send(name, signal.SIGTERM)
        deadline = time.monotonic() + self.stop_grace
        problems = []
        for name in self.specs:
            try:
                self._reap(name, deadline)
            except (OSError, subprocess.SubprocessError) as error:  # reap the others anyway
                problems.append(f"{name}: {error!r}")
        if problems:
            raise ShelfSystemError("could not stop " + "; ".join(problems))

    def _send(self, name: str, sig: int) -> None:
        process = self.processes[name]
        if process is not None and process.poll() is None:
            _signal(process.pid, sig)

    def _reap(self, name: str, deadline: float) -> int:
        process = self.processes[name]
        if process is None:
            return self.exit_codes.get(name, 0)
        try:
            process.wait(timeout=max(deadline - time.monotonic(), 0))
        except subprocess.TimeoutExpired:
            _signal(process.pid, signal.SIGKILL)
            process.wait(timeout=self.stop_grace)
        _kill_group(process.pid)  # start_new_session: the group id is the leader's pid
        self.processes[name] = None
        self.exit_codes[name] = process.returncode
        log = self._log_files.pop(name, None)
        if log is not None:
            log.close()
        return process.returncode

    def wait_ready(self, names: list[str] | None = None, timeout: float | None = None) -> None:
        """Poll each web service's /readyz until it answers 200; fail, naming the service
        and showing its log, after `timeout` seconds or as soon as its process exits."""
        names = [n for n in (names if names is not None else self.specs) if self.specs[n].is_web]
        limit = self.ready_timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        waiting = {name: "no answer yet" for name in names}
        while waiting:
            for name in list(waiting):
                process = self.processes[name]
                if process is None or process.poll() is not None:
                    code = None if process is None else process.returncode
                    raise ShelfSystemError(
                        f"{name} exited with code {code} before it was ready "
                        f"({self.log_paths[name]}):\n{self.log_tail(name)}"
                    )
                # gunicorn accepts connections before its workers can answer: never wait on
                # one answer past the deadline.
                left = max(deadline - time.monotonic(), 0.2)
                try:
                    answer = requests.get(
                        self.urls[name] + "/readyz", timeout=(min(1, left), min(5, left))
                    )
                except requests.RequestException as error:
                    waiting[name] = f"{type(error).__name__}: {error}"
                    continue
                if answer.status_code == 200:
                    del waiting[name]
                else:
                    waiting[name] = f"{answer.status_code} {answer.text[:500]}"
            if not waiting:
                return
            if time.monotonic() > deadline:
                raise ShelfSystemError(
                    f"not ready after {limit:g} s: "
                    + "\n".join(
                        f"{name} at {self.urls[name]}/readyz (last answer: {last}); its log "
                        f"({self.log_paths[name]}):\n{self.log_tail(name, 20)}"
                        for name, last in waiting.items()
                    )
                )
            time.sleep(0.1)

    # -- logs --------------------------------------------------------------------------------

    def logs(self, name: str) -> str:
        """Everything process `name` wrote to stdout and stderr so far."""
        path = self.log_paths[name]
        return path.read_text(errors="replace") if path.exists() else ""

    def log_tail(self, name: str, lines: int = LOG_TAIL_LINES) -> str:
        return tail(self.logs(name), lines)

    def json_logs(self, name: str) -> list[dict]:
        """The JSON lines of process `name`'s log (gunicorn's own lines are plain text)."""
        entries = []
        for line in self.logs(name).splitlines():
            if line.startswith("{"):
                try:
                    entries.append(json.loads(line))
                except ValueError:
                    continue
        return entries

    def report(self, lines: int = 25) -> str:
        """The folder, each process's state and the tail of its log (for a failing test)."""
        parts = [f"Shelf system folder: {self.folder} ({self.backend})"]
        for name in self.specs:
            process = self.processes[name]
            if process is not None and process.poll() is None:
                state = f"running, pid {process.pid}"
            else:
                code = process.returncode if process is not None else self.exit_codes.get(name)
                state = f"stopped, exit code {code}"
            where = f" at {self.urls[name]}" if name in self.urls else ""
            parts.append(
                f"--- {name}{where} ({state}) {self.log_paths[name]}\n{self.log_tail(name, lines)}"
            )
        return "\n".join(parts)


def _signal(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


def _kill_group(pgid: int) -> None:
    """SIGKILL whatever is left in a process group (each process leads its own session)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)

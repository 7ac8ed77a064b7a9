"""`make run` itself, twice at once: two copies of Shelf side by side on one machine, told apart
by their ports and data folders alone, each with secrets of its own.

Runs the README's command as a person would (the Makefile, honcho, the Procfile, the gateway),
in the SQLite pass of `make test-system` only (marker `make_run`): make run has no Postgres.
"""

from __future__ import annotations

import contextlib
import os
import signal
import smtplib
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from flask import Flask
from flask.sessions import SecureCookieSessionInterface

from shelf_kit.testing import free_port
from shelf_system import ROOT, tail

pytestmark = pytest.mark.make_run

TIMEOUT = (3, 20)
START_TIMEOUT = float(os.environ.get("SHELF_TEST_READY_TIMEOUT", "90")) * 3  # setup, migrate, start
ADMIN, ADMIN_PASSWORD = "ada", "a long passphrase for ada"
# The defaults in the source (services' config.py), which no installation may use.
PUBLIC_SECRETS = {
    "dev-api-secret",
    "dev-tasks-secret",
    "dev-ui-secret",
    "shelf-ui-development-secret-not-for-production",
}
PORTS = (
    "SHELF_PORT",
    "SHELF_AUTH_PORT",
    "SHELF_API_PORT",
    "SHELF_TASKS_PORT",
    "SHELF_UI_PORT",
    "SHELF_SMTP_PORT",
)


@dataclass
class Copy:
    """One `make run`: its settings (ports and data folder only), its process, its log."""

    data_dir: Path
    ports: dict[str, int] = field(default_factory=dict)
    process: subprocess.Popen | None = None

    @property
    def front_door(self) -> str:
        return f"http://127.0.0.1:{self.ports['SHELF_PORT']}"

    @property
    def log(self) -> Path:
        return self.data_dir.parent / f"{self.data_dir.name}.log"

    def secrets(self) -> dict[str, str]:
        lines = (self.data_dir / "secrets.env").read_text().splitlines()
        return dict(line.split("=", 1) for line in lines if "=" in line and line[0] != "#")

    def start(self) -> None:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("SHELF_", "VIRTUAL_ENV", "MAKE", "MFLAGS"))
        }
        env.update({name: str(port) for name, port in self.ports.items()})
        env.update(
            SHELF_DATA_DIR=str(self.data_dir),
            SHELF_ADMIN_USERNAME=ADMIN,
            SHELF_ADMIN_PASSWORD=ADMIN_PASSWORD,
        )
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                ["make", "--no-print-directory", "run"],
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self, deadline: float) -> None:
        assert self.process is not None, "make run was not started"
        while True:
            try:
                if requests.get(self.front_door + "/readyz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(
                    f"make run at {self.front_door} did not become ready "
                    f"(exit {self.process.poll()}):\n"
                    f"{tail(self.log.read_text(errors='replace'))}"
                )
            time.sleep(0.5)

    def stop(self) -> int | None:
        """Ctrl-C, as a person stops it: SIGINT to make, honcho and every process."""
        if self.process is None:
            return None
        try:
            os.killpg(self.process.pid, signal.SIGINT)
            return self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            return None
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def access_token(self) -> str:
        session = requests.post(
            self.front_door + "/auth/v1/sessions",
            timeout=TIMEOUT,
            json={"username": ADMIN, "password": ADMIN_PASSWORD},
        )
        assert session.status_code == 201, session.text
        return session.json()["access_token"]

    def api_key(self) -> str:
        made = requests.post(
            self.front_door + "/auth/v1/api-key",
            timeout=TIMEOUT,
            headers={"Authorization": f"Bearer {self.access_token()}"},
        )
        assert made.status_code == 201, made.text
        return made.json()["key"]


@pytest.fixture(scope="module")
def copies() -> Iterator[tuple[Copy, Copy]]:
    folder = Path(tempfile.mkdtemp(prefix="shelf-make-run-"))
    pair = (Copy(folder / "first"), Copy(folder / "second"))
    taken: set[int] = set()
    for copy in pair:
        for name in PORTS:
            port = free_port()
            while port in taken:
                port = free_port()
            taken.add(port)
            copy.ports[name] = port
    try:
        for copy in pair:
            copy.start()
        deadline = time.monotonic() + START_TIMEOUT
        for copy in pair:
            copy.wait_ready(deadline)
        yield pair
    finally:
        codes = [copy.stop() for copy in pair]
        print(f"make run exit codes after Ctrl-C: {codes}")


def test_two_copies_run_side_by_side_by_ports_alone(copies):
    first, second = copies
    keys = [copy.api_key() for copy in copies]
    url = "https://example.org/only-in-the-first"
    made = requests.post(
        first.front_door + "/api/bookmarks/",
        json={"url": url},
        headers={"Authorization": f"Token {keys[0]}"},
        timeout=TIMEOUT,
    )
    assert made.status_code == 201, made.text
    for copy, key, count in ((first, keys[0], 1), (second, keys[1], 0)):
        listing = requests.get(
            copy.front_door + "/api/bookmarks/",
            timeout=TIMEOUT,
            headers={"Authorization": f"Token {key}"},
        )
        assert listing.status_code == 200 and listing.json()["count"] == count
        page = requests.get(copy.front_door + "/login", timeout=TIMEOUT)
        assert page.status_code == 200 and "<form" in page.text
        # Each copy's own mail sink listens on its SHELF_SMTP_PORT.
        with smtplib.SMTP("127.0.0.1", copy.ports["SHELF_SMTP_PORT"], timeout=10) as smtp:
            assert smtp.noop()[0] == 250
        log = copy.log.read_text(errors="replace")
        assert f"Shelf is starting at {copy.front_door}" in log


def test_tasks_web_process_runs_the_jobs_with_no_worker_process_beside_it(copies):
    """make run's tasks runs its job worker and scheduler in its web process (issue 15: one
    Python process fewer): a bookmark's page fetch is picked up with no worker process."""
    first, _ = copies
    made = requests.post(
        first.front_door + "/api/bookmarks/",
        json={"url": "https://example.org/fetched-by-tasks-web-process"},
        headers={"Authorization": f"Token {first.api_key()}"},
        timeout=TIMEOUT,
    )
    assert made.status_code == 201, made.text
    admin = {"Authorization": f"Bearer {first.access_token()}"}
    jobs_url = f"http://127.0.0.1:{first.ports['SHELF_TASKS_PORT']}/v1/jobs?kind=fetch_metadata"

    def attempted() -> bool:
        listed = requests.get(jobs_url, headers=admin, timeout=TIMEOUT)
        assert listed.status_code == 200, listed.text
        return any(
            job["args"].get("bookmark_id") == made.json()["id"]
            and job["state"] not in ("available", "scheduled")
            for job in listed.json()["results"]
        )

    deadline = time.monotonic() + 120
    while not attempted():
        assert time.monotonic() < deadline, tail(first.log.read_text(errors="replace"))
        time.sleep(0.5)
    log = first.log.read_text(errors="replace")
    assert "worker started" in log and "scheduler started" in log
    assert "tasks.1 started" in log and "worker.1" not in log  # honcho's names for processes


def test_each_installation_has_secrets_of_its_own(copies):
    first, second = copies
    for copy in copies:
        secrets = copy.secrets()
        assert set(secrets) >= {
            "SHELF_SECRET_KEY",
            "SHELF_API_CLIENT_SECRET",
            "SHELF_TASKS_CLIENT_SECRET",
            "SHELF_UI_CLIENT_SECRET",
            "SHELF_AUTH_SERVICE_CLIENTS",
        }
        assert not PUBLIC_SECRETS & set(secrets.values())
        assert all(len(value) >= 32 for name, value in secrets.items() if "SECRET" in name)
    assert first.secrets()["SHELF_SECRET_KEY"] != second.secrets()["SHELF_SECRET_KEY"]


@pytest.mark.parametrize("client", ["api", "tasks"])
def test_auth_refuses_the_public_client_secrets_and_takes_its_own(copies, client):
    first, _ = copies
    public = requests.post(
        first.front_door + "/auth/v1/service-tokens",
        timeout=TIMEOUT,
        json={"client_id": client, "client_secret": f"dev-{client}-secret"},
    )
    assert public.status_code == 401, public.text
    own = first.secrets()[f"SHELF_{client.upper()}_CLIENT_SECRET"]
    taken = requests.post(
        first.front_door + "/auth/v1/service-tokens",
        timeout=TIMEOUT,
        json={"client_id": client, "client_secret": own},
    )
    assert taken.status_code == 200, taken.text


def test_the_ui_signs_its_session_cookie_with_the_installation_s_key(copies):
    first, _ = copies
    browser = requests.Session()
    browser.get(first.front_door + "/login", timeout=TIMEOUT)
    cookie = browser.cookies.get("shelf_session")
    assert cookie, "the login page set no session cookie"

    def signed_with(key: str) -> bool:
        app = Flask(__name__)
        app.secret_key = key
        serializer = SecureCookieSessionInterface().get_signing_serializer(app)
        assert serializer is not None  # None only without a secret key
        try:
            serializer.loads(cookie)
        except Exception:  # itsdangerous.BadSignature: someone else's key
            return False
        return True

    assert signed_with(first.secrets()["SHELF_SECRET_KEY"])
    assert not signed_with("shelf-ui-development-secret-not-for-production")


def test_a_second_start_keeps_the_secrets(copies, tmp_path):
    first, _ = copies
    before = first.secrets()
    made = subprocess.run(
        ["python3", "deploy/secret_files.py", "local", str(first.data_dir / "secrets.env")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "kept" in made.stdout
    assert first.secrets() == before

"""auth under gunicorn with two workers, as it runs: keys rotate and throttling holds across
workers while it runs."""

import os
import subprocess
import sys
import time
from pathlib import Path

import jwt
import pytest
import requests
from helpers import PASSWORD

from conftest import CHEAP_ARGON2
from shelf_auth.keys import generate_key
from shelf_kit.testing import free_port

BIN = Path(sys.executable).parent


@pytest.fixture
def serve(database_url, tmp_path):
    """Start auth under gunicorn with two workers (and `settings` on top); (url, env, process).
    `log` names a file for its stderr (else it is dropped)."""
    processes = []

    def start(log=None, **settings):
        port = free_port()
        env = {
            **os.environ,
            "SHELF_ENV": "test",
            "SHELF_AUTH_DATABASE_URL": database_url,
            "SHELF_AUTH_KEYS_DIR": str(tmp_path / "keys"),
            "SHELF_AUTH_KEYS_RELOAD_SECONDS": "0.1",
            "SHELF_TASKS_URL": f"http://127.0.0.1:{free_port()}",
            "SHELF_LOG_LEVEL": "WARNING",
            **{name: str(value) for name, value in CHEAP_ARGON2.items()},
            **settings,
        }
        stderr = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115
        process = subprocess.Popen(
            [
                BIN / "gunicorn",
                "--no-control-socket",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{port}",
                "shelf_auth:create_app()",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        processes.append((process, stderr))
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60  # a busy machine boots two workers slowly
        while True:
            try:
                if requests.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:  # not listening, or workers still booting
                pass
            assert process.poll() is None, "gunicorn exited"
            assert time.monotonic() < deadline, "auth did not start"
            time.sleep(0.1)
        return url, env, process

    yield start
    for process, stderr in processes:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:  # a busy machine: never leave it unreaped
                process.kill()
                process.wait()
        if stderr is not subprocess.DEVNULL:
            stderr.close()


@pytest.fixture
def server(serve):
    url, env, _process = serve()
    return url, env


def log_in(url, password=PASSWORD):
    # A new connection each time, so both workers answer some of them.
    return requests.post(
        f"{url}/v1/sessions",
        json={"username": "ada", "password": password},
        headers={"Connection": "close"},
        timeout=5,
    )


def test_rotating_the_key_while_auth_runs(server):
    url, env = server
    assert (
        requests.post(
            f"{url}/v1/users", json={"username": "ada", "password": PASSWORD}, timeout=5
        ).status_code
        == 201
    )
    old_token = log_in(url).json()["access_token"]
    old_kid = jwt.get_unverified_header(old_token)["kid"]

    new_kid = generate_key(env["SHELF_AUTH_KEYS_DIR"]).stem  # `shelf-auth keys generate`
    time.sleep(0.3)  # longer than SHELF_AUTH_KEYS_RELOAD_SECONDS

    for _ in range(6):
        assert jwt.get_unverified_header(log_in(url).json()["access_token"])["kid"] == new_kid
        me = requests.get(
            f"{url}/v1/users/me",
            headers={"Authorization": f"Bearer {old_token}", "Connection": "close"},
            timeout=5,
        )
        assert me.status_code == 200
        jwks = requests.get(
            f"{url}/.well-known/jwks.json", headers={"Connection": "close"}, timeout=5
        ).json()
        assert sorted(key["kid"] for key in jwks["keys"]) == sorted([old_kid, new_kid])


def test_throttling_counts_failures_from_every_worker(server):
    url, _env = server
    requests.post(f"{url}/v1/users", json={"username": "ada", "password": PASSWORD}, timeout=5)
    statuses = [log_in(url, "not the password").status_code for _ in range(10)]
    assert statuses == [401] * 10
    for _ in range(4):
        answer = log_in(url)
        assert answer.status_code == 429 and int(answer.headers["Retry-After"]) > 0


def test_two_workers_deliver_each_mail_once_and_stop_cleanly(serve, tasks, tmp_path):
    log = tmp_path / "auth.log"
    url, _env, process = serve(
        log=log,
        SHELF_TASKS_URL=tasks.url,
        SHELF_LOG_LEVEL="INFO",
        SHELF_AUTH_OUTBOX_POLL_SECONDS="0.2",
    )
    close = {"Connection": "close"}  # a new connection each time: both workers answer
    deadline = time.monotonic() + 60
    while log.read_text().count("outbox relay started") < 2:  # a relay in each worker
        assert time.monotonic() < deadline, "the relays did not start in both workers"
        requests.get(f"{url}/healthz", headers=close, timeout=5)
    for number in range(8):
        assert (
            requests.post(
                f"{url}/v1/users",
                headers=close,
                timeout=5,
                json={
                    "username": f"user{number}",
                    "password": PASSWORD,
                    "email": f"user{number}@example.org",
                },
            ).status_code
            == 201
        )
    for number in range(8):
        assert (
            requests.post(
                f"{url}/v1/password-resets",
                headers=close,
                timeout=5,
                json={"login": f"user{number}"},
            ).status_code
            == 202
        )
    deadline = time.monotonic() + 10
    while len(tasks.jobs) < 8 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1)  # time enough for the other worker's relay to send one again, were it to
    assert sorted(job["body"]["args"]["to"] for job in tasks.jobs) == sorted(
        f"user{number}@example.org" for number in range(8)
    )
    assert tasks.posts == 8
    process.terminate()
    assert process.wait(timeout=15) == 0
    lines = log.read_text()
    # Each worker stopped its relay on the way out.
    assert lines.count("outbox relay started") == lines.count("outbox relay stopped") == 2

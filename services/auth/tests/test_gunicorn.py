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
def server(database_url, tmp_path):
    port = free_port()
    env = {**os.environ, "SHELF_ENV": "test", "SHELF_AUTH_DATABASE_URL": database_url,
           "SHELF_AUTH_KEYS_DIR": str(tmp_path / "keys"), "SHELF_AUTH_KEYS_RELOAD_SECONDS": "0.1",
           "SHELF_TASKS_URL": f"http://127.0.0.1:{free_port()}", "SHELF_LOG_LEVEL": "WARNING",
           **{name: str(value) for name, value in CHEAP_ARGON2.items()}}
    process = subprocess.Popen(
        [BIN / "gunicorn", "--no-control-socket", "--workers", "2", "--bind",
         f"127.0.0.1:{port}", "shelf_auth:create_app()"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if requests.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:  # not listening, or workers still booting
                pass
            assert process.poll() is None, "gunicorn exited"
            assert time.monotonic() < deadline, "auth did not start"
            time.sleep(0.1)
        yield url, env
    finally:
        process.terminate()
        process.wait(timeout=10)


def log_in(url, password=PASSWORD):
    # A new connection each time, so both workers answer some of them.
    return requests.post(f"{url}/v1/sessions", json={"username": "ada", "password": password},
                         headers={"Connection": "close"}, timeout=5)


def test_rotating_the_key_while_auth_runs(server):
    url, env = server
    assert requests.post(f"{url}/v1/users", json={"username": "ada", "password": PASSWORD},
                         timeout=5).status_code == 201
    old_token = log_in(url).json()["access_token"]
    old_kid = jwt.get_unverified_header(old_token)["kid"]

    new_kid = generate_key(env["SHELF_AUTH_KEYS_DIR"]).stem  # `shelf-auth keys generate`
    time.sleep(0.3)  # longer than SHELF_AUTH_KEYS_RELOAD_SECONDS

    for _ in range(6):
        assert jwt.get_unverified_header(log_in(url).json()["access_token"])["kid"] == new_kid
        me = requests.get(f"{url}/v1/users/me", headers={"Authorization": f"Bearer {old_token}",
                                                           "Connection": "close"}, timeout=5)
        assert me.status_code == 200
        jwks = requests.get(f"{url}/.well-known/jwks.json", headers={"Connection": "close"},
                            timeout=5).json()
        assert sorted(key["kid"] for key in jwks["keys"]) == sorted([old_kid, new_kid])


def test_throttling_counts_failures_from_every_worker(server):
    url, _env = server
    requests.post(f"{url}/v1/users", json={"username": "ada", "password": PASSWORD}, timeout=5)
    statuses = [log_in(url, "not the password").status_code for _ in range(10)]
    assert statuses == [401] * 10
    for _ in range(4):
        answer = log_in(url)
        assert answer.status_code == 429 and int(answer.headers["Retry-After"]) > 0

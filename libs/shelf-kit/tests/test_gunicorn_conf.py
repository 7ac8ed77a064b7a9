"""The gunicorn settings, with a real gunicorn: workers end with their master."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from shelf_kit.testing import free_port

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/task").exists(), reason="reads processes from Linux's /proc"
)

GUNICORN = Path(sys.executable).with_name("gunicorn")
APP = """
import os

def app(environ, start_response):
    body = environ["wsgi.input"].read()  # a client that never sends it holds the worker here
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [str(os.getpid()).encode(), body]
"""
# Longer than any deadline below: a worker left to notice its master's death on its own
# (gunicorn checks between waits for connections of up to half this) would hold the port
# past them.
TIMEOUT_SECONDS = "600"
DEADLINE = 60.0


def start_gunicorn(folder: Path, port: int, log_name: str, *options: str) -> subprocess.Popen:
    with open(folder / log_name, "wb") as log:  # the process writes to its own copy
        return subprocess.Popen(
            [
                str(GUNICORN),
                "-c",
                "python:shelf_kit.gunicorn_conf",
                "--no-control-socket",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--timeout",
                TIMEOUT_SECONDS,
                *options,
                "--chdir",
                str(folder),
                "hello:app",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_until(condition, what: str, deadline: float = DEADLINE):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        result = condition()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"not within {deadline} s: {what}")


def answering_pid(port: int) -> int | None:
    try:
        return int(requests.get(f"http://127.0.0.1:{port}/", timeout=2).text)
    except (requests.RequestException, ValueError):
        return None


def workers_of(master: int) -> set[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return {int(pid) for pid in children}


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "hello.py").write_text(APP)
    started: list[subprocess.Popen] = []
    yield tmp_path, started
    for process in started:  # and whatever is left of its session (workers, say)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def test_after_kill_9_of_the_master_a_new_gunicorn_takes_the_port(folder):
    path, started = folder
    port = free_port()
    first = start_gunicorn(path, port, "first.log")
    started.append(first)
    wait_until(lambda: answering_pid(port), "the first gunicorn answers")
    workers = wait_until(
        lambda: len(workers_of(first.pid)) == 2 and workers_of(first.pid), "two workers"
    )
    wait_until(
        lambda: (path / "first.log").read_text().count("Worker ready") == 2, "both workers ready"
    )

    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    wait_until(
        lambda: not any(alive(pid) for pid in workers),
        f"the workers {sorted(workers)} end with their master",
    )

    second = start_gunicorn(path, port, "second.log")
    started.append(second)
    pid = wait_until(lambda: answering_pid(port), "a new gunicorn binds the port and answers")
    assert pid in workers_of(second.pid)
    assert "Connection in use" not in (path / "second.log").read_text()


def test_a_worker_stuck_in_a_request_ends_within_the_graceful_timeout(folder):
    # With no master left to kill it, a worker finishing its request "gracefully" would wait
    # for a client that never sends its body, and keep the port.
    path, started = folder
    port = free_port()
    first = start_gunicorn(path, port, "first.log", "--workers", "1", "--graceful-timeout", "2")
    started.append(first)
    wait_until(lambda: answering_pid(port), "gunicorn answers")
    (worker,) = workers_of(first.pid)
    with socket.create_connection(("127.0.0.1", port)) as stuck:
        stuck.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
        time.sleep(0.5)  # the worker reads the body (nothing decides on this pause)
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
        wait_until(lambda: not alive(worker), "the stuck worker ends")
    second = start_gunicorn(path, port, "second.log")
    started.append(second)
    wait_until(lambda: answering_pid(port), "a new gunicorn binds the port and answers")


BACKGROUND_APP = """
import os
import threading
from pathlib import Path

from flask import Flask

from shelf_kit.background import add_background

app = Flask(__name__)
stopped = threading.Event()
log = Path(os.environ["BACKGROUND_LOG"])


def beat():
    with log.open("a") as out:
        out.write(f"started {os.getpid()}\\n")
    stopped.wait()
    with log.open("a") as out:
        out.write(f"finished {os.getpid()}\\n")


threads = []


def start():
    threads.append(threading.Thread(target=beat, daemon=True))
    threads[0].start()


def stop(reason):
    with log.open("a") as out:
        out.write(f"stopped {os.getpid()}: {reason}\\n")
    stopped.set()
    threads[0].join()  # a daemon thread: without this wait, Python's exit would cut it short


add_background(app, "beat", start, stop)


@app.get("/")
def pid():
    return str(os.getpid())
"""


def test_work_beside_the_app_starts_with_each_worker_and_stops_when_it_exits(tmp_path):
    (tmp_path / "beside.py").write_text(BACKGROUND_APP)
    log = tmp_path / "background.log"
    port = free_port()
    with open(tmp_path / "gunicorn.log", "wb") as out:
        master = subprocess.Popen(
            [
                str(GUNICORN),
                *("-c", "python:shelf_kit.gunicorn_conf", "--no-control-socket"),
                *("--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "2"),
                *("--chdir", str(tmp_path), "beside:app"),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, "BACKGROUND_LOG": str(log)},
        )
    try:
        worker = wait_until(lambda: answering_pid(port), "gunicorn answers")
        wait_until(lambda: log.exists() and f"started {worker}" in log.read_text(), "started")
        master.send_signal(signal.SIGTERM)
        assert master.wait(timeout=DEADLINE) == 0
        lines = log.read_text().splitlines()
        assert lines == [
            f"started {worker}",
            f"stopped {worker}: the web worker is exiting",
            f"finished {worker}",
        ]
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(master.pid, signal.SIGKILL)


def test_an_app_made_outside_gunicorn_starts_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("BACKGROUND_LOG", str(tmp_path / "background.log"))
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "beside_test_client.py").write_text(BACKGROUND_APP)
    import beside_test_client  # type: ignore[import-not-found]  # written just above

    assert beside_test_client.app.test_client().get("/").status_code == 200
    assert not (tmp_path / "background.log").exists()

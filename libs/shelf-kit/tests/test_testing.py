"""LoopbackServer: a real server that goes down (connections refused) and comes back."""

import socket
import threading
import urllib.request
from pathlib import Path

import pytest
from flask import Flask

from shelf_kit.contracts import Contract
from shelf_kit.testing import LoopbackServer, StandInTasks


def counting_app():
    app = Flask("counting")
    app.config["answers"] = 0

    @app.get("/ping")
    def ping():
        app.config["answers"] += 1
        return f"pong {app.config['answers']}"

    return app


def get(url):
    with urllib.request.urlopen(url + "/ping", timeout=5) as response:
        return response.status, response.read().decode()


def refused(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except ConnectionRefusedError:
        return True
    return False


def test_it_answers_then_refuses_when_stopped_then_answers_again_on_the_same_port():
    server = LoopbackServer(counting_app()).start()
    try:
        assert server.url == f"http://127.0.0.1:{server.port}"
        assert get(server.url) == (200, "pong 1")
        server.stop()
        assert refused(server.port)
        assert server.start() is server
        assert get(server.url) == (200, "pong 2")
    finally:
        server.stop()
    server.stop()  # stopping twice is harmless
    assert refused(server.port)


def test_a_given_port_is_used():
    first = LoopbackServer(counting_app())
    with LoopbackServer(counting_app(), port=first.port) as server:
        assert server.port == first.port
        assert get(first.url) == (200, "pong 1")


def test_the_context_manager_starts_and_stops():
    with LoopbackServer(counting_app()) as server:
        assert server.running
        assert get(server.url)[0] == 200
    assert not server.running
    assert refused(server.port)


def test_each_connection_is_closed_after_one_answer():
    """So no kept-alive connection can reach a server after it stopped."""
    request = b"GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n"
    with (
        LoopbackServer(counting_app()) as server,
        socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock,
    ):
        sock.sendall(request)
        received = b""
        while chunk := sock.recv(4096):  # ends only when the server closes the connection
            received += chunk
    assert received.startswith(b"HTTP/1.0 200")
    assert received.endswith(b"pong 1")


def test_requests_are_answered_in_parallel():
    release = threading.Event()
    app = Flask("slow")

    @app.get("/wait")
    def wait():
        return "released" if release.wait(5) else "timed out"

    @app.get("/release")
    def set_free():
        release.set()
        return "ok"

    with LoopbackServer(app) as server:
        waiting = []
        thread = threading.Thread(
            target=lambda: waiting.append(
                urllib.request.urlopen(server.url + "/wait", timeout=10).read()
            )
        )
        thread.start()
        assert urllib.request.urlopen(server.url + "/release", timeout=5).read() == b"ok"
        thread.join()
    assert waiting == [b"released"]


@pytest.fixture(autouse=True)
def no_threads_left_behind():
    before = {thread.name for thread in threading.enumerate()}
    yield
    left = {thread.name for thread in threading.enumerate()} - before
    assert not [name for name in left if name.startswith("loopback-")]


def test_the_stand_in_tasks_shows_jobs_to_the_users_identify_names():
    """The user's side of tasks: `identify` says who a token is; admins see every job, a user
    only their own; every answer is one tasks' document describes."""
    tasks_document = Path(__file__).resolve().parents[3] / "services/tasks/openapi.json"
    users = {"Bearer admin": {"sub": "1", "is_admin": True}, "Bearer ann": {"sub": "2"}}
    with StandInTasks(Contract.load(tasks_document), identify=users.get) as tasks:
        mine = tasks.add_job("import_bookmarks", "running", created_by=2)
        theirs = tasks.add_job("check_links", "completed", created_by=1)
        client = tasks.app.test_client()
        as_admin, as_ann = {"Authorization": "Bearer admin"}, {"Authorization": "Bearer ann"}
        assert client.get("/v1/jobs").status_code == 401
        assert client.get("/v1/jobs", headers=as_ann).status_code == 403
        listed = client.get("/v1/jobs", headers=as_admin).get_json()
        assert [job["id"] for job in listed["results"]] == [theirs["id"], mine["id"]]
        assert client.get(f"/v1/jobs/{mine['id']}", headers=as_ann).status_code == 200
        assert client.get(f"/v1/jobs/{theirs['id']}", headers=as_ann).status_code == 404
        cancel = client.post(f"/v1/jobs/{mine['id']}/cancel", headers=as_admin)
        assert cancel.get_json()["state"] == "cancelled"
        stats = client.get("/v1/stats", headers=as_admin).get_json()
        assert stats["by_state"]["cancelled"] == 1
        assert [c.path for c in tasks.called("GET", "/v1/jobs")] == ["/v1/jobs"] * 3
        # only the call made without credentials on purpose does not fit tasks' document
        assert tasks.problems == [
            "GET /v1/jobs: credentials: none that the provider accepts (it takes bearer)"
        ]

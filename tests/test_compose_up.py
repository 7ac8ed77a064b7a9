"""docker compose for real: the README's instructions, run the way a person would, then used
through the gateway only, then one service redeployed under a continuous client.

`make test-compose` (and `make test` when a Docker engine answers). Skipped, saying why, when
none does. The stack is this run's own: its project name, published ports, env file (made by
deploy/secret_files.py, as `make compose-env` makes .env) and network; `docker compose down -v`
removes it all at the end. Two things differ on a machine without internet (TOOLING.md): the
builds reach the package index on the host network (an override file gives each built service
`build: {network: host}`), and the page the worker fetches is served on the compose network's
gateway address, which this stack's fetch policy allows (SHELF_FETCH_ALLOW_NETWORKS, for the
test only).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests
from packaging.version import Version

from loopback_site import Site
from shelf_kit.testing import free_port
from shelf_system import ROOT
from ui_pages import wait_for

pytestmark = pytest.mark.compose

TIMEOUT = (5, 60)
BUILT = ("auth", "api", "tasks", "ui", "gateway")
# Every Shelf service in two replicas: the gateway spreads requests over them, and the outbox
# relays and schedulers run side by side (web processes: one gunicorn worker each, on 2 cores).
SCALE = {"api": 2, "auth": 2, "tasks": 2, "ui": 2, "worker": 2, "scheduler": 2}
PAGE_TITLE = "A page the worker fetched"


def docker_answers() -> str | None:
    """Why the compose test cannot run here, or None."""
    if shutil.which("docker") is None:
        return "no docker command (../shared/docker/prepare installs one on this machine)"
    info = subprocess.run(["docker", "info"], capture_output=True, text=True, check=False)
    if info.returncode != 0:
        return f"no Docker engine answers: {info.stderr.strip().splitlines()[-1:]}"
    if (
        subprocess.run(
            ["docker", "compose", "version"], capture_output=True, check=False
        ).returncode
        != 0
    ):
        return "docker has no compose v2 plugin"
    return None


class Browser(requests.Session):
    """As browsers treat http://localhost (a secure context), the ui's Secure cookies are sent
    back to it; `requests` alone would keep them for https only. Redirects are followed here,
    hop by hop, so a cookie set by a 302 (a form's POST, then its page) is sent to the next."""

    def request(self, method, url, *args, allow_redirects=True, **kwargs):
        response = self._hop(method, url, *args, **kwargs)
        for _ in range(10):
            if not (allow_redirects and response.is_redirect):
                break
            response = self._hop(
                "GET",
                urljoin(response.url, response.headers["Location"]),
                timeout=kwargs.get("timeout"),
            )
        return response

    def _hop(self, method, url, *args, **kwargs):
        kwargs["allow_redirects"] = False  # each hop by itself, its cookies kept
        response = super().request(method, url, *args, **kwargs)
        for cookie in self.cookies:
            if cookie.domain.startswith("localhost"):
                cookie.secure = False
        return response


@dataclass
class Stack:
    project: str
    folder: Path
    env_file: Path
    override: Path
    network: str
    base: str  # the gateway, as a person opens it
    mail: str
    page_url: str
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def compose(self) -> list[str]:
        return [
            "docker",
            "compose",
            "-p",
            self.project,
            "--env-file",
            str(self.env_file),
            "-f",
            str(ROOT / "docker-compose.yml"),
            "-f",
            str(self.override),
        ]

    def run(
        self, *args: str, timeout: float = 900, env: dict | None = None, check: bool = True
    ) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [*self.compose, *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            check=False,
        )
        if check and result.returncode != 0:
            logs = subprocess.run(
                [*self.compose, "logs", "--tail", "30"],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=False,
            ).stdout
            raise AssertionError(
                f"docker compose {' '.join(args)} failed "
                f"({result.returncode}):\n{result.stdout[-3000:]}\n"
                f"{result.stderr[-3000:]}\n--- logs\n{logs[-6000:]}"
            )
        return result

    def containers(self, service: str) -> dict[str, str]:
        """{container id: its start time} of a service's running containers."""
        ids = self.run("ps", "-q", service).stdout.split()
        return {
            cid: subprocess.run(
                ["docker", "inspect", "-f", "{{.State.StartedAt}}", cid],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
            for cid in ids
        }

    def settings(self) -> dict[str, str]:
        return dict(
            line.split("=", 1)
            for line in self.env_file.read_text().splitlines()
            if "=" in line and not line.startswith("#")
        )


@pytest.fixture(scope="module")
def stack(request) -> Iterator[Stack]:
    reason = docker_answers()
    if reason:
        pytest.skip(f"compose test skipped: {reason}")
    report = request.config.pluginmanager.get_plugin("terminalreporter")
    name = f"shelftest{uuid.uuid4().hex[:8]}"
    folder = Path(tempfile.mkdtemp(prefix="shelf-compose-"))
    subprocess.run(["docker", "network", "create", name], check=True, capture_output=True)
    gateway_ip = subprocess.run(
        ["docker", "network", "inspect", "-f", "{{(index .IPAM.Config 0).Gateway}}", name],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    pages = Site(gateway_ip).start()  # where the containers reach the host
    port, mail_port = free_port(), free_port()
    env_file = folder / "env"
    subprocess.run(
        ["python3", "deploy/secret_files.py", "compose", str(env_file)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with env_file.open("a") as env:  # what a person would change in .env, and the test's own
        env.write(
            f"SHELF_PORT={port}\nSHELF_MAIL_UI_PORT={mail_port}\nWEB_CONCURRENCY=1\n"
            f"SHELF_FETCH_ALLOW_NETWORKS={gateway_ip}/32\n"
        )
    override = folder / "override.yml"
    override.write_text(
        json.dumps(
            {
                "services": {service: {"build": {"network": "host"}} for service in BUILT},
                "networks": {"default": {"name": name, "external": True}},
            }
        )
    )
    stack = Stack(
        name,
        folder,
        env_file,
        override,
        name,
        f"http://localhost:{port}",
        f"http://127.0.0.1:{mail_port}",
        pages.page("/article.html", PAGE_TITLE, "Served by the compose test"),
    )
    try:
        started = time.monotonic()
        stack.run("build")
        stack.timings["build"] = time.monotonic() - started
        started = time.monotonic()
        scale = [f"--scale={service}={count}" for service, count in SCALE.items()]
        stack.run("up", "-d", "--wait", "--wait-timeout", "600", *scale)
        stack.timings["up"] = time.monotonic() - started
        report.write_line(
            f"\ncompose: built the images in {stack.timings['build']:.0f} s, "
            f"up --wait in {stack.timings['up']:.0f} s"
        )
        yield stack
    finally:
        started = time.monotonic()
        stack.run("down", "-v", "--remove-orphans", check=False, timeout=300)
        subprocess.run(["docker", "network", "rm", name], capture_output=True, check=False)
        pages.stop()
        report.write_line(f"compose: down -v in {time.monotonic() - started:.0f} s")


@pytest.fixture(scope="module")
def admin(stack) -> dict[str, str]:
    """The first administrator, made from SHELF_ADMIN_* when the stack started."""
    settings = stack.settings()
    return {
        "username": settings["SHELF_ADMIN_USERNAME"],
        "password": settings["SHELF_ADMIN_PASSWORD"],
    }


@pytest.fixture(scope="module")
def browser(stack, admin) -> requests.Session:
    """The administrator, logged in through the login page."""
    session = Browser()
    page = session.get(stack.base + "/login", timeout=TIMEOUT)
    assert page.status_code == 200, page.text[:500]
    answer = session.post(
        stack.base + "/login",
        timeout=TIMEOUT,
        allow_redirects=False,
        data={**admin, "csrf_token": csrf(page.text)},
    )
    assert answer.status_code == 302, answer.text[:500]
    return session


@pytest.fixture(scope="module")
def api(stack, browser) -> requests.Session:
    """The linkding API with a key made on the settings page."""
    settings = browser.get(stack.base + "/settings", timeout=TIMEOUT)
    made = browser.post(
        stack.base + "/settings/api-key", timeout=TIMEOUT, data={"csrf_token": csrf(settings.text)}
    )
    assert made.status_code == 200, made.text[:500]
    shown = re.search(r'id="new-api-key">([^<]+)<', made.text)
    assert shown, made.text[:500]
    key = shown.group(1)
    session = requests.Session()
    session.headers["Authorization"] = f"Token {key}"
    return session


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def test_the_pages_through_the_gateway(stack, browser):
    listing = browser.get(stack.base + "/bookmarks", timeout=TIMEOUT)
    assert listing.status_code == 200 and "<form" in listing.text
    assert requests.get(stack.base + "/metrics", timeout=TIMEOUT).status_code == 404


def test_the_linkding_flow(stack, api):
    url = f"https://example.org/{uuid.uuid4().hex}"
    made = api.post(
        stack.base + "/api/bookmarks/",
        timeout=TIMEOUT,
        json={"url": url, "title": "Compose flow", "tag_names": ["compose", "flow"]},
    )
    assert made.status_code == 201, made.text
    bookmark = made.json()
    assert sorted(bookmark["tag_names"]) == ["compose", "flow"]
    found = api.get(
        stack.base + "/api/bookmarks/", params={"q": "#compose flow"}, timeout=TIMEOUT
    ).json()
    assert [b["id"] for b in found["results"]] == [bookmark["id"]]
    assert (
        api.post(
            f"{stack.base}/api/bookmarks/{bookmark['id']}/archive/", timeout=TIMEOUT
        ).status_code
        == 204
    )
    archived = api.get(
        stack.base + "/api/bookmarks/archived/", params={"q": "#compose"}, timeout=TIMEOUT
    ).json()
    assert [b["id"] for b in archived["results"]] == [bookmark["id"]]
    assert (
        api.delete(f"{stack.base}/api/bookmarks/{bookmark['id']}/", timeout=TIMEOUT).status_code
        == 204
    )
    assert (
        api.get(f"{stack.base}/api/bookmarks/{bookmark['id']}/", timeout=TIMEOUT).status_code == 404
    )


def test_the_worker_fetches_a_bookmark_s_page(stack, api):
    made = api.post(stack.base + "/api/bookmarks/", json={"url": stack.page_url}, timeout=TIMEOUT)
    assert made.status_code == 201, made.text

    def fetched():
        bookmark = api.get(
            f"{stack.base}/api/bookmarks/{made.json()['id']}/", timeout=TIMEOUT
        ).json()
        return PAGE_TITLE in (bookmark.get("website_title"), bookmark.get("title"))

    wait_for(fetched, 120, f"the worker fetched no title from {stack.page_url}")


def test_a_password_reset_mail_arrives_and_its_link_names_the_gateway(stack, admin):
    token = requests.post(stack.base + "/auth/v1/sessions", json=admin, timeout=TIMEOUT).json()[
        "access_token"
    ]
    email = f"reset-{uuid.uuid4().hex[:8]}@example.org"
    made = requests.post(
        stack.base + "/auth/v1/admin/users",
        timeout=TIMEOUT,
        headers={"Authorization": f"Bearer {token}"},
        json={
            "username": f"reset{uuid.uuid4().hex[:8]}",
            "password": "a long test passphrase",
            "email": email,
        },
    )
    assert made.status_code == 201, made.text
    visitor = Browser()
    form = visitor.get(stack.base + "/forgot-password", timeout=TIMEOUT)
    asked = visitor.post(
        stack.base + "/forgot-password",
        timeout=TIMEOUT,
        data={"login": email, "csrf_token": csrf(form.text)},
    )
    assert asked.status_code == 200, asked.text[:500]

    def mailed():
        messages = requests.get(stack.mail + "/api/v1/messages", timeout=TIMEOUT).json()
        return next((m for m in messages["messages"] if email in str(m["To"])), None)

    mail = wait_for(mailed, 120, f"no reset mail to {email} in the mail sink")
    found = re.search(r"(https?://\S+/reset-password/\S+)", mail["Text"])
    assert found, f"no reset link in the mail: {mail['Text']}"
    link = found.group(1)
    assert link.startswith(stack.base + "/reset-password/")  # SHELF_PORT's address
    assert visitor.get(link, timeout=TIMEOUT).status_code == 200


def test_health_through_the_gateway(stack):
    health = requests.get(stack.base + "/health", timeout=TIMEOUT)
    assert health.status_code == 200, health.text
    assert health.json()["status"] == "healthy"
    assert Version(health.json()["version"]) >= Version("1.22.0")


def test_the_gateway_spreads_requests_over_the_replicas(stack, api):
    replicas = stack.containers("api")
    assert len(replicas) == SCALE["api"]
    since = time.time()
    marker = f"/api/bookmarks/?q=spread{uuid.uuid4().hex[:6]}"
    for _ in range(20):
        assert api.get(stack.base + marker, timeout=TIMEOUT).status_code == 200
    served = {}
    for cid in replicas:
        logs = subprocess.run(
            ["docker", "logs", "--since", str(int(since) - 1), cid],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            check=False,
        ).stdout  # gunicorn's and the app's lines: stderr
        served[cid] = logs.count("GET /api/bookmarks/")
    assert all(count > 0 for count in served.values()), served


def test_redeploying_api_fails_no_request(stack, api, request):
    """`make deploy SERVICE=api` under a client that keeps reading and writing."""
    others = {
        service: stack.containers(service)
        for service in ("auth", "tasks", "ui", "worker", "scheduler", "gateway", "postgres")
    }
    old = set(stack.containers("api"))
    record: list[tuple[str, object]] = []
    created: list[int] = []
    stop = threading.Event()

    def client(kind: str) -> None:
        session = requests.Session()
        session.headers.update(api.headers)
        while not stop.is_set():
            try:
                if kind == "write":
                    answer = session.post(
                        stack.base + "/api/bookmarks/",
                        timeout=TIMEOUT,
                        json={
                            "url": f"https://example.org/{uuid.uuid4().hex}",
                            "tag_names": ["rollout"],
                        },
                    )
                    if answer.status_code == 201:
                        created.append(answer.json()["id"])
                else:
                    answer = session.get(stack.base + "/api/bookmarks/?limit=5", timeout=TIMEOUT)
                record.append((kind, answer.status_code))
            except requests.RequestException as error:
                record.append((kind, repr(error)))

    threads = [threading.Thread(target=client, args=(kind,)) for kind in ("write", "read", "read")]
    for thread in threads:
        thread.start()
    started = time.monotonic()
    env = {**os.environ, "COMPOSE": " ".join(stack.compose)}
    try:
        rollout = subprocess.run(
            [str(ROOT / "deploy" / "rollout"), "api"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        took = time.monotonic() - started
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
    assert rollout.returncode == 0, rollout.stdout[-3000:] + rollout.stderr[-3000:]
    failures = [entry for entry in record if entry[1] not in (200, 201)]
    request.config.pluginmanager.get_plugin("terminalreporter").write_line(
        f"compose: make deploy SERVICE=api took {took:.0f} s; the client sent {len(record)} "
        f"requests ({len(created)} writes), {len(failures)} failed {failures[:5]}"
    )
    assert failures == []
    new = set(stack.containers("api"))
    assert len(new) == SCALE["api"] and not new & old  # every container replaced
    lost = [
        bookmark
        for bookmark in created
        if api.get(f"{stack.base}/api/bookmarks/{bookmark}/", timeout=TIMEOUT).status_code != 200
    ]
    assert lost == []
    assert {service: stack.containers(service) for service in others} == others

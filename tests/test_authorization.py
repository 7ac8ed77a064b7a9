"""The authorization matrix: every route of every service, as published in the service's served
/openapi.json, called as anonymous, another user, the owner, an admin and a service; each
answer must match the rule declared in authz_policy.py, and no answer to anyone but the owner
(and services, which may read everything) may carry the owner's data.

The owner's objects (a bookmark, a tag, a bundle, an asset, a large import and its job) are
made first, so every path names something real; each title or name holds MARKER, a string
that must never appear in an answer to anyone else. A call that changes or deletes an object
gets a fresh one of its own, so the order of the calls does not matter.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from authz_policy import ALLOWED, CALLERS, POLICY, Rule
from shelf_accounts import (
    PASSWORD,
    SERVICE_SECRETS,
    Person,
    bearer,
    log_in,
    make_admin,
    make_user,
    service_token,
    ui_session,
)
from shelf_system import WEB_SERVICES, ShelfSystem

TIMEOUT = (2, 15)
MARKER = f"owners-secret-{uuid.uuid4().hex[:12]}"
METHODS = ("get", "put", "post", "patch", "delete")
IMPORT_SIZE = 210  # above SHELF_API_IMPORT_JOB_THRESHOLD (200): imported by a job
FAR_FUTURE = "2100-01-01T00:00:00Z"


def served_routes(system: ShelfSystem, service: str) -> list[str]:
    """ "METHOD /path" for every operation in the service's served OpenAPI document."""
    document = requests.get(system.urls[service] + "/openapi.json", timeout=TIMEOUT)
    assert document.status_code == 200, document.text[:300]
    return [
        f"{method.upper()} {path}"
        for path, operations in document.json()["paths"].items()
        for method in operations
        if method in METHODS
    ]


def netscape_file(titles: list[str]) -> bytes:
    lines = ["<!DOCTYPE NETSCAPE-Bookmark-file-1>", "<DL><p>"]
    lines += [
        f'<DT><A HREF="https://example.org/imported/{n}" ADD_DATE="1700000000">{title}</A>'
        for n, title in enumerate(titles)
    ]
    lines.append("</DL><p>")
    return "\n".join(lines).encode()


@dataclass
class World:
    """The people, their credentials and the owner's objects on the running system."""

    system: ShelfSystem
    people: dict[str, Person]  # other, owner, admin
    service_tokens: dict[str, str]  # by the service called: a token of the client calling it
    browsers: dict[str, requests.Session]  # ui sessions, per person
    objects: dict[str, Any] = field(default_factory=dict)

    def url(self, service: str, path: str) -> str:
        return self.system.urls[service] + path

    def log_in_again(self, name: str) -> None:
        """New credentials for a person whose tokens a call voided (logging out everywhere)."""
        username = self.people[name].username
        self.people[name] = log_in(self.system, username)
        self.browsers[name] = ui_session(self.system, username)

    def api(self, method: str, path: str, person: str = "owner", **kwargs) -> requests.Response:
        return requests.request(
            method,
            self.url("api", path),
            timeout=TIMEOUT,
            headers=self.people[person].headers,
            **kwargs,
        )

    # -- the owner's objects (each holds the marker) ---------------------------------------

    def new_bookmark(self) -> int:
        made = self.api(
            "POST",
            "/api/bookmarks/",
            json={
                "url": f"https://example.org/owner/{uuid.uuid4().hex[:8]}",
                "title": f"{MARKER} title",
                "description": f"{MARKER} description",
                "notes": f"{MARKER} notes",
                "tag_names": [f"{MARKER}-tag"],
            },
        )
        assert made.status_code == 201, made.text
        return made.json()["id"]

    def new_tag(self) -> int:
        made = self.api("POST", "/api/tags/", json={"name": f"{MARKER}-{uuid.uuid4().hex[:6]}"})
        assert made.status_code == 201, made.text
        return made.json()["id"]

    def new_bundle(self) -> int:
        made = self.api(
            "POST",
            "/api/bundles/",
            json={"name": f"{MARKER} bundle {uuid.uuid4().hex[:6]}", "search": MARKER},
        )
        assert made.status_code == 201, made.text
        return made.json()["id"]

    def new_asset(self, bookmark_id: int) -> int:
        made = self.api(
            "POST",
            f"/api/bookmarks/{bookmark_id}/assets/upload/",
            files={"file": (f"{MARKER}.txt", f"{MARKER} in a file".encode(), "text/plain")},
        )
        assert made.status_code == 201, made.text
        return made.json()["id"]

    def new_job(self) -> int:
        """A job that works for the owner and waits far in the future (an admin enqueues it)."""
        made = requests.post(
            self.url("tasks", "/v1/jobs"),
            timeout=TIMEOUT,
            headers=self.people["admin"].headers,
            json={
                "kind": "purge",
                "args": {},
                "run_at": FAR_FUTURE,
                "created_by": self.people["owner"].user_id,
            },
        )
        assert made.status_code == 201, made.text
        return made.json()["id"]

    def new_user(self) -> int:
        return make_user(self.system, self.people["admin"], prefix="victim").user_id

    def large_import(self) -> int:
        titles = [f"{MARKER} imported {n}" for n in range(IMPORT_SIZE)]
        started = self.api(
            "POST",
            "/api/bookmarks/import/",
            files={"file": ("bookmarks.html", netscape_file(titles), "text/html")},
        )
        assert started.status_code == 202, started.text
        body = started.json()
        return (body.get("import") or body.get("import_"))["id"]


# Path parameters: the owner's object (routes that only read), or a fresh one for a call that
# changes or deletes it. Users to administer are always fresh.
SHARED = {"bookmark_id", "tag_id", "bundle_id", "asset_id", "job_id", "import_id", "item_id"}
# Routes after which the caller's own tokens no longer work (auth voids them all).
ENDS_THE_CALLERS_SESSIONS = {"POST /v1/sessions/logout-all"}


def path_values(world: World, route: str) -> dict[str, Any]:
    method, path = route.split(" ", 1)
    names = re.findall(r"{(\w+)}", path)
    reads = method == "GET"
    objects = world.objects
    values: dict[str, Any] = {}
    for name in names:
        if name == "owner_id" and method == "DELETE":  # a deleted user's data: a fresh user
            values[name] = world.new_user()
        elif name == "owner_id":
            values[name] = world.people["owner"].user_id
        elif name == "source":
            values[name] = "import"
        elif name == "import_id" and path.endswith("/failure"):  # fails it: a fresh one
            values[name] = world.large_import()
        elif name == "item_id" or name == "import_id":
            values[name] = objects["import_id"]
        elif name == "feed_key":  # a well-formed key nobody has (see UNKNOWN_FEED)
            values[name] = "0" * 40
        elif name == "schedule_id":
            values[name] = objects["schedule"]["id"]
        elif name == "user_id":
            values[name] = world.new_user()
        elif reads:
            values[name] = objects[name]
        elif name == "bookmark_id":
            values[name] = objects["bookmark_id"] if "asset_id" in names else world.new_bookmark()
        else:
            values[name] = {
                "tag_id": world.new_tag,
                "bundle_id": world.new_bundle,
                "job_id": world.new_job,
                "asset_id": lambda: world.new_asset(objects["bookmark_id"]),
            }[name]()
    return values


def request_input(world: World, route: str, caller: str) -> dict[str, Any]:
    """What each call sends besides credentials: a well-formed request wherever one is cheap
    and harmless, so that a refusal can only come from authorization."""
    objects = world.objects
    owner = world.people["owner"]

    def fresh_refresh() -> str:
        return log_in(world.system, owner.username).refresh_token

    unique_url = f"https://example.org/matrix/{caller}/{uuid.uuid4().hex[:6]}"
    Input = dict[str, Any]
    inputs: dict[str, Input | Callable[[], Input]] = {
        "POST /api/bookmarks/": {"json": {"url": unique_url}},
        "PUT /api/bookmarks/{bookmark_id}/": {"json": {"url": unique_url, "title": "put"}},
        "PATCH /api/bookmarks/{bookmark_id}/": {"json": {"unread": True}},
        "GET /api/bookmarks/check/": {"params": {"url": objects["bookmark_url"]}},
        "GET /bookmarks/check": {"params": {"url": objects["bookmark_url"]}},
        "POST /api/bookmarks/import/": {
            "files": {"file": ("one.html", netscape_file(["matrix import"]), "text/html")}
        },
        "POST /api/bookmarks/singlefile/": {
            "data": {"url": unique_url},
            "files": {"file": ("page.html", b"<html>snapshot</html>", "text/html")},
        },
        "POST /api/bookmarks/{bookmark_id}/assets/upload/": {
            "files": {"file": ("note.txt", b"a file", "text/plain")}
        },
        "POST /api/tags/": {"json": {"name": f"matrix-{caller}"}},
        "PATCH /v1/tags/{tag_id}": {"json": {"name": f"renamed-{caller}-{uuid.uuid4().hex[:6]}"}},
        "POST /v1/tags/{tag_id}/merge": {"json": {"into": objects["tag_id"]}},
        "POST /v1/bookmarks/bulk": {
            "json": {"action": "mark_read", "ids": [objects["bookmark_id"]]}
        },
        "POST /api/bundles/": {"json": {"name": f"matrix {caller}"}},
        "PUT /api/bundles/{bundle_id}/": {"json": {"name": "put"}},
        "PATCH /api/bundles/{bundle_id}/": {"json": {"search": "patched"}},
        "PATCH /api/user/profile/": {"json": {"theme": "auto"}},
        "PATCH /v1/internal/bookmarks/{bookmark_id}/metadata": {"json": {"description": "fetched"}},
        "POST /v1/internal/bookmarks/{bookmark_id}/link-check": {"json": {"ok": True}},
        "POST /v1/internal/imports/{import_id}/batches": {"json": {"size": 1}},
        "POST /v1/internal/imports/{import_id}/failure": {"json": {"detail": "matrix"}},
        "POST /v1/api-keys/introspect": {"json": {"key": "0" * 40}},
        "POST /v1/admin/users": {
            "json": {
                "username": f"made{uuid.uuid4().hex[:8]}",
                "password": "a long test passphrase",
            }
        },
        "PATCH /v1/admin/users/{user_id}": {"json": {"email": "victim@example.org"}},
        "POST /v1/jobs": {"json": {"kind": "purge", "run_at": FAR_FUTURE}},
        "PATCH /v1/schedules/{schedule_id}": {"json": {"enabled": objects["schedule"]["enabled"]}},
        # Public auth routes: well-formed, with the owner's real credentials (a failed login
        # would count towards auth's throttle for this address), changing nothing that matters.
        "POST /v1/sessions": {"json": {"username": owner.username, "password": PASSWORD}},
        "POST /v1/sessions/refresh": lambda: {"json": {"refresh_token": fresh_refresh()}},
        "POST /v1/sessions/logout": lambda: {"json": {"refresh_token": fresh_refresh()}},
        "POST /v1/users": {
            "json": {"username": f"signup{uuid.uuid4().hex[:8]}", "password": PASSWORD}
        },
        # An empty body: 422 before any password is checked (and counted).
        "POST /v1/users/me/password": {"json": {}},
        "POST /v1/users/me/email": {"json": {}},
        "POST /v1/service-tokens": {
            "json": {
                "client_id": "api",
                "audience": "tasks",
                "client_secret": SERVICE_SECRETS["api"],
            }
        },
        "POST /v1/password-resets": {"json": {"login": "nobody-here"}},
        "POST /v1/password-resets/confirm": {
            "json": {"token": "not-a-token", "password": "a long passphrase"}
        },
    }
    found = inputs.get(route, {})
    return found() if callable(found) else found


def call(world: World, service: str, route: str, caller: str) -> requests.Response:
    method, template = route.split(" ", 1)
    path = template.format(**path_values(world, route))
    kwargs = request_input(world, route, caller)
    headers = {"Accept": "application/json"}
    client: Any = requests
    if caller == "service":
        headers.update(bearer(world.service_tokens[service]))
    elif caller != "anonymous":
        if service == "ui":  # the ui knows people by its session cookie
            client = world.browsers[caller]
        else:
            headers.update(world.people[caller].headers)
    answer = client.request(
        method,
        world.url(service, path),
        headers=headers,
        timeout=TIMEOUT,
        allow_redirects=False,
        **kwargs,
    )
    if route in ENDS_THE_CALLERS_SESSIONS and caller in world.people and answer.ok:
        world.log_in_again(caller)
    return answer


def mismatch(rule: Rule, route: str, caller: str, answer: requests.Response) -> str | None:
    """Why this answer breaks the policy, or None."""
    status = answer.status_code
    expected = rule.expected(caller)
    if status >= 500:
        return f"{status} (a server error): {answer.text[:200]}"
    if expected == ALLOWED:
        refusals = {401, 403} | ({404} if "{" in route else set())
        if status in refusals:
            return f"refused with {status}, but the policy allows {caller}: {answer.text[:200]}"
    elif status != expected:
        return f"{status}, expected {expected}: {answer.text[:200]}"
    sees_owners_data = caller in ("owner", "service") or caller in rule.sees_everyones
    if not sees_owners_data and MARKER in answer.text:
        return f"{status} and the answer holds the owner's data: {answer.text[:300]}"
    return None


@pytest.fixture(scope="module")
def world(shelf_system: ShelfSystem) -> World:
    admin = make_admin(shelf_system)
    people = {
        "owner": make_user(shelf_system, admin, "owner"),
        "other": make_user(shelf_system, admin, "other"),
        "admin": admin,
    }
    # Each service is called by the client that calls it in Shelf, with a token meant for it:
    # auth by api (introspection, revocations), api by tasks (its handlers), tasks by api (its
    # jobs) -- and ui takes no service tokens at all (one meant for api here).
    tokens = {
        "auth": service_token(shelf_system, "api", "auth"),
        "api": service_token(shelf_system, "tasks", "api"),
        "tasks": service_token(shelf_system, "api", "tasks"),
        "ui": service_token(shelf_system, "tasks", "api"),
    }
    browsers = {name: ui_session(shelf_system, person.username) for name, person in people.items()}
    world = World(shelf_system, people, tokens, browsers)
    bookmark_id = world.new_bookmark()
    world.objects.update(
        bookmark_id=bookmark_id,
        bookmark_url=world.api("GET", f"/api/bookmarks/{bookmark_id}/").json()["url"],
        tag_id=world.new_tag(),
        bundle_id=world.new_bundle(),
        asset_id=world.new_asset(bookmark_id),
        job_id=world.new_job(),
        import_id=world.large_import(),
    )
    schedules = requests.get(
        world.url("tasks", "/v1/schedules"), headers=admin.headers, timeout=TIMEOUT
    )
    assert schedules.status_code == 200 and schedules.json()["results"], schedules.text
    world.objects["schedule"] = schedules.json()["results"][0]
    return world


# -- the policy covers the documents exactly ----------------------------------------------


@pytest.mark.parametrize("service", WEB_SERVICES)
def test_every_published_route_has_a_policy_and_every_policy_a_route(shelf_system, service):
    published = set(served_routes(shelf_system, service))
    declared = set(POLICY.get(service, {}))
    assert sorted(published - declared) == [], f"{service}: routes without a policy"
    assert sorted(declared - published) == [], f"{service}: policies for no published route"


# -- every route, as every caller ----------------------------------------------------------


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("service", WEB_SERVICES)
def test_every_route_answers_each_caller_as_the_policy_says(world, service, caller):
    problems = []
    checked = 0
    for route in served_routes(world.system, service):
        rule = POLICY.get(service, {}).get(route)
        if rule is None:
            continue  # reported by the coverage test above
        answer = call(world, service, route, caller)
        checked += 1
        problem = mismatch(rule, route, caller, answer)
        if problem:
            problems.append(f"{route} as {caller}: {problem}")
    assert checked, f"no route of {service} was checked"
    assert problems == [], "\n".join(problems)


# -- the checks themselves can fail --------------------------------------------------------


def test_the_owner_sees_the_marker_so_its_absence_elsewhere_means_something(world):
    """The leak check looks for MARKER: the owner's own answers must hold it."""
    for path in (
        f"/api/bookmarks/{world.objects['bookmark_id']}/",
        "/api/tags/",
        "/api/bundles/",
        f"/api/bookmarks/{world.objects['bookmark_id']}/assets/",
    ):
        answer = world.api("GET", path)
        assert answer.status_code == 200 and MARKER in answer.text, (path, answer.text[:300])
    deadline = time.monotonic() + 60
    while True:  # the large import, run by tasks' worker in batches, brings MARKER too
        search = world.api("GET", "/api/bookmarks/", params={"q": "imported", "limit": 5})
        if search.status_code == 200 and search.json()["count"] >= 1:
            assert MARKER in search.text
            break
        assert time.monotonic() < deadline, f"the large import never ran: {search.text[:300]}"
        time.sleep(0.5)


def test_a_wrong_policy_entry_is_caught(world):
    """A rule that wrongly lets another user read the owner's bookmark is refuted."""
    wrong = Rule(allowed=frozenset({"owner", "other"}))
    route = "GET /api/bookmarks/{bookmark_id}/"
    answer = call(world, "api", route, "other")
    assert mismatch(wrong, route, "other", answer) is not None
    assert mismatch(POLICY["api"][route], route, "other", answer) is None
    forged = requests.Response()  # and an answer that carried the owner's title is a leak
    forged.status_code, forged._content = 200, f'{{"title": "{MARKER}"}}'.encode()
    leak = mismatch(POLICY["api"]["GET /api/bookmarks/"], "GET /api/bookmarks/", "other", forged)
    assert leak is not None and "owner's data" in leak

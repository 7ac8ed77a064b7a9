"""Contract (DESIGN.md rule 4): every request the ui sends to auth, api and tasks is checked
against the document that service publishes (services/<service>/openapi.json), with
shelf_kit.contracts.

The pages are driven against the stand-ins broadly enough that every kind of call the ui makes
is made; each recorded call (method, path, query, JSON body, form and files, credentials) is
checked. The set of operations covered is asserted, so a new call the pages make fails here
until it is added (and checked); and every path the clients name is one of them."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from browsing import csrf_token, log_in, submit

from shelf_kit.contracts import Contract

UI = Path(__file__).resolve().parents[1]
SERVICES = UI.parent
CLIENTS = UI / "src" / "shelf_ui" / "clients"

# Every operation the ui calls, by provider.
COVERED = {
    "auth": {
        ("GET", "/healthz"),
        ("GET", "/v1/signup"),
        ("POST", "/v1/sessions"),
        ("POST", "/v1/sessions/refresh"),
        ("POST", "/v1/sessions/logout"),
        ("POST", "/v1/users"),
        ("POST", "/v1/password-resets"),
        ("POST", "/v1/password-resets/confirm"),
        ("POST", "/v1/users/me/password"),
        ("POST", "/v1/users/me/email"),
        ("GET", "/v1/api-key"),
        ("POST", "/v1/api-key"),
        ("GET", "/v1/admin/users"),
        ("POST", "/v1/admin/users"),
        ("PATCH", "/v1/admin/users/{user_id}"),
        ("POST", "/v1/admin/users/{user_id}/password-reset"),
    },
    "api": {
        ("GET", "/healthz"),
        ("GET", "/api/bookmarks/"),
        ("POST", "/api/bookmarks/"),
        ("GET", "/api/bookmarks/archived/"),
        ("GET", "/api/bookmarks/shared/"),
        ("GET", "/api/bookmarks/check/"),
        ("GET", "/api/bookmarks/{bookmark_id}/"),
        ("PATCH", "/api/bookmarks/{bookmark_id}/"),
        ("DELETE", "/api/bookmarks/{bookmark_id}/"),
        ("POST", "/api/bookmarks/{bookmark_id}/archive/"),
        ("POST", "/api/bookmarks/{bookmark_id}/unarchive/"),
        ("GET", "/api/tags/"),
        ("GET", "/api/bundles/"),
        ("POST", "/api/bundles/"),
        ("GET", "/api/bundles/{bundle_id}/"),
        ("PATCH", "/api/bundles/{bundle_id}/"),
        ("DELETE", "/api/bundles/{bundle_id}/"),
        ("GET", "/api/user/profile/"),
        ("PATCH", "/api/user/profile/"),
        ("POST", "/api/bookmarks/import/"),
        ("GET", "/api/bookmarks/import/{import_id}/"),
        ("GET", "/api/bookmarks/export/"),
        ("GET", "/v1/admin/bookmarks"),
        ("GET", "/v1/admin/stats"),
        ("GET", "/v1/tags"),
        ("GET", "/v1/tags/{tag_id}"),
        ("PATCH", "/v1/tags/{tag_id}"),
        ("DELETE", "/v1/tags/{tag_id}"),
        ("POST", "/v1/tags/{tag_id}/merge"),
        ("POST", "/v1/bookmarks/bulk"),
        ("GET", "/v1/feed-key"),
        ("POST", "/v1/feed-key"),
    },
    "tasks": {
        ("GET", "/healthz"),
        ("GET", "/v1/jobs"),
        ("GET", "/v1/jobs/{job_id}"),
        ("POST", "/v1/jobs/{job_id}/retry"),
        ("POST", "/v1/jobs/{job_id}/cancel"),
        ("GET", "/v1/schedules"),
        ("GET", "/v1/schedules/{schedule_id}"),
        ("PATCH", "/v1/schedules/{schedule_id}"),
        ("GET", "/v1/stats"),
    },
}


@pytest.fixture(scope="module")
def contracts() -> dict[str, Contract]:
    return {name: Contract.load(SERVICES / name / "openapi.json") for name in COVERED}


def post(client, path: str, data: dict | None = None, page: str = "/bookmarks", **kwargs):
    """A form of the ui sent with the CSRF token of `page` (it is the session's token)."""
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(path, data={**(data or {}), "csrf_token": token}, **kwargs)


def bookmark_file(count: int) -> bytes:
    lines = "\n".join(
        f'<DT><A HREF="https://example.org/import/{n}">Page {n}</A>' for n in range(count)
    )
    return f"<!DOCTYPE NETSCAPE-Bookmark-file-1>\n<DL><p>\n{lines}\n</DL><p>\n".encode()


def upload(client, data: bytes):
    return post(
        client,
        "/import",
        {"file": (io.BytesIO(data), "bookmarks.html"), "folders_as_tags": "y"},
        page="/import",
        content_type="multipart/form-data",
    )


def visit_as_nobody(client, shelf) -> None:
    assert client.get("/").status_code == 200  # links to sign-up when auth says it is open
    assert client.get("/shared").status_code == 200
    assert client.get("/status").status_code == 200
    assert (
        submit(
            client,
            "/signup",
            data={
                "username": "carol",
                "email": "carol@example.org",
                "password": "carol-password",
                "confirm": "carol-password",
            },
        ).status_code
        == 302
    )
    assert post(client, "/logout").status_code == 302
    assert submit(client, "/forgot-password", data={"login": "carol"}).status_code == 302
    token = next(iter(shelf.auth.reset_tokens))
    assert (
        submit(
            client,
            f"/reset-password/{token}",
            data={"password": "carol-password-2", "confirm": "carol-password-2"},
        ).status_code
        == 302
    )


def visit_as_user(client, shelf) -> None:
    shelf.api.add(1, "https://example.org/one", title="One", tag_names=["news"])
    shelf.api.add(1, "https://example.org/two", title="Two")
    shelf.api.pages["https://example.org/new"] = {"title": "New page"}
    log_in(client, "alice")
    for query in (
        "",
        "?q=one+%23news&sort=title_asc&page=2",
        "?view=unread",
        "?view=archived",
        "?view=shared",
        "?view=broken",
    ):
        assert client.get("/bookmarks" + query).status_code == 200, query
    assert client.get("/bookmarks/new?url=https%3A%2F%2Fexample.org%2Fnew").status_code == 200
    assert (
        client.get(
            "/bookmarks/check?url=https%3A%2F%2Fexample.org%2Fone",
            headers={"Accept": "application/json"},
        ).status_code
        == 200
    )
    assert (
        post(
            client,
            "/bundles",
            {"name": "News", "search": "#news", "any_tags": "a b", "filter_unread": "yes"},
        ).status_code
        == 302
    )
    assert client.get("/bookmarks?bundle=1&view=broken").status_code == 200
    assert client.get("/bundles/1/edit").status_code == 200
    assert (
        post(
            client,
            "/bundles/1/edit",
            {"name": "Newer", "filter_unread": "off", "filter_shared": "no"},
        ).status_code
        == 302
    )
    assert post(client, "/bundles/1/delete").status_code == 302
    assert (
        post(
            client,
            "/bookmarks/new",
            {"url": "https://example.org/new", "title": "New", "tags": "a b", "unread": "y"},
        ).status_code
        == 302
    )
    assert client.get("/bookmarks/1").status_code == 200
    assert (
        post(
            client,
            "/bookmarks/1/edit",
            {"url": "https://example.org/one", "title": "1", "notes": "*n*", "shared": "y"},
        ).status_code
        == 302
    )
    for archived in ("yes", "no"):
        assert post(client, "/bookmarks/1/archive", {"archived": archived}).status_code == 302
    assert post(client, "/bookmarks/1/read", {"unread": "no"}).status_code == 302
    for action, tags in (
        ("tag", "x y"),
        ("untag", "x"),
        ("mark_read", ""),
        ("mark_unread", ""),
        ("archive", ""),
        ("unarchive", ""),
    ):
        assert (
            post(
                client, "/bookmarks/bulk", {"action": action, "ids": ["1", "2"], "tags": tags}
            ).status_code
            == 302
        ), action
    assert (
        post(
            client, "/bookmarks/bulk", {"action": "delete", "ids": ["2"], "confirmed": "yes"}
        ).status_code
        == 302
    )
    assert (
        post(
            client,
            "/bookmarks/bulk",
            {
                "action": "untag",
                "tags": "x",
                "scope": "matching",
                "view": "all",
                "q": "example",
                "bundle": "",
                "expected_count": str(len(shelf.api.query_items(1, "all", "example"))),
            },
        ).status_code
        == 302
    )
    assert client.get("/tags?q=new&sort=-count&page=1").status_code == 200
    shelf.api.add(1, "https://example.org/tagged", tag_names=["web", "www", "net"])
    tag = {t["name"]: t["id"] for t in shelf.api.tag_items(1)}
    assert client.get(f"/tags/{tag['web']}/rename").status_code == 200
    assert post(client, f"/tags/{tag['web']}/rename", {"name": "webdev"}).status_code == 302
    assert post(client, f"/tags/{tag['web']}/rename", {"name": "www"}).status_code == 409
    assert post(client, f"/tags/{tag['web']}/merge", {"into": "www"}).status_code == 200
    assert (
        post(client, f"/tags/{tag['web']}/merge", {"into_id": str(tag["www"])}).status_code == 302
    )
    assert post(client, f"/tags/{tag['net']}/delete").status_code == 302
    assert post(client, "/bookmarks/3/delete").status_code == 302
    assert client.get("/shared").status_code == 200

    assert client.get("/settings").status_code == 200
    assert post(client, "/settings/api-key", page="/settings").status_code == 302
    assert post(client, "/settings/feed-key", page="/settings").status_code == 302
    assert (
        post(
            client, "/settings/sharing", {"enable_sharing": "y", "enable_public_sharing": "y"}
        ).status_code
        == 302
    )
    assert post(client, "/settings/auto-tagging", {"rules": "example.org ex"}).status_code == 302
    assert (
        post(
            client, "/settings/email", {"email": "a@example.org", "password": "alice-password"}
        ).status_code
        == 302
    )
    assert (
        post(
            client,
            "/settings/password",
            {
                "current_password": "alice-password",
                "new_password": "alice-password-2",
                "confirm": "alice-password-2",
                "revoke_api_key": "y",
            },
        ).status_code
        == 302
    )

    assert upload(client, bookmark_file(1)).status_code == 302  # imported at once
    started = upload(client, bookmark_file(5))  # more than the stand-in's threshold: a job
    assert started.status_code == 302
    assert client.get(started.headers["Location"]).status_code == 200
    job = shelf.tasks.add_job("import_bookmarks", "running", created_by=1)
    assert client.get(f"/import/job/{job['id']}/progress").status_code == 200
    assert client.get("/export/csv").status_code == 200

    shelf.auth.revoke_user(1)  # api refuses the access token: the ui renews it once
    assert client.get("/bookmarks").status_code == 200
    assert post(client, "/logout").status_code == 302


def visit_as_admin(client, shelf) -> None:
    failed = shelf.tasks.add_job(
        "fetch_metadata", "discarded", finished_at="2026-11-24T09:30:00+00:00"
    )
    log_in(client, "root")
    assert client.get("/admin").status_code == 200
    assert client.get("/admin/users?q=ali&page=1").status_code == 200
    assert (
        post(
            client,
            "/admin/users",
            {"username": "dave", "password": "dave-password", "email": "dave@example.org"},
        ).status_code
        == 302
    )
    for action in ("deactivate", "activate", "promote", "demote", "reset"):
        assert post(client, f"/admin/users/1/{action}").status_code == 302, action
    assert client.get("/admin/bookmarks?q=one&owner=alice&broken=yes").status_code == 200
    assert client.get("/admin/jobs?state=discarded&kind=fetch_metadata").status_code == 200
    assert client.get(f"/admin/jobs/{failed['id']}").status_code == 200
    for action in ("retry", "cancel"):
        assert post(client, f"/admin/jobs/{failed['id']}/{action}").status_code == 302
    assert client.get("/admin/schedules").status_code == 200
    assert post(client, "/admin/schedules/1/disable").status_code == 302
    assert client.get("/admin/schedules/1").status_code == 200
    assert (
        post(client, "/admin/schedules/1", {"cron": "30 2 * * *", "enabled": "y"}).status_code
        == 302
    )
    assert client.get("/readyz").status_code == 200


def recorded(shelf) -> dict:
    return {"auth": shelf.auth, "api": shelf.api, "tasks": shelf.tasks}


def test_every_call_the_pages_make_is_in_its_providers_document(shelf_app, shelf, contracts):
    """Each stand-in checks every call it is sent (method, path, query, JSON body, form and
    files, credentials) and every answer it gives against its service's document
    (`shelf.problems`); here every kind of call is made."""
    visit_as_nobody(shelf_app.test_client(), shelf)
    visit_as_user(shelf_app.test_client(), shelf)
    visit_as_admin(shelf_app.test_client(), shelf)

    covered: dict[str, set[tuple[str, str]]] = {name: set() for name in COVERED}
    for name, stand_in in recorded(shelf).items():
        contract = contracts[name]
        for call in stand_in.received:
            covered[name].add((call.method, contract.template(call.method, call.path)))
        if stand_in.seen:  # /healthz, asked by the status page and /readyz
            covered[name].add(("GET", contract.template("GET", "/healthz")))
    assert covered == COVERED
    assert shelf.problems == []


def test_a_stand_in_answer_its_providers_document_does_not_describe_is_reported(shelf):
    """The check has teeth: were api's Bookmark to gain a required field, or the stand-in to
    answer a field api does not have, every test that saw such an answer would fail."""
    token = shelf.auth.issue(1)["access_token"]
    shelf.api.add(1, "https://example.org/")
    api = shelf.api.app.test_client()
    assert (
        api.get("/api/bookmarks/", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    )
    assert shelf.problems == []
    shelf.api.bookmarks[1]["titel"] = "a field api does not have"
    api.get("/api/bookmarks/", headers={"Authorization": f"Bearer {token}"})
    assert shelf.problems == [
        "GET /api/bookmarks/ answered 200: body.results[0]: Additional properties are not "
        "allowed ('titel' was unexpected)"
    ]
    shelf.api.problems.clear()  # seen: the fixture checks that nothing else was answered


def test_the_calls_carry_the_credentials_the_providers_ask_for(shelf_app, shelf, contracts):
    """Anonymous where the provider allows it (the public shared page, logging in), the
    user's bearer token everywhere else: api's linkding routes also take a Token."""
    visit_as_nobody(shelf_app.test_client(), shelf)
    anonymous = {
        (call.method, call.path)
        for stand_in in recorded(shelf).values()
        for call in stand_in.received
        if call.authorization is None
    }
    assert anonymous == {
        ("GET", "/api/bookmarks/shared/"),
        ("GET", "/v1/signup"),
        ("POST", "/v1/users"),
        ("POST", "/v1/sessions"),
        ("POST", "/v1/sessions/logout"),
        ("POST", "/v1/password-resets"),
        ("POST", "/v1/password-resets/confirm"),
    }
    # api's shared list without credentials is in its document; a secured route is not.
    assert contracts["api"].check("GET", "/api/bookmarks/shared/", headers={}) == []
    assert contracts["api"].check("GET", "/api/bookmarks/", headers={}) == [
        "GET /api/bookmarks/: credentials: none that the provider accepts (it takes token or "
        "bearer)"
    ]


def client_paths() -> set[str]:
    """Every path the ui's client modules name ("/api/...", "/v1/...", f-strings included)."""
    found = set()
    for source in CLIENTS.glob("*.py"):
        found.update(re.findall(r"""f?["'](/(?:api|v1)/[^"']*)["']""", source.read_text()))
    return found


def test_every_path_the_clients_name_is_one_the_contract_test_covers():
    """A backstop for COVERED: a call added to a client module names its path there; that
    path must be one of the operations above (then the first test fails until it is made)."""
    templates = {template for operations in COVERED.values() for _, template in operations}
    sample = {re.sub(r"\{[^}]+\}", "x", template) for template in templates}
    uncovered = []
    for path in client_paths():
        pattern = re.compile(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$")
        if not any(pattern.match(candidate) for candidate in sample):
            uncovered.append(path)
    assert client_paths() and uncovered == []

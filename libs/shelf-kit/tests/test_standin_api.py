"""StandInApi: one stand-in api for the ui (a user's routes) and tasks (the internal ones)."""

from pathlib import Path

import pytest

from shelf_kit.contracts import Contract
from shelf_kit.standin_api import StandInApi

API_DOCUMENT = Path(__file__).resolve().parents[3] / "services/api/openapi.json"
USERS = {"Bearer root": {"sub": "1", "is_admin": True}, "Bearer ann": {"sub": "2"}}
NAMES = {1: "root", 2: "ann"}


def tasks_only(token: str) -> None:
    if token != "tasks-token":
        raise ValueError("not tasks' service token")


@pytest.fixture
def api():
    return StandInApi(
        Contract.load(API_DOCUMENT), identify=USERS.get, verify=tasks_only, usernames=NAMES.get
    )


def test_users_see_their_own_bookmarks_and_admins_everyones(api):
    api.add(1, "https://root.example/")
    api.add(2, "https://ann.example/")
    client = api.app.test_client()
    as_ann = {"Authorization": "Bearer ann"}
    assert client.get("/api/bookmarks/").status_code == 401
    listed = client.get("/api/bookmarks/", headers=as_ann).get_json()
    assert [b["url"] for b in listed["results"]] == ["https://ann.example/"]
    assert "owner_id" not in listed["results"][0]  # api keeps owners to itself here
    assert client.get("/v1/admin/bookmarks", headers=as_ann).status_code == 403
    everyones = client.get("/v1/admin/bookmarks", headers={"Authorization": "Bearer root"})
    assert [(b["owner"], b["url"]) for b in everyones.get_json()["results"]] == [
        ("ann", "https://ann.example/"),
        ("root", "https://root.example/"),
    ]
    # only the call made without credentials on purpose does not fit api's document
    assert len(api.problems) == 1 and "credentials" in api.problems[0]


def test_the_internal_routes_take_the_service_token_verify_takes(api):
    api.add_bookmark(5, "https://a.example/", owner_id=2)
    client = api.app.test_client()
    as_ann = {"Authorization": "Bearer ann"}
    assert client.get("/v1/internal/bookmarks/5", headers=as_ann).status_code == 403
    as_tasks = {"Authorization": "Bearer tasks-token", "X-Request-ID": "req-1"}
    answer = client.get("/v1/internal/bookmarks/5", headers=as_tasks)
    assert (answer.status_code, answer.get_json()["owner_id"]) == (200, 2)
    [call] = [c for c in api.called("GET", "/v1/internal/bookmarks/5") if c.request_id]
    assert call.authorization == "Bearer tasks-token"


def test_what_tasks_writes_the_user_sees(api):
    """One store: two failed link checks from tasks make the user's bookmark broken."""
    bookmark = api.add(2, "https://gone.example/")
    client = api.app.test_client()
    as_tasks = {"Authorization": "Bearer tasks-token"}
    check = {"ok": False, "status": 404, "error": None}
    for _ in range(2):
        client.post(
            f"/v1/internal/bookmarks/{bookmark['id']}/link-check", json=check, headers=as_tasks
        )
    listed = client.get("/api/bookmarks/", headers={"Authorization": "Bearer ann"}).get_json()
    assert [b["is_broken"] for b in listed["results"]] == [True]
    assert api.problems == []


def test_api_down_answers_503_until_it_is_back(api):
    api.down_for = 1
    client = api.app.test_client()
    as_ann = {"Authorization": "Bearer ann"}
    assert client.get("/api/bookmarks/", headers=as_ann).status_code == 503
    assert client.get("/api/bookmarks/", headers=as_ann).status_code == 200
    assert client.get("/healthz").get_json()["service"] == "api"
    assert [c.path for c in api.received] == ["/api/bookmarks/"] * 2  # not /healthz

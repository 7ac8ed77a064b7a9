"""User administration: administrators only."""

import pytest
from helpers import PASSWORD, bearer, deliver, log_in, problem

from shelf_auth.models import RefreshSession, User
from shelf_kit.db import get_database


@pytest.fixture
def app(make_app, tasks):
    return make_app(SHELF_TASKS_URL=tasks.url)


@pytest.fixture
def admin(client, admin_token):
    """Headers of an administrator's request."""
    return bearer(admin_token)


def user_id(app, username):
    with get_database(app).transaction() as session:
        return session.query(User).filter_by(username=username).one().id


ADMIN_CALLS = [
    ("get", "/v1/admin/users", None),
    ("post", "/v1/admin/users", {}),
    ("patch", "/v1/admin/users/1", {}),
    ("delete", "/v1/admin/users/1", None),
    ("post", "/v1/admin/users/1/password-reset", None),
]


@pytest.mark.parametrize("method, path, payload", ADMIN_CALLS)
def test_admin_endpoints_refuse_everyone_else(
    client, user_token, service_token, method, path, payload
):
    call = getattr(client, method)
    assert problem(call(path, json=payload), 401)
    body = problem(call(path, json=payload, headers=bearer(user_token)), 403)
    assert body["detail"] == "Only administrators may do this."
    assert problem(call(path, json=payload, headers=bearer(service_token)), 403)


def test_list_pages_and_searches(client, admin, add_user):
    for number in range(5):
        add_user(f"user{number}", email=f"person{number}@example.org")
    add_user("Zed", email="zed@elsewhere.net")
    everyone = client.get("/v1/admin/users", headers=admin).get_json()
    assert everyone["total"] == 7 and len(everyone["items"]) == 7
    page = client.get("/v1/admin/users?page=2&per_page=3", headers=admin).get_json()
    assert [u["username"] for u in page["items"]] == ["user2", "user3", "user4"]
    assert (page["total"], page["limit"], page["offset"]) == (7, 3, 3)
    sliced = client.get("/v1/admin/users?limit=2&offset=5", headers=admin).get_json()
    assert [u["username"] for u in sliced["items"]] == ["user4", "Zed"]
    found = client.get("/v1/admin/users?q=ELSEWHERE", headers=admin).get_json()
    assert [u["username"] for u in found["items"]] == ["Zed"] and found["total"] == 1
    found = client.get("/v1/admin/users?q=user&per_page=2", headers=admin).get_json()
    assert found["total"] == 5 and len(found["items"]) == 2
    assert client.get("/v1/admin/users?q=50%25", headers=admin).get_json()["total"] == 0
    mixed = client.get("/v1/admin/users?page=1&offset=3", headers=admin)
    assert "offset" in problem(mixed, 422)["errors"]


def test_create_a_user_even_with_sign_up_closed(client, admin):
    answer = client.post(
        "/v1/admin/users",
        headers=admin,
        json={
            "username": "bob",
            "password": PASSWORD,
            "email": "bob@example.org",
            "is_admin": True,
        },
    )
    assert answer.status_code == 201 and answer.get_json()["is_admin"] is True
    assert log_in(client, "bob").status_code == 201
    weak = client.post("/v1/admin/users", headers=admin, json={"username": "c", "password": "x"})
    assert problem(weak, 422)["errors"] == {"password": ["Use at least 10 characters."]}


def test_deactivating_revokes_sessions_and_reactivating_lets_them_back(
    app, client, admin, add_user
):
    bob = add_user("bob")
    tokens = log_in(client, "bob").get_json()
    answer = client.patch(f"/v1/admin/users/{bob}", headers=admin, json={"is_active": False})
    assert answer.status_code == 200 and answer.get_json()["is_active"] is False
    assert problem(client.get("/v1/users/me", headers=bearer(tokens["access_token"])), 401)
    assert problem(
        client.post("/v1/sessions/refresh", json={"refresh_token": tokens["refresh_token"]}), 401
    )
    assert problem(log_in(client, "bob"), 403)
    client.patch(f"/v1/admin/users/{bob}", headers=admin, json={"is_active": True})
    assert log_in(client, "bob").status_code == 201


def test_promote_demote_and_change_email(client, admin, add_user):
    bob = add_user("bob")
    body = client.patch(
        f"/v1/admin/users/{bob}", headers=admin, json={"is_admin": True, "email": "bob@example.org"}
    ).get_json()
    assert body["is_admin"] is True and body["email"] == "bob@example.org"
    bobs = bearer(log_in(client, "bob").get_json()["access_token"])
    assert client.get("/v1/admin/users", headers=bobs).status_code == 200
    client.patch(f"/v1/admin/users/{bob}", headers=admin, json={"is_admin": False})
    # Demotion voids the token that still says is_admin, at once; a new one is a user's.
    assert "revoked" in problem(client.get("/v1/admin/users", headers=bobs), 401)["detail"]
    bobs = bearer(log_in(client, "bob").get_json()["access_token"])
    assert problem(client.get("/v1/admin/users", headers=bobs), 403)
    bad = client.patch(f"/v1/admin/users/{bob}", headers=admin, json={"email": "nope"})
    assert problem(bad, 422)["errors"] == {"email": ["Not a valid email address."]}


def test_an_admin_cannot_demote_deactivate_or_delete_themselves(app, client, admin):
    me = user_id(app, "root")
    answer = client.patch(
        f"/v1/admin/users/{me}", headers=admin, json={"is_admin": False, "is_active": False}
    )
    assert set(problem(answer, 409)["errors"]) == {"is_admin", "is_active"}
    assert problem(client.delete(f"/v1/admin/users/{me}", headers=admin), 409)
    assert (
        client.patch(
            f"/v1/admin/users/{me}", headers=admin, json={"email": "me@example.org"}
        ).status_code
        == 200
    )
    assert client.get("/v1/admin/users", headers=admin).status_code == 200


def test_delete_a_user_with_everything_of_theirs(app, client, admin, add_user):
    bob = add_user("bob")
    bobs = bearer(log_in(client, "bob").get_json()["access_token"])
    client.post("/v1/api-key", headers=bobs)
    assert client.delete(f"/v1/admin/users/{bob}", headers=admin).status_code == 204
    assert problem(log_in(client, "bob"), 401)
    with get_database(app).transaction() as session:
        assert session.query(RefreshSession).filter_by(user_id=bob).count() == 0
    assert problem(client.delete(f"/v1/admin/users/{bob}", headers=admin), 404)
    assert problem(client.patch("/v1/admin/users/999", headers=admin, json={}), 404)


def test_forced_reset_stops_the_old_password_and_mails_a_link(app, client, admin, add_user, tasks):
    bob = add_user("bob", email="bob@example.org")
    tokens = log_in(client, "bob").get_json()
    answer = client.post(f"/v1/admin/users/{bob}/password-reset", headers=admin)
    assert answer.status_code == 202
    assert problem(log_in(client, "bob"), 401)
    assert problem(
        client.post("/v1/sessions/refresh", json={"refresh_token": tokens["refresh_token"]}), 401
    )
    assert deliver(app) == 1
    (job,) = tasks.jobs
    assert job["body"]["args"]["to"] == "bob@example.org"
    assert "An administrator asked you" in job["body"]["args"]["text"]
    token = job["body"]["args"]["text"].split("/reset-password/")[1].split()[0]
    assert (
        client.post(
            "/v1/password-resets/confirm", json={"token": token, "password": "bobs new passphrase"}
        ).status_code
        == 204
    )
    assert log_in(client, "bob", "bobs new passphrase").status_code == 201


def test_forced_reset_needs_an_email_address(app, client, admin, add_user, tasks):
    bob = add_user("bob")
    answer = client.post(f"/v1/admin/users/{bob}/password-reset", headers=admin)
    assert "no email address" in problem(answer, 409)["detail"]
    assert deliver(app) == 0
    assert log_in(client, "bob").status_code == 201 and tasks.jobs == []

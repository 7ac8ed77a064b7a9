"""What voids an access token or an API key before it expires (issue 11, items 4 and 6):
at auth at once, and in GET /v1/revocations for the other services, which only services
may read."""

from datetime import UTC, datetime, timedelta

import jwt
import pytest
from helpers import PASSWORD, bearer, deliver, log_in, problem
from sqlalchemy import select

from shelf_auth.models import OutboxMessage, Revocation
from shelf_kit.db import get_database

NEW = "a brand new passphrase"


def me(client, token):
    return client.get("/v1/users/me", headers=bearer(token))


def revoked(response):
    detail = problem(response, 401)["detail"]
    assert "log in again" in detail
    return detail


def claims(token):
    return jwt.decode(token, options={"verify_signature": False})


def feed(client, service_token, **headers):
    return client.get("/v1/revocations", headers={**bearer(service_token), **headers})


def entries(client, service_token):
    answer = feed(client, service_token)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return [
        {
            key: value
            for key, value in entry.items()
            if value is not None and key != "id" and key != "created_at"
        }
        for entry in answer.get_json()["revocations"]
    ]


@pytest.fixture
def ada(add_user):
    return add_user("ada", email="ada@example.org")


def test_access_tokens_name_their_session_and_the_users_token_version(client, ada):
    first, second = (log_in(client, "ada").get_json() for _ in range(2))
    assert claims(first["access_token"])["ver"] == claims(second["access_token"])["ver"] == 1
    assert claims(first["access_token"])["sid"] != claims(second["access_token"])["sid"]
    refreshed = client.post(
        "/v1/sessions/refresh", json={"refresh_token": first["refresh_token"]}
    ).get_json()
    assert claims(refreshed["access_token"])["sid"] == claims(first["access_token"])["sid"]


def test_logout_voids_that_sessions_access_tokens_at_once(client, ada, service_token):
    """A copied access token stops working when its session logs out; others go on."""
    gone, kept = (log_in(client, "ada").get_json() for _ in range(2))
    assert me(client, gone["access_token"]).status_code == 200
    assert (
        client.post(
            "/v1/sessions/logout", json={"refresh_token": gone["refresh_token"]}
        ).status_code
        == 204
    )
    assert "logged out" in revoked(me(client, gone["access_token"]))
    assert me(client, kept["access_token"]).status_code == 200
    assert entries(client, service_token) == [
        {"kind": "session", "user_id": ada, "session_id": claims(gone["access_token"])["sid"]}
    ]


def test_a_refresh_token_used_twice_voids_its_sessions_access_tokens(app, client, ada):
    pair = log_in(client, "ada").get_json()
    client.post("/v1/sessions/refresh", json={"refresh_token": pair["refresh_token"]})
    with get_database(app).transaction() as session:  # past the grace window
        from shelf_auth.models import RefreshSession

        for row in session.scalars(select(RefreshSession)):
            if row.rotated_at:
                row.rotated_at -= timedelta(minutes=5)
    client.post("/v1/sessions/refresh", json={"refresh_token": pair["refresh_token"]})
    revoked(me(client, pair["access_token"]))


def test_changing_the_password_voids_every_access_token_but_the_new_one(client, ada, service_token):
    old = [log_in(client, "ada").get_json()["access_token"] for _ in range(2)]
    answer = client.post(
        "/v1/users/me/password",
        headers=bearer(old[0]),
        json={"current_password": PASSWORD, "new_password": NEW},
    )
    assert answer.status_code == 200
    for token in old:
        revoked(me(client, token))
    fresh = answer.get_json()["access_token"]
    assert me(client, fresh).status_code == 200 and claims(fresh)["ver"] == 2
    assert entries(client, service_token) == [{"kind": "user", "user_id": ada, "token_version": 2}]


def test_the_api_key_survives_a_password_change_unless_asked(client, ada, service_token):
    token = log_in(client, "ada").get_json()["access_token"]
    key = client.post("/v1/api-key", headers=bearer(token)).get_json()["key"]

    def active():
        return client.post(
            "/v1/api-keys/introspect", headers=bearer(service_token), json={"key": key}
        ).get_json()["active"]

    token = client.post(
        "/v1/users/me/password",
        headers=bearer(token),
        json={"current_password": PASSWORD, "new_password": NEW},
    ).get_json()["access_token"]
    assert active()
    answer = client.post(
        "/v1/users/me/password",
        headers=bearer(token),
        json={"current_password": NEW, "new_password": PASSWORD, "revoke_api_key": True},
    )
    assert answer.status_code == 200
    assert not active()
    assert (
        client.get("/v1/api-key", headers=bearer(answer.get_json()["access_token"])).get_json()[
            "exists"
        ]
        is False
    )
    assert {"kind": "api_key", "user_id": ada} in entries(client, service_token)


def test_a_password_reset_voids_every_access_token(app, make_app, add_user, tasks):
    app = make_app(SHELF_TASKS_URL=tasks.url)
    client = app.test_client()
    add_user("ada", email="ada@example.org")
    token = log_in(client, "ada").get_json()["access_token"]
    client.post("/v1/password-resets", json={"login": "ada"})
    deliver(app)
    link = tasks.jobs[0]["body"]["args"]["text"].split("/reset-password/")[1].split()[0]
    assert (
        client.post(
            "/v1/password-resets/confirm", json={"token": link, "password": NEW}
        ).status_code
        == 204
    )
    revoked(me(client, token))


def test_an_admin_forced_reset_voids_tokens_and_the_api_key(client, add_user, ada, service_token):
    add_user("root", is_admin=True)
    admin = bearer(log_in(client, "root").get_json()["access_token"])
    token = log_in(client, "ada").get_json()["access_token"]
    key = client.post("/v1/api-key", headers=bearer(token)).get_json()["key"]
    assert client.post(f"/v1/admin/users/{ada}/password-reset", headers=admin).status_code == 202
    revoked(me(client, token))
    assert client.post(
        "/v1/api-keys/introspect", headers=bearer(service_token), json={"key": key}
    ).get_json() == {"active": False}


@pytest.mark.parametrize("change", [{"is_active": False}, {"is_admin": False}])
def test_deactivating_or_demoting_voids_the_users_tokens(client, add_user, service_token, change):
    add_user("root", is_admin=True)
    bob = add_user("bob", is_admin=True)
    admin = bearer(log_in(client, "root").get_json()["access_token"])
    bobs = log_in(client, "bob").get_json()["access_token"]
    assert client.get("/v1/admin/users", headers=bearer(bobs)).status_code == 200
    assert client.patch(f"/v1/admin/users/{bob}", headers=admin, json=change).status_code == 200
    assert problem(client.get("/v1/admin/users", headers=bearer(bobs)), 401)
    assert entries(client, service_token) == [{"kind": "user", "user_id": bob, "token_version": 2}]


def test_promoting_or_an_email_change_voids_nothing(client, add_user, ada, service_token):
    add_user("root", is_admin=True)
    admin = bearer(log_in(client, "root").get_json()["access_token"])
    token = log_in(client, "ada").get_json()["access_token"]
    client.patch(
        f"/v1/admin/users/{ada}", headers=admin, json={"is_admin": True, "email": "ada@example.com"}
    )
    assert me(client, token).status_code == 200
    assert entries(client, service_token) == []


def test_deleting_a_user_voids_their_tokens_and_asks_tasks_to_purge_them(
    app, client, add_user, ada, service_token
):
    add_user("root", is_admin=True)
    admin = bearer(log_in(client, "root").get_json()["access_token"])
    token = log_in(client, "ada").get_json()["access_token"]
    assert client.delete(f"/v1/admin/users/{ada}", headers=admin).status_code == 204
    assert problem(me(client, token), 401)
    assert entries(client, service_token) == [{"kind": "user", "user_id": ada, "token_version": 2}]
    with get_database(app).transaction() as session:
        (message,) = session.scalars(select(OutboxMessage))
        assert message.payload == {
            "kind": "purge_user",
            "args": {"user_id": ada},
            "idempotency_key": f"purge_user:{ada}",
        }
        assert message.expires_at is None  # it waits for tasks however long that takes


def test_logging_out_everywhere_voids_every_access_token(client, ada):
    tokens = [log_in(client, "ada").get_json()["access_token"] for _ in range(2)]
    assert client.post("/v1/sessions/logout-all", headers=bearer(tokens[0])).status_code == 204
    for token in tokens:
        revoked(me(client, token))
    assert me(client, log_in(client, "ada").get_json()["access_token"]).status_code == 200


def test_regenerating_or_revoking_the_api_key_is_published(client, ada, service_token):
    token = bearer(log_in(client, "ada").get_json()["access_token"])
    key = client.post("/v1/api-key", headers=token).get_json()["key"]
    assert client.delete("/v1/api-key", headers=token).status_code == 204
    assert client.post(
        "/v1/api-keys/introspect", headers=bearer(service_token), json={"key": key}
    ).get_json() == {"active": False}
    assert client.get("/v1/api-key", headers=token).get_json()["exists"] is False
    assert client.delete("/v1/api-key", headers=token).status_code == 204  # none: the same
    assert entries(client, service_token) == [{"kind": "api_key", "user_id": ada}] * 2


def test_the_feed_lists_only_what_still_matters_and_answers_304_when_unchanged(
    app, client, ada, service_token
):
    first = feed(client, service_token)
    assert first.get_json() == {"window_seconds": 900 + 60, "revocations": []}
    etag = first.headers["ETag"]
    assert feed(client, service_token, **{"If-None-Match": etag}).status_code == 304
    with get_database(app).transaction() as session:
        now = datetime.now(UTC)
        session.add(
            Revocation(
                kind="user",
                user_id=ada,
                token_version=2,
                created_at=now - timedelta(minutes=16, seconds=1),
            )
        )
        session.add(
            Revocation(
                kind="user",
                user_id=ada,
                token_version=3,
                created_at=now - timedelta(minutes=15, seconds=59),
            )
        )
    changed = feed(client, service_token, **{"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert [entry["token_version"] for entry in changed.get_json()["revocations"]] == [3]


def test_only_a_service_token_for_auth_reads_the_feed(client, ada):
    user = log_in(client, "ada").get_json()["access_token"]
    assert problem(feed(client, user), 403)
    for_tasks = client.post(
        "/v1/service-tokens",
        json={"client_id": "api", "client_secret": "dev-api-secret", "audience": "tasks"},
    )
    assert (
        "another service"
        in problem(feed(client, for_tasks.get_json()["access_token"]), 401)["detail"]
    )
    assert problem(client.get("/v1/revocations"), 401)

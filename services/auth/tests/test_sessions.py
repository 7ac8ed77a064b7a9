from datetime import timedelta

import jwt
from helpers import PASSWORD, bearer, log_in, problem
from sqlalchemy import event, func, select, update

from shelf_auth.digests import digest
from shelf_auth.keys import get_key_ring
from shelf_auth.models import RefreshSession, User
from shelf_kit.db import get_database


def refresh(client, token):
    return client.post("/v1/sessions/refresh", json={"refresh_token": token})


def move_rotation_back(app, token, seconds):
    """Pretend `token` was rotated `seconds` earlier than it was."""
    with get_database(app).transaction() as session:
        row = session.scalar(
            select(RefreshSession).where(RefreshSession.token_hash == digest(token))
        )
        assert row.rotated_at is not None
        row.rotated_at -= timedelta(seconds=seconds)


def test_login_answers_tokens_that_follow_the_contract(app, client, add_user):
    user_id = add_user("Ada", email="ada@example.org")
    answer = log_in(client, "ada")  # usernames are case-insensitive
    assert answer.status_code == 201
    body = answer.get_json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    assert body["user"]["id"] == user_id and body["user"]["username"] == "Ada"
    assert body["user"]["last_login_at"].endswith("+00:00")
    header = jwt.get_unverified_header(body["access_token"])
    with app.app_context():
        key = get_key_ring().get(header["kid"])
    assert header["alg"] == "ES256"
    claims = jwt.decode(
        body["access_token"],
        key.public,
        algorithms=["ES256"],
        audience="shelf",
        issuer="shelf-auth",
    )
    assert claims["sub"] == str(user_id) and claims["scope"] == "user"
    assert claims["username"] == "Ada" and claims["is_admin"] is False
    assert claims["exp"] - claims["iat"] == 900 and claims["jti"]
    assert len(body["refresh_token"]) >= 40


def test_wrong_password_is_refused(client, add_user):
    add_user("ada")
    body = problem(log_in(client, "ada", "not the password"), 401)
    assert body["detail"] == "Wrong username or password."


def test_unknown_user_is_refused_like_a_wrong_password(client):
    answer = log_in(client, "nobody")
    assert problem(answer, 401)["detail"] == "Wrong username or password."
    assert answer.headers["WWW-Authenticate"] == "Bearer"


def test_unknown_user_costs_one_argon2_verification_like_a_known_one(client, add_user, monkeypatch):
    from argon2 import PasswordHasher

    calls = []
    original = PasswordHasher.verify
    monkeypatch.setattr(
        PasswordHasher, "verify", lambda self, *args: calls.append(1) or original(self, *args)
    )
    add_user("ada")
    log_in(client, "ada", "wrong password!")
    log_in(client, "nobody", "wrong password!")
    assert len(calls) == 2


def test_disabled_user_cannot_log_in(client, add_user):
    add_user("ada", is_active=False)
    assert problem(log_in(client, "ada"), 403)["detail"] == "This account is disabled."
    assert problem(log_in(client, "ada", "wrong password!"), 401)


def test_bad_request_names_the_fields(client):
    body = problem(client.post("/v1/sessions", json={"username": "ada"}), 422)
    assert set(body["errors"]) == {"password"}


def test_refresh_rotates_the_refresh_token(client, add_user):
    add_user("ada")
    first = log_in(client, "ada").get_json()
    answer = client.post("/v1/sessions/refresh", json={"refresh_token": first["refresh_token"]})
    assert answer.status_code == 200
    second = answer.get_json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert client.get("/v1/users/me", headers=bearer(second["access_token"])).status_code == 200
    third = client.post("/v1/sessions/refresh", json={"refresh_token": second["refresh_token"]})
    assert third.status_code == 200


def test_reusing_a_rotated_refresh_token_after_the_grace_window_revokes_its_family(
    app, client, add_user
):
    add_user("ada")
    first = log_in(client, "ada").get_json()["refresh_token"]
    other_session = log_in(client, "ada").get_json()["refresh_token"]
    second = refresh(client, first).get_json()
    move_rotation_back(app, first, 31)  # the default window is 30 seconds
    stolen = refresh(client, first)
    assert "already used" in problem(stolen, 401)["detail"]
    # The legitimate holder's newer token is revoked too; the other session is untouched.
    current = refresh(client, second["refresh_token"])
    assert problem(current, 401)["detail"] == "The refresh token was revoked."
    assert refresh(client, other_session).status_code == 200


def test_reusing_a_rotated_refresh_token_within_the_grace_window_answers_a_sibling(
    app, client, add_user
):
    add_user("ada")
    first = log_in(client, "ada").get_json()["refresh_token"]
    second = refresh(client, first).get_json()  # one tab (or worker) rotates it...
    move_rotation_back(app, first, 29)
    again = refresh(client, first)  # ...and the other presents the same token a moment later
    assert again.status_code == 200
    sibling = again.get_json()
    assert sibling["refresh_token"] not in (first, second["refresh_token"])
    assert client.get("/v1/users/me", headers=bearer(sibling["access_token"])).status_code == 200
    # The session lives on: both tabs keep refreshing, each with its own token.
    assert refresh(client, sibling["refresh_token"]).status_code == 200
    assert refresh(client, second["refresh_token"]).status_code == 200
    with get_database(app).transaction() as session:
        families = set(session.scalars(select(RefreshSession.family_id)))
        assert len(families) == 1
        assert (
            session.scalar(select(RefreshSession.id).where(RefreshSession.revoked_at.is_not(None)))
            is None
        )
    # The grace is counted from the rotation: once it is over, reuse is theft again.
    move_rotation_back(app, first, 2)
    assert "already used" in problem(refresh(client, first), 401)["detail"]
    assert problem(refresh(client, sibling["refresh_token"]), 401)["detail"] == (
        "The refresh token was revoked."
    )


def test_two_workers_racing_with_one_token_both_get_tokens(app, client, add_user):
    """The other worker rotates the token between this one reading it and claiming it."""
    add_user("ada")
    first = log_in(client, "ada").get_json()["refresh_token"]
    database = get_database(app)
    raced = []

    def other_worker_rotates_first(connection, cursor, statement, *args):
        if statement.startswith("UPDATE refresh_sessions SET rotated_at") and not raced:
            raced.append(1)
            with database.engine.begin() as other:
                other.execute(
                    update(RefreshSession)
                    .where(RefreshSession.token_hash == digest(first))
                    .values(rotated_at=func.now())
                )

    event.listen(database.engine, "before_cursor_execute", other_worker_rotates_first)
    try:
        answer = refresh(client, first)
    finally:
        event.remove(database.engine, "before_cursor_execute", other_worker_rotates_first)
    assert raced and answer.status_code == 200
    assert refresh(client, answer.get_json()["refresh_token"]).status_code == 200


def test_the_grace_window_comes_from_the_settings(make_app, add_user):
    app = make_app(SHELF_AUTH_REFRESH_REUSE_GRACE_SECONDS=3600)
    client = app.test_client()
    add_user("ada")
    first = log_in(client, "ada").get_json()["refresh_token"]
    assert refresh(client, first).status_code == 200
    move_rotation_back(app, first, 3000)  # beyond the default, within this window
    assert refresh(client, first).status_code == 200


def test_no_grace_window_when_it_is_zero(make_app, add_user):
    client = make_app(SHELF_AUTH_REFRESH_REUSE_GRACE_SECONDS=0).test_client()
    add_user("ada")
    first = log_in(client, "ada").get_json()["refresh_token"]
    second = refresh(client, first).get_json()
    assert "already used" in problem(refresh(client, first), 401)["detail"]  # at once
    assert problem(refresh(client, second["refresh_token"]), 401)["detail"] == (
        "The refresh token was revoked."
    )


def test_a_logged_out_session_gets_no_grace(client, add_user):
    add_user("ada")
    first = log_in(client, "ada").get_json()["refresh_token"]
    second = refresh(client, first).get_json()["refresh_token"]
    assert client.post("/v1/sessions/logout", json={"refresh_token": second}).status_code == 204
    assert refresh(client, first).status_code == 401  # rotated a moment ago, but logged out
    assert refresh(client, second).status_code == 401
    # Logging out with the rotated token itself ends the session just the same.
    third = log_in(client, "ada").get_json()["refresh_token"]
    fourth = refresh(client, third).get_json()["refresh_token"]
    assert client.post("/v1/sessions/logout", json={"refresh_token": third}).status_code == 204
    for token in (third, fourth):
        assert problem(refresh(client, token), 401)["detail"] == "The refresh token was revoked."


def test_logging_out_everywhere_leaves_no_grace(client, add_user):
    add_user("ada")
    tokens = log_in(client, "ada").get_json()
    refresh(client, tokens["refresh_token"])
    answer = client.post("/v1/sessions/logout-all", headers=bearer(tokens["access_token"]))
    assert answer.status_code == 204
    again = refresh(client, tokens["refresh_token"])
    assert problem(again, 401)["detail"] == "The refresh token was revoked."


def test_a_sibling_is_refused_once_its_family_was_revoked(app, client, add_user):
    """A family revoked behind a rotated token's back (its row left unrevoked) is not
    revived by the grace window."""
    add_user("ada")
    first = log_in(client, "ada").get_json()["refresh_token"]
    second = refresh(client, first).get_json()["refresh_token"]
    with get_database(app).transaction() as session:
        row = session.scalar(
            select(RefreshSession).where(RefreshSession.token_hash == digest(second))
        )
        row.revoked_at = row.created_at
    assert "already used" in problem(refresh(client, first), 401)["detail"]


def test_logged_out_refresh_token_is_refused(client, add_user):
    add_user("ada")
    tokens = log_in(client, "ada").get_json()
    assert (
        client.post(
            "/v1/sessions/logout", json={"refresh_token": tokens["refresh_token"]}
        ).status_code
        == 204
    )
    again = client.post("/v1/sessions/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert problem(again, 401)["detail"] == "The refresh token was revoked."
    # Logging out with a token nobody knows says nothing either way.
    assert client.post("/v1/sessions/logout", json={"refresh_token": "nope"}).status_code == 204


def test_unknown_refresh_token_is_refused(client):
    answer = client.post("/v1/sessions/refresh", json={"refresh_token": "made-up"})
    assert problem(answer, 401)["detail"] == "The refresh token is not valid."


def test_expired_refresh_token_is_refused(make_app, add_user):
    app = make_app(SHELF_AUTH_REFRESH_TOKEN_SECONDS=-1)
    client = app.test_client()
    add_user("ada")
    token = log_in(client, "ada").get_json()["refresh_token"]
    answer = client.post("/v1/sessions/refresh", json={"refresh_token": token})
    assert problem(answer, 401)["detail"] == "The refresh token has expired."


def test_log_out_everywhere_revokes_every_refresh_token(client, add_user):
    add_user("ada")
    add_user("bob")
    phone, laptop = (log_in(client, "ada").get_json() for _ in range(2))
    bobs = log_in(client, "bob").get_json()
    answer = client.post("/v1/sessions/logout-all", headers=bearer(phone["access_token"]))
    assert answer.status_code == 204
    for tokens in (phone, laptop):
        refused = client.post(
            "/v1/sessions/refresh", json={"refresh_token": tokens["refresh_token"]}
        )
        assert refused.status_code == 401
    assert (
        client.post(
            "/v1/sessions/refresh", json={"refresh_token": bobs["refresh_token"]}
        ).status_code
        == 200
    )


def test_log_out_everywhere_needs_a_token(client):
    answer = client.post("/v1/sessions/logout-all")
    assert problem(answer, 401)
    assert answer.headers["WWW-Authenticate"] == "Bearer"


def test_a_deactivated_user_cannot_refresh(app, client, add_user):
    user_id = add_user("ada")
    tokens = log_in(client, "ada").get_json()
    with get_database(app).transaction() as session:
        session.get(User, user_id).is_active = False
    answer = client.post("/v1/sessions/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert problem(answer, 401)["detail"] == "This account is disabled."


def test_login_rehashes_a_password_hashed_with_other_settings(make_app, database_url, add_user):
    add_user("ada")  # hashed with the cheap test parameters
    stronger = make_app(SHELF_AUTH_ARGON2_TIME_COST=2)
    assert log_in(stronger.test_client(), "ada", PASSWORD).status_code == 201
    with get_database(stronger).transaction() as session:
        assert ",t=2," in session.query(User).one().password_hash

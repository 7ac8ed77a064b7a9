"""Password reset by mail: the mail is a send_email job in tasks (a stand-in server here),
delivered from auth's outbox (here by helpers.deliver; the relay thread is test_outbox's)."""

import re
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from helpers import PASSWORD, deliver, log_in, problem
from sqlalchemy import update

from shelf_auth.keys import get_key_ring
from shelf_auth.models import PasswordResetToken
from shelf_kit.db import get_database

NEW = "a brand new passphrase"


@pytest.fixture
def app(make_app, tasks):
    return make_app(SHELF_TASKS_URL=tasks.url, SHELF_PUBLIC_URL="https://shelf.example.org/")


def mails(app, tasks):
    """The jobs tasks has, once the outbox has been delivered."""
    deliver(app)
    return tasks.jobs


def link_token(job):
    (token,) = re.findall(
        r"^https?://\S+/reset-password/(\S+)$", job["body"]["args"]["text"], re.MULTILINE
    )
    return token


def test_a_reset_mail_reaches_tasks_and_its_link_works_once(app, client, add_user, tasks):
    add_user("ada", email="ada@example.org")
    answer = client.post("/v1/password-resets", json={"login": "ada"})
    assert answer.status_code == 202
    (job,) = mails(app, tasks)
    assert "\nhttps://shelf.example.org/reset-password/" in job["body"]["args"]["text"]
    assert job["body"]["kind"] == "send_email"
    assert job["body"]["args"]["to"] == "ada@example.org"
    assert job["body"]["args"]["subject"] == "Reset your Shelf password"
    assert job["body"]["idempotency_key"]
    token = link_token(job)

    confirmed = client.post("/v1/password-resets/confirm", json={"token": token, "password": NEW})
    assert confirmed.status_code == 204
    assert log_in(client, "ada", NEW).status_code == 201
    assert problem(log_in(client, "ada", PASSWORD), 401)
    again = client.post(
        "/v1/password-resets/confirm", json={"token": token, "password": "yet another passphrase"}
    )
    assert set(problem(again, 422)["errors"]) == {"token"}
    assert log_in(client, "ada", NEW).status_code == 201


def test_auth_calls_tasks_with_a_service_token_of_its_own(app, client, add_user, tasks):
    add_user("ada", email="ada@example.org")
    client.post("/v1/password-resets", json={"login": "ada@example.org"})  # by email too
    scheme, _, token = mails(app, tasks)[0]["authorization"].partition(" ")
    assert scheme == "Bearer"
    with app.app_context():
        public = get_key_ring().get(jwt.get_unverified_header(token)["kid"]).public
    claims = jwt.decode(token, public, algorithms=["ES256"], audience="tasks")
    assert claims["scope"] == "service" and claims["client_id"] == "auth"
    assert claims["aud"] == "tasks"  # for tasks only


def test_the_answer_is_the_same_for_accounts_that_do_not_exist(app, client, add_user, tasks):
    add_user("nomail")
    add_user("off", email="off@example.org", is_active=False)
    for login in ("nobody", "nobody@example.org", "nomail", "off"):
        answer = client.post("/v1/password-resets", json={"login": login})
        assert answer.status_code == 202
        assert answer.get_json() == {
            "detail": "If an account with an email address matches, a reset link is on its way."
        }
    assert mails(app, tasks) == []


def test_the_password_must_follow_the_rules_and_the_link_stays_usable(app, client, add_user, tasks):
    add_user("ada", email="ada@example.org")
    client.post("/v1/password-resets", json={"login": "ada"})
    token = link_token(mails(app, tasks)[0])
    short = client.post("/v1/password-resets/confirm", json={"token": token, "password": "short"})
    assert problem(short, 422)["errors"] == {"password": ["Use at least 10 characters."]}
    assert (
        client.post(
            "/v1/password-resets/confirm", json={"token": token, "password": NEW}
        ).status_code
        == 204
    )


def test_a_reset_logs_out_everywhere(app, client, add_user, tasks):
    add_user("ada", email="ada@example.org")
    refresh_token = log_in(client, "ada").get_json()["refresh_token"]
    client.post("/v1/password-resets", json={"login": "ada"})
    client.post(
        "/v1/password-resets/confirm",
        json={"token": link_token(mails(app, tasks)[0]), "password": NEW},
    )
    assert (
        client.post("/v1/sessions/refresh", json={"refresh_token": refresh_token}).status_code
        == 401
    )


def test_an_expired_or_unknown_link_is_refused(app, client, add_user, tasks):
    add_user("ada", email="ada@example.org")
    client.post("/v1/password-resets", json={"login": "ada"})
    link = link_token(mails(app, tasks)[0])
    with get_database(app).transaction() as session:
        session.execute(
            update(PasswordResetToken).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    for token in (link, "made-up"):
        answer = client.post("/v1/password-resets/confirm", json={"token": token, "password": NEW})
        assert problem(answer, 422)["errors"] == {
            "token": ["This reset link is not valid or has expired; ask for a new one."]
        }


def test_a_link_to_the_ui_when_no_public_url_is_set(make_app, add_user, tasks):
    app = make_app(
        SHELF_TASKS_URL=tasks.url, SHELF_UI_URL="http://ui.internal:8000", SHELF_PUBLIC_URL=""
    )
    add_user("ada", email="ada@example.org")
    app.test_client().post("/v1/password-resets", json={"login": "ada"})
    assert "http://ui.internal:8000/reset-password/" in mails(app, tasks)[0]["body"]["args"]["text"]

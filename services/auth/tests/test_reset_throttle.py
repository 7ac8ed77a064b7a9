"""Password reset requests are throttled: per client address (429 with Retry-After), and the
mails per account (the same 202, but no more mail), so nobody can mail-bomb an account or
flood the mail queue, and neither limit tells whether an account exists."""

from datetime import timedelta

import pytest
from helpers import bearer, deliver, log_in, problem
from sqlalchemy import select

from shelf_auth import create_app
from shelf_auth.models import ThrottleEvent
from shelf_kit import ConfigError
from shelf_kit.db import get_database

ACCEPTED = {"detail": "If an account with an email address matches, a reset link is on its way."}


@pytest.fixture
def app(make_app, tasks):
    return make_app(SHELF_TASKS_URL=tasks.url)


def ask(client, login, address="10.0.0.1", **kwargs):
    return client.post(
        "/v1/password-resets",
        json={"login": login},
        environ_base={"REMOTE_ADDR": address},
        **kwargs,
    )


def throttled(response, longest=900):
    body = problem(response, 429)
    assert 0 < int(response.headers["Retry-After"]) <= longest
    assert "Too many password reset requests; try again in" in body["detail"]
    return body


def age_events(app, seconds):
    """Make every counted request and mail `seconds` older."""
    with get_database(app).transaction() as session:
        for event in session.scalars(select(ThrottleEvent)):
            event.occurred_at -= timedelta(seconds=seconds)


def mailed_to(app, tasks):
    """Whom the mail went to, once the outbox has been delivered."""
    deliver(app)
    return [job["body"]["args"]["to"] for job in tasks.jobs]


def test_ten_requests_from_one_address_and_the_next_is_refused(client, add_user, tasks):
    add_user("ada", email="ada@example.org")
    for number in range(10):  # known and unknown logins count alike
        answer = ask(client, "ada" if number == 0 else f"nobody{number}")
        assert (answer.status_code, answer.get_json()) == (202, ACCEPTED)
    refused = [ask(client, login) for login in ("ada", "nobody", "nobody@example.org")]
    bodies = [throttled(answer) for answer in refused]
    # The refusal is the same whether or not the account exists (but for the request id).
    assert len({(body["detail"], body["status"]) for body in bodies}) == 1
    assert len({answer.headers["Retry-After"] for answer in refused}) == 1
    assert mailed_to(client.application, tasks) == ["ada@example.org"]
    # Another address is not affected.
    assert ask(client, "ada", address="10.0.0.2").status_code == 202


def test_the_address_limit_lifts_when_its_window_has_passed(make_app, tasks):
    client = make_app(
        SHELF_TASKS_URL=tasks.url,
        SHELF_AUTH_RESET_MAX_REQUESTS=2,
        SHELF_AUTH_RESET_WINDOW_SECONDS=60,
    ).test_client()
    assert [ask(client, "nobody").status_code for _ in range(2)] == [202, 202]
    answer = ask(client, "nobody")
    throttled(answer, longest=60)
    assert int(answer.headers["Retry-After"]) >= 59
    age_events(client.application, 30)
    assert 29 <= int(ask(client, "nobody").headers["Retry-After"]) <= 31  # still refused
    age_events(client.application, 31)  # the counted requests are 61 seconds old now
    assert ask(client, "nobody").status_code == 202


def test_refused_requests_do_not_count(make_app, tasks):
    client = make_app(
        SHELF_TASKS_URL=tasks.url,
        SHELF_AUTH_RESET_MAX_REQUESTS=1,
        SHELF_AUTH_RESET_WINDOW_SECONDS=60,
    ).test_client()
    assert ask(client, "nobody").status_code == 202
    for _ in range(5):  # a client that keeps asking does not push the block further away
        throttled(ask(client, "nobody"), longest=60)
    age_events(client.application, 61)
    assert ask(client, "nobody").status_code == 202


def test_three_mails_per_account_then_the_same_answer_and_no_mail(client, add_user, tasks):
    add_user("ada", email="ada@example.org")
    add_user("bob", email="bob@example.org")
    answers = [ask(client, "ada", address=f"10.0.1.{number}") for number in range(5)]
    assert {(answer.status_code, str(answer.get_json())) for answer in answers} == {
        (202, str(ACCEPTED))
    }
    assert mailed_to(client.application, tasks) == ["ada@example.org"] * 3
    # ... the same as for an account that does not exist, from a fresh address.
    unknown = ask(client, "nobody", address="10.0.2.1")
    assert (unknown.status_code, unknown.get_json()) == (202, ACCEPTED)
    # Other accounts still get their mail; ada's by email address counts as ada's.
    ask(client, "bob", address="10.0.1.9")
    ask(client, "ada@example.org", address="10.0.1.9")
    assert mailed_to(client.application, tasks) == ["ada@example.org"] * 3 + ["bob@example.org"]


def test_the_account_limit_lifts_when_its_window_has_passed(client, app, add_user, tasks):
    add_user("ada", email="ada@example.org")
    for number in range(4):
        ask(client, "ada", address=f"10.0.1.{number}")
    assert len(mailed_to(app, tasks)) == 3
    age_events(app, 3601)
    ask(client, "ada", address="10.0.1.9")
    assert len(mailed_to(app, tasks)) == 4


def test_an_administrators_forced_reset_is_not_limited(client, add_user, tasks):
    add_user("root", is_admin=True)
    ada = add_user("ada", email="ada@example.org")
    for number in range(3):
        ask(client, "ada", address=f"10.0.1.{number}")
    admin = bearer(log_in(client, "root").get_json()["access_token"])
    assert client.post(f"/v1/admin/users/{ada}/password-reset", headers=admin).status_code == 202
    assert len(mailed_to(client.application, tasks)) == 4


def test_the_address_is_the_forwarded_one_behind_a_trusted_proxy(make_app, tasks):
    client = make_app(
        SHELF_TASKS_URL=tasks.url,
        SHELF_AUTH_TRUSTED_PROXIES="10.0.0.1",
        SHELF_AUTH_RESET_MAX_REQUESTS=1,
    ).test_client()
    forwarded = {"X-Forwarded-For": "198.51.100.1"}
    assert ask(client, "nobody", headers=forwarded).status_code == 202
    throttled(ask(client, "nobody", headers=forwarded))
    assert ask(client, "nobody", headers={"X-Forwarded-For": "198.51.100.2"}).status_code == 202


@pytest.mark.parametrize(
    "name",
    [
        "SHELF_AUTH_RESET_MAX_REQUESTS",
        "SHELF_AUTH_RESET_MAX_MAILS",
        "SHELF_AUTH_RESET_WINDOW_SECONDS",
    ],
)
def test_a_limit_below_one_stops_start_up(database_url, name):
    with pytest.raises(ConfigError, match=name):
        create_app({"SHELF_ENV": "test", "SHELF_AUTH_DATABASE_URL": database_url, name: 0})

"""Login throttling: 10 failures in 15 minutes per username or per address -> 429."""

from datetime import UTC, datetime, timedelta

from helpers import PASSWORD, log_in, problem

from shelf_auth.models import LoginAttempt
from shelf_kit.db import get_database

WRONG = "not the password"


def from_address(address):
    return {"environ_base": {"REMOTE_ADDR": address}}


def fail(client, username, times, address="10.0.0.1"):
    for _ in range(times):
        assert log_in(client, username, WRONG, **from_address(address)).status_code == 401


def throttled(response):
    body = problem(response, 429)
    assert 0 < int(response.headers["Retry-After"]) <= 900
    return body


def test_ten_failures_lock_the_account_for_a_while(client, add_user):
    add_user("ada")
    fail(client, "ada", 10)
    body = throttled(log_in(client, "ada", PASSWORD, **from_address("10.0.0.1")))
    assert "try again in" in body["detail"]
    # ... from any address: the count is per account too.
    throttled(log_in(client, "ada", PASSWORD, **from_address("10.9.9.9")))


def test_ten_failures_from_one_address_lock_that_address(client, add_user):
    add_user("ada")
    for number in range(10):
        fail(client, f"guess{number}", 1, address="10.0.0.66")
    throttled(log_in(client, "ada", PASSWORD, **from_address("10.0.0.66")))
    assert log_in(client, "ada", PASSWORD, **from_address("10.0.0.7")).status_code == 201


def test_a_success_elsewhere_does_not_reset_someone_elses_counter(client, add_user):
    add_user("ada")
    add_user("bob")
    fail(client, "ada", 9)
    # bob logs in from the same address, and ada from another one: neither clears
    # ada's failures from 10.0.0.1.
    assert log_in(client, "bob", **from_address("10.0.0.1")).status_code == 201
    assert log_in(client, "ada", **from_address("10.0.0.2")).status_code == 201
    fail(client, "ada", 1)
    throttled(log_in(client, "ada", **from_address("10.0.0.1")))


def test_a_success_does_not_reset_the_address_counter(client, add_user):
    add_user("bob")
    for number in range(9):
        fail(client, f"victim{number}", 1)
    assert log_in(client, "bob", **from_address("10.0.0.1")).status_code == 201
    fail(client, "victim9", 1)
    throttled(log_in(client, "bob", **from_address("10.0.0.1")))


def test_a_success_clears_ones_own_failures(client, add_user):
    add_user("ada")
    fail(client, "ada", 9)
    assert log_in(client, "ada", **from_address("10.0.0.1")).status_code == 201
    fail(client, "ada", 9)
    assert log_in(client, "ada", **from_address("10.0.0.1")).status_code == 201


def test_failures_leave_the_window(app, client, add_user):
    add_user("ada")
    now = datetime.now(UTC)
    with get_database(app).transaction() as session:
        session.add_all(LoginAttempt(username="ada", address="10.0.0.1",
                                     attempted_at=now - timedelta(minutes=16)) for _ in range(5))
        session.add_all(LoginAttempt(username="ada", address="10.0.0.1",
                                     attempted_at=now - timedelta(minutes=14)) for _ in range(5))
    # Five are too old to count, so five more tries are allowed ...
    fail(client, "ada", 5)
    # ... and then the block lifts when the oldest counted failure is 15 minutes old.
    answer = log_in(client, "ada", **from_address("10.0.0.1"))
    throttled(answer)
    assert 55 <= int(answer.headers["Retry-After"]) <= 61


def test_the_limits_are_settings(make_app, add_user):
    add_user("ada")
    client = make_app(SHELF_AUTH_LOGIN_MAX_FAILURES=2,
                      SHELF_AUTH_LOGIN_WINDOW_SECONDS=60).test_client()
    fail(client, "ada", 2)
    answer = log_in(client, "ada", **from_address("10.0.0.1"))
    throttled(answer)
    assert int(answer.headers["Retry-After"]) <= 60


def test_forwarded_addresses_count_only_behind_a_trusted_proxy(make_app, add_user):
    add_user("ada")
    for trust, expected in ((False, 429), (True, 201)):
        client = make_app(SHELF_AUTH_TRUST_PROXY=trust).test_client()
        for number in range(10):
            client.post("/v1/sessions", json={"username": f"guess{trust}{number}",
                                              "password": WRONG},
                        headers={"X-Forwarded-For": f"198.51.100.{number}"})
        # Without trust, every guess came from the proxy (127.0.0.1), which is now locked;
        # with it, each came from its own address and the next client is not.
        answer = client.post("/v1/sessions", json={"username": "ada", "password": PASSWORD},
                             headers={"X-Forwarded-For": "spoofed, 203.0.113.5"})
        assert answer.status_code == expected
        with get_database(client.application).transaction() as session:
            session.query(LoginAttempt).delete()


def test_wrong_current_passwords_count_as_failures(client, add_user):
    add_user("ada")
    token = log_in(client, "ada").get_json()["access_token"]
    for _ in range(10):
        answer = client.post("/v1/users/me/password", headers={"Authorization": f"Bearer {token}"},
                             json={"current_password": WRONG, "new_password": "a new long one"})
        assert problem(answer, 422)["errors"] == {
            "current_password": ["This is not your current password."]}
    throttled(log_in(client, "ada"))

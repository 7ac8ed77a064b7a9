"""Login throttling (issue 11, item 5): 10 failures in 15 minutes per (username, address) or
per address -> 429; per username from many addresses only a slowdown, never from an address
the user logged in from, so nobody can lock anyone out. Behind trusted proxies only, the
forwarded address counts (contract C8)."""

from datetime import UTC, datetime, timedelta

import pytest
from helpers import PASSWORD, log_in, problem

from shelf_auth import create_app
from shelf_auth.models import LoginAttempt
from shelf_kit import ConfigError
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


def make_older(app, seconds):
    """Pretend every counted failure happened `seconds` earlier."""
    with get_database(app).transaction() as session:
        for attempt in session.query(LoginAttempt):
            attempt.attempted_at -= timedelta(seconds=seconds)


def test_an_attacker_cannot_lock_the_admin_out(client, add_user):
    """The attack: wrong passwords for `admin` from one address locked it from everywhere.
    Now the attacker's address is refused, and the admin logs in from theirs."""
    add_user("admin", is_admin=True)
    fail(client, "admin", 10, address="203.0.113.66")
    for _ in range(3):  # the attacker goes on: refused, and not counted
        body = throttled(log_in(client, "admin", "guess", **from_address("203.0.113.66")))
        assert "try again in" in body["detail"]
    throttled(log_in(client, "admin", PASSWORD, **from_address("203.0.113.66")))
    assert log_in(client, "admin", PASSWORD, **from_address("192.0.2.10")).status_code == 201


def failed_from_many_addresses(app, username, count):
    """`count` failures for `username` just now, each from an address of its own (as a
    botnet would, each address far below its own limit)."""
    now = datetime.now(UTC)
    with get_database(app).transaction() as session:
        session.add_all(
            LoginAttempt(
                username=username, address=f"198.51.{n // 250}.{n % 250}", attempted_at=now
            )
            for n in range(count)
        )


def test_many_addresses_failing_for_one_username_only_slow_it_down(app, client, add_user):
    """Failures from many addresses make a new address wait a growing while between tries
    of that username, never refuse it for long, and never slow the user's own address."""
    add_user("ada")
    assert log_in(client, "ada", **from_address("192.0.2.10")).status_code == 201  # ada's own
    failed_from_many_addresses(app, "ada", 10)
    assert log_in(client, "ada", **from_address("203.0.113.1")).status_code == 201  # 10: no wait
    failed_from_many_addresses(app, "ada", 4)  # 14 > 10
    answer = log_in(client, "ada", **from_address("203.0.113.2"))
    throttled(answer)
    assert int(answer.headers["Retry-After"]) <= 2 ** (14 - 10 - 1)
    # Her own address is not slowed; nor is anyone else's username.
    assert log_in(client, "ada", **from_address("192.0.2.10")).status_code == 201
    add_user("bob")
    assert log_in(client, "bob", **from_address("203.0.113.2")).status_code == 201
    # Once the wait has passed, the new address gets its try.
    make_older(app, 2**3)
    assert log_in(client, "ada", **from_address("203.0.113.2")).status_code == 201


def test_the_slowdown_is_bounded_by_its_setting(make_app, add_user):
    app = make_app(SHELF_AUTH_LOGIN_SLOWDOWN_MAX_SECONDS=5)
    client = app.test_client()
    add_user("ada")
    failed_from_many_addresses(app, "ada", 400)
    answer = log_in(client, "ada", **from_address("203.0.113.1"))
    throttled(answer)
    assert int(answer.headers["Retry-After"]) <= 5
    make_older(app, 5)
    assert log_in(client, "ada", **from_address("203.0.113.1")).status_code == 201


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
        session.add_all(
            LoginAttempt(
                username="ada", address="10.0.0.1", attempted_at=now - timedelta(minutes=16)
            )
            for _ in range(5)
        )
        session.add_all(
            LoginAttempt(
                username="ada", address="10.0.0.1", attempted_at=now - timedelta(minutes=14)
            )
            for _ in range(5)
        )
    # Five are too old to count, so five more tries are allowed ...
    fail(client, "ada", 5)
    # ... and then the block lifts when the oldest counted failure is 15 minutes old.
    answer = log_in(client, "ada", **from_address("10.0.0.1"))
    throttled(answer)
    assert 55 <= int(answer.headers["Retry-After"]) <= 61


def test_the_limits_are_settings(make_app, add_user):
    add_user("ada")
    client = make_app(
        SHELF_AUTH_LOGIN_MAX_FAILURES=2, SHELF_AUTH_LOGIN_WINDOW_SECONDS=60
    ).test_client()
    fail(client, "ada", 2)
    answer = log_in(client, "ada", **from_address("10.0.0.1"))
    throttled(answer)
    assert int(answer.headers["Retry-After"]) <= 60


def failures_by_address(app):
    with get_database(app).transaction() as session:
        return sorted(address for (address,) in session.query(LoginAttempt.address))


def forwarded(client, username, hops, peer="127.0.0.1", password=WRONG):
    return client.post(
        "/v1/sessions",
        json={"username": username, "password": password},
        headers={"X-Forwarded-For": hops},
        environ_base={"REMOTE_ADDR": peer},
    )


def test_an_untrusted_peers_forwarded_address_is_ignored(make_app, add_user):
    """By default auth trusts no proxy: a client naming another address in X-Forwarded-For
    is still counted at its own, so it can neither escape its limit nor aim it at others."""
    app = make_app()
    client = app.test_client()
    add_user("ada")
    for number in range(10):
        forwarded(client, "ada", f"198.51.100.{number}", peer="203.0.113.9")
    assert failures_by_address(app) == ["203.0.113.9"] * 10
    throttled(forwarded(client, "ada", "198.51.100.77", peer="203.0.113.9", password=PASSWORD))


def test_a_trusted_proxys_forwarded_address_is_used(make_app, add_user):
    """Behind trusted proxies (the ui, the gateway), the right-most address that is not one
    of them is the client; what the client wrote to the left of it counts for nothing."""
    app = make_app(SHELF_AUTH_TRUSTED_PROXIES="127.0.0.1/32, 10.0.0.0/8")
    client = app.test_client()
    add_user("ada")
    forwarded(client, "ada", "198.51.100.1")  # the ui, on loopback, forwarding a browser
    forwarded(client, "ada", "6.6.6.6, 198.51.100.2, 10.1.2.3")  # via the gateway too
    forwarded(client, "ada", "198.51.100.3", peer="203.0.113.9")  # not a trusted peer
    forwarded(client, "ada", "10.1.2.3, 10.4.5.6")  # nothing but proxies: the first one
    assert failures_by_address(app) == ["10.1.2.3", "198.51.100.1", "198.51.100.2", "203.0.113.9"]


def test_the_old_trust_setting_stops_start_up(monkeypatch, database_url):
    monkeypatch.setenv("SHELF_AUTH_TRUST_PROXY", "true")
    with pytest.raises(ConfigError, match="SHELF_AUTH_TRUSTED_PROXIES"):
        create_app({"SHELF_ENV": "test", "SHELF_AUTH_DATABASE_URL": database_url})


@pytest.mark.parametrize("value", ["localhost", "10.0.0.0/33", "10.0.0.1, nope"])
def test_trusted_proxies_must_be_addresses_or_networks(make_app, value):
    with pytest.raises(ConfigError, match="SHELF_AUTH_TRUSTED_PROXIES"):
        make_app(SHELF_AUTH_TRUSTED_PROXIES=value)


def test_wrong_current_passwords_count_as_failures(client, add_user):
    add_user("ada")
    token = log_in(client, "ada").get_json()["access_token"]
    for _ in range(10):
        answer = client.post(
            "/v1/users/me/password",
            headers={"Authorization": f"Bearer {token}"},
            json={"current_password": WRONG, "new_password": "a new long one"},
        )
        assert problem(answer, 422)["errors"] == {
            "current_password": ["This is not your current password."]
        }
    throttled(log_in(client, "ada"))

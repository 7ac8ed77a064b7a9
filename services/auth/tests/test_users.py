"""Sign-up and a user's own account."""

from pathlib import Path

import pytest
from helpers import PASSWORD, bearer, log_in, problem

from shelf_kit.contracts import Contract

AUTH = Contract.load(Path(__file__).resolve().parents[1] / "openapi.json")

NEW = "a brand new passphrase"


def sign_up(client, username="ada", password=PASSWORD, **extra):
    return client.post("/v1/users", json={"username": username, "password": password, **extra})


def test_sign_up_is_open_until_an_admin_exists_by_default(client, add_user):
    answer = sign_up(client, email="ada@example.org")
    assert answer.status_code == 201
    assert answer.get_json() == {
        **answer.get_json(),
        "username": "ada",
        "is_admin": False,
        "is_active": True,
        "email": "ada@example.org",
    }
    assert log_in(client, "ada").status_code == 201
    add_user("root", is_admin=True)
    body = problem(sign_up(client, "bob"), 403)
    assert body["detail"] == "Sign-up is closed; ask an administrator for an account."


@pytest.mark.parametrize(
    "mode, admin_exists, expected",
    [("open", True, 201), ("closed", False, 403), ("auto", False, 201), ("auto", True, 403)],
)
def test_sign_up_modes(make_app, add_user, mode, admin_exists, expected):
    if admin_exists:
        add_user("root", is_admin=True)
    client = make_app(SHELF_AUTH_SIGNUP=mode).test_client()
    assert sign_up(client).status_code == expected


def test_an_unknown_sign_up_mode_stops_start_up(make_app):
    with pytest.raises(Exception, match="SHELF_AUTH_SIGNUP must be one of open, closed, auto"):
        make_app(SHELF_AUTH_SIGNUP="maybe")


def test_password_rules_answer_clear_field_errors(client):
    body = problem(sign_up(client, "ada", "ada"), 422)
    assert body["errors"] == {
        "password": ["Use at least 10 characters.", "A password cannot be the username."]
    }
    assert body["detail"] == "The request is not valid: password."
    body = problem(sign_up(client, "ada", " " * 12), 422)
    assert body["errors"]["password"] == ["A password cannot be only spaces."]


def test_username_and_email_rules(client):
    body = problem(sign_up(client, "no spaces please", email="not-an-address"), 422)
    assert body["errors"]["email"] == ["Not a valid email address."]
    sign_up(client, "Ada")
    body = problem(sign_up(client, "bad name!"), 422)
    assert body["errors"] == {"username": ["Use 1-150 letters, digits or . _ @ + -"]}
    assert problem(sign_up(client, "ADA"), 422)["errors"] == {
        "username": ["This username is taken."]
    }
    assert set(problem(client.post("/v1/users", json={}), 422)["errors"]) == {
        "username",
        "password",
    }


def test_me_describes_the_caller(client, user_token):
    body = client.get("/v1/users/me", headers=bearer(user_token)).get_json()
    assert body["username"] == "ada" and body["email"] == "ada@example.org"
    assert body["created_at"].endswith("+00:00")
    assert "password_hash" not in body


def test_changing_the_password_logs_out_everywhere_and_answers_new_tokens(client, add_user):
    add_user("ada")
    other_device = log_in(client, "ada").get_json()
    here = log_in(client, "ada").get_json()
    answer = client.post(
        "/v1/users/me/password",
        headers=bearer(here["access_token"]),
        json={"current_password": PASSWORD, "new_password": NEW},
    )
    assert answer.status_code == 200
    fresh = answer.get_json()
    assert problem(log_in(client, "ada", PASSWORD), 401)
    assert log_in(client, "ada", NEW).status_code == 201
    for old in (other_device, here):
        assert (
            client.post(
                "/v1/sessions/refresh", json={"refresh_token": old["refresh_token"]}
            ).status_code
            == 401
        )
    assert (
        client.post(
            "/v1/sessions/refresh", json={"refresh_token": fresh["refresh_token"]}
        ).status_code
        == 200
    )


def test_a_new_password_must_follow_the_rules(client, user_token):
    answer = client.post(
        "/v1/users/me/password",
        headers=bearer(user_token),
        json={"current_password": PASSWORD, "new_password": "short"},
    )
    assert problem(answer, 422)["errors"] == {"new_password": ["Use at least 10 characters."]}
    assert log_in(client, "ada").status_code == 201


def test_changing_the_email_needs_the_password(client, user_token):
    wrong = client.post(
        "/v1/users/me/email",
        headers=bearer(user_token),
        json={"email": "new@example.org", "password": "not it at all"},
    )
    assert problem(wrong, 422)["errors"] == {"password": ["This is not your current password."]}
    answer = client.post(
        "/v1/users/me/email",
        headers=bearer(user_token),
        json={"email": "new@example.org", "password": PASSWORD},
    )
    assert answer.status_code == 200 and answer.get_json()["email"] == "new@example.org"
    invalid = client.post(
        "/v1/users/me/email",
        headers=bearer(user_token),
        json={"email": "nope", "password": PASSWORD},
    )
    assert problem(invalid, 422)["errors"] == {"email": ["Not a valid email address."]}


@pytest.mark.parametrize(
    "email, taken",
    [("", True), ("new@example.org", True), ("nope", False), ("a" * 250 + "@x.org", False)],
)
def test_the_document_says_which_email_addresses_auth_takes(client, user_token, email, taken):
    """A consumer checked against openapi.json, `format`s asserted, sends what auth takes: no
    more, and no less ("" is no address, which auth takes)."""
    body = {"email": email, "password": PASSWORD}
    answer = client.post("/v1/users/me/email", headers=bearer(user_token), json=body)
    assert answer.status_code == (200 if taken else 422)
    found = AUTH.check("POST", "/v1/users/me/email", json=body)
    assert (found == []) is taken, found

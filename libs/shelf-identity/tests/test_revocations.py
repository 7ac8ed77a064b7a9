"""auth's revocation feed honoured (contract C1): a token auth voided is refused here within
the refresh time, an API key's cached answer is asked again when auth has news of its user,
the feed is asked at most every refresh time and only when a request comes, and an auth that
cannot be reached leaves the last list in force."""

import logging

import pytest

from conftest import build_service


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def service(auth):
    """A service that reads the feed on every request (a refresh time of 0)."""
    return build_service(auth.url, revocation_refresh_seconds=0)


def me(client, headers):
    return client.get("/v1/me", headers=headers)


def test_a_users_tokens_voided_at_auth_are_refused_and_new_ones_accepted(client, auth):
    old = auth.user_token(7)
    assert me(client, bearer(old)).status_code == 200
    auth.revoke_user(7)  # say, a password change
    refused = me(client, bearer(old))
    assert refused.status_code == 401 and "revoked" in refused.get_json()["detail"]
    assert me(client, bearer(auth.user_token(7))).status_code == 200  # issued after
    assert me(client, bearer(auth.user_token(8))).status_code == 200  # someone else


def test_a_logged_out_sessions_tokens_are_refused_and_the_others_not(client, auth):
    gone, kept = auth.user_token(7, session_id="a" * 32), auth.user_token(7, session_id="b" * 32)
    auth.revoke_session(7, "a" * 32)
    assert "logged out" in me(client, bearer(gone)).get_json()["detail"]
    assert me(client, bearer(kept)).status_code == 200


def test_a_cached_api_key_is_asked_again_once_auth_has_news_of_its_user(client, auth):
    auth.api_keys["a" * 40] = {"id": 5, "username": "eve", "is_admin": False, "is_active": True}
    key = {"Authorization": "Token " + "a" * 40}
    for _ in range(3):
        assert me(client, key).status_code == 200
    assert auth.calls["introspect"] == 1  # cached
    del auth.api_keys["a" * 40]  # the key is made anew: the old one is unknown at auth
    auth.api_key_changed(5)
    assert me(client, key).status_code == 401  # long before the cache's 30 s
    assert auth.calls["introspect"] == 2


def test_news_of_another_user_keeps_a_cached_answer(client, auth):
    auth.api_keys["a" * 40] = {"id": 5, "username": "eve", "is_admin": False, "is_active": True}
    key = {"Authorization": "Token " + "a" * 40}
    assert me(client, key).status_code == 200
    auth.revoke_user(6)
    assert me(client, key).status_code == 200
    assert auth.calls["introspect"] == 1


def test_the_feed_is_asked_at_most_every_refresh_time_and_only_when_asked(auth):
    app = build_service(auth.url)  # the default: every 2 s
    client = app.test_client()
    assert auth.calls["revocations"] == 0  # nothing asked, nothing fetched
    for user_id in range(20):
        assert me(client, bearer(auth.user_token(user_id))).status_code == 200
    assert auth.calls["revocations"] == 1


def test_an_unchanged_feed_costs_no_body(client, auth, service):
    token = auth.user_token(7)
    for _ in range(3):
        assert me(client, bearer(token)).status_code == 200
    feed = service.extensions["shelf_identity"].revocations
    assert (auth.calls["revocations"], feed.fetches, feed.generation) == (3, 3, 1)  # 304s


def test_service_tokens_never_wait_for_the_feed(client, auth):
    token = auth.service_token("api", "svc")
    for _ in range(3):
        assert client.get("/v1/service-only", headers=bearer(token)).status_code == 200
    assert auth.calls["revocations"] == 0


def test_with_auth_unreachable_the_last_list_stays_in_force(client, auth, caplog):
    revoked, fine = auth.user_token(7), auth.user_token(8)
    auth.revoke_user(7)
    assert me(client, bearer(revoked)).status_code == 401
    auth.stop()
    with caplog.at_level(logging.WARNING, logger="shelf.identity.revocations"):
        for _ in range(3):
            assert me(client, bearer(revoked)).status_code == 401
            assert me(client, bearer(fine)).status_code == 200
    warnings = [r for r in caplog.records if "could not be fetched" in r.getMessage()]
    assert len(warnings) == 1  # once per outage, not per request


def test_with_auth_unreachable_from_the_start_tokens_that_verify_are_accepted(auth):
    client = build_service(auth.url, revocation_refresh_seconds=0).test_client()
    token = auth.user_token(7)
    assert me(client, bearer(token)).status_code == 200  # the JWKS is fetched now
    auth.revocations.append({"broken": True})  # an entry the feed cannot read is skipped
    assert me(client, bearer(token)).status_code == 200
    auth.stop()
    assert me(client, bearer(token)).status_code == 200

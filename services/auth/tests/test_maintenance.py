"""The purge the tasks scheduler runs."""

from datetime import UTC, datetime, timedelta

from helpers import bearer, log_in
from sqlalchemy import select

from shelf_auth import throttle
from shelf_auth.digests import digest
from shelf_auth.models import (
    KnownAddress,
    LoginAttempt,
    OutboxMessage,
    PasswordResetToken,
    RefreshSession,
    Revocation,
    ThrottleEvent,
)
from shelf_kit.db import get_database


def test_purge_deletes_what_is_no_longer_needed(app, client, add_user, service_token):
    user = add_user("ada")
    live = log_in(client, "ada").get_json()["refresh_token"]
    rotated = log_in(client, "ada").get_json()["refresh_token"]
    current = client.post("/v1/sessions/refresh", json={"refresh_token": rotated}).get_json()
    logged_out = log_in(client, "ada").get_json()["refresh_token"]
    client.post("/v1/sessions/logout", json={"refresh_token": logged_out})
    long_ago = datetime.now(UTC) - timedelta(days=1)
    with get_database(app).transaction() as session:
        # Rotated long enough ago that presenting it again is no longer forgiven.
        session.scalar(
            select(RefreshSession).where(RefreshSession.token_hash == digest(rotated))
        ).rotated_at = long_ago
        session.add(
            RefreshSession(user_id=user, family_id="old", token_hash="e" * 64, expires_at=long_ago)
        )
        session.add(LoginAttempt(username="ada", address="10.0.0.1", attempted_at=long_ago))
        # Known for as long as a refresh token lasts (30 days); ada's logins above are known.
        session.add(
            KnownAddress(
                user_id=user,
                address="10.9.9.9",
                last_login_at=datetime.now(UTC) - timedelta(days=31),
            )
        )
        session.add(
            LoginAttempt(username="ada", address="10.0.0.1", attempted_at=datetime.now(UTC))
        )
        session.add(PasswordResetToken(user_id=user, token_hash="a" * 64, expires_at=long_ago))
        # Reset requests count for 15 minutes, reset mails for an hour.
        half_an_hour_ago = datetime.now(UTC) - timedelta(minutes=30)
        session.add(
            ThrottleEvent(
                bucket=throttle.RESET_REQUESTS, key="10.0.0.1", occurred_at=half_an_hour_ago
            )
        )
        session.add(
            ThrottleEvent(bucket=throttle.RESET_MAILS, key=str(user), occurred_at=half_an_hour_ago)
        )
        session.add(ThrottleEvent(bucket=throttle.RESET_MAILS, key=str(user), occurred_at=long_ago))
        # Delivered a week ago, or expired before tasks took it: gone; the rest stays.
        job = {"kind": "send_email"}
        in_an_hour = datetime.now(UTC) + timedelta(hours=1)
        session.add(
            OutboxMessage(
                kind="send_email", payload=job, delivered_at=datetime.now(UTC) - timedelta(days=8)
            )
        )
        session.add(OutboxMessage(kind="send_email", payload=job, expires_at=long_ago))
        session.add(
            OutboxMessage(
                kind="send_email", payload=job, delivered_at=long_ago, expires_at=long_ago
            )
        )
        session.add(OutboxMessage(kind="send_email", payload=job, expires_at=in_an_hour))
        # A revocation older than any access token (15 minutes and a leeway) voids nothing;
        # the logout above made one that still matters.
        session.add(
            Revocation(
                kind="user",
                user_id=user,
                token_version=2,
                created_at=datetime.now(UTC) - timedelta(minutes=17),
            )
        )
        session.add(
            PasswordResetToken(
                user_id=user,
                token_hash="b" * 64,
                used_at=long_ago,
                expires_at=datetime.now(UTC) + timedelta(hours=1),
            )
        )
        session.add(
            PasswordResetToken(
                user_id=user, token_hash="c" * 64, expires_at=datetime.now(UTC) + timedelta(hours=1)
            )
        )

    answer = client.post("/v1/maintenance/purge", headers=bearer(service_token))
    assert answer.status_code == 200
    assert answer.get_json() == {
        "refresh_sessions": 2,
        "login_attempts": 1,
        "known_addresses": 1,
        "throttle_events": 2,
        "password_reset_tokens": 2,
        "outbox": 2,
        "revocations": 1,
    }
    # What is still in use works; a rotated token is kept so its reuse is still caught.
    for token in (live, current["refresh_token"]):
        assert client.post("/v1/sessions/refresh", json={"refresh_token": token}).status_code == 200
    reused = client.post("/v1/sessions/refresh", json={"refresh_token": rotated})
    assert "already used" in reused.get_json()["detail"]
    with get_database(app).transaction() as session:
        kept = session.scalars(select(OutboxMessage.expires_at).order_by(OutboxMessage.id))
        assert [at is not None and at > datetime.now(UTC) for at in kept] == [False, True]

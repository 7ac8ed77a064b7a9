"""auth's tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shelf_kit.db import UtcDateTime, utcnow


class Base(DeclarativeBase):
    """Every table hands out each id once: on SQLite its integer key is AUTOINCREMENT (else
    the highest id is given again after its row is deleted); Postgres' sequences never go
    back. A table that sets `__table_args__` must keep `SQLITE_AUTOINCREMENT` in it."""

    __table_args__: Any = {"sqlite_autoincrement": True}


SQLITE_AUTOINCREMENT = Base.__table_args__


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(150))
    email: Mapped[str] = mapped_column(String(254), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # Access tokens carry it as `ver`; raising it voids every one issued before (password
    # change or reset, logout everywhere, deactivation, demotion, deletion).
    token_version: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))


# Usernames are unique whatever their case: "Ada" and "ada" are one person.
Index("uq_users_username_lower", func.lower(User.username), unique=True)


class RefreshSession(Base):
    """One refresh token. Rotating a token makes a new row in the same family; presenting a
    rotated token again means it was stolen, so the whole family is revoked."""

    __tablename__ = "refresh_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[str] = mapped_column(String(32), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    rotated_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class Revocation(Base):
    """Something that stopped being good before it expires, published to the other services
    (GET /v1/revocations) for as long as an access token lives:

    - "user": the user's access tokens with `ver` below `token_version` are void;
    - "session": access tokens with `sid` `session_id` (a refresh family) are void (logout);
    - "api_key": the user's API key changed or went (cached answers about it are stale).

    Kept without a foreign key: a deleted user's revocation outlives the user."""

    __tablename__ = "revocations"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int] = mapped_column(Integer)
    session_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    token_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_revocations_created_at", "created_at"),
        Index("ix_revocations_session_id", "session_id"),
        SQLITE_AUTOINCREMENT,
    )


class ApiKey(Base):
    """A user's API key (one at most), kept as its SHA-256."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    last4: Mapped[str] = mapped_column(String(4))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class LoginAttempt(Base):
    """A failed login, counted per username and per client address for throttling."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(150))  # lower-cased
    address: Mapped[str] = mapped_column(String(64))
    attempted_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


Index("ix_login_attempts_username_at", LoginAttempt.username, LoginAttempt.attempted_at)
Index("ix_login_attempts_address_at", LoginAttempt.address, LoginAttempt.attempted_at)


class KnownAddress(Base):
    """An address the user logged in from: failures for the username from elsewhere never
    slow down a login from here (throttle.py)."""

    __tablename__ = "known_addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    address: Mapped[str] = mapped_column(String(64))
    last_login_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("user_id", "address", name="uq_known_addresses_user_address"),
        SQLITE_AUTOINCREMENT,
    )


class ThrottleEvent(Base):
    """Something counted against a limit: `key` in `bucket` (say, a client address in
    "password_reset:address") happened at `occurred_at`. See throttle.py."""

    __tablename__ = "throttle_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    bucket: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(150))
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


Index(
    "ix_throttle_events_bucket_key_at",
    ThrottleEvent.bucket,
    ThrottleEvent.key,
    ThrottleEvent.occurred_at,
)


class PasswordResetToken(Base):
    """A password reset link, kept as its SHA-256; it works once, until it expires."""

    __tablename__ = "password_reset_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class OutboxMessage(Base):
    """A message for another service (a `send_email` job for tasks), written in the same
    transaction as the change it is about; the relay delivers it, retrying until the other
    side accepts (DESIGN.md section 4, outbox.py). A message that carries something which
    stops working (a reset link) expires with it and is dropped undelivered."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(100))  # the tasks job kind, e.g. "send_email"
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)  # the body of POST /v1/jobs
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (
        # The relay's question, "what is due?", reads only undelivered messages.
        Index(
            "ix_outbox_pending",
            "next_attempt_at",
            sqlite_where=text("delivered_at IS NULL"),
            postgresql_where=text("delivered_at IS NULL"),
        ),
        SQLITE_AUTOINCREMENT,
    )

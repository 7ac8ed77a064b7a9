"""Password hashing (Argon2id) and the rules a new password must meet.

The hasher's cost comes from the settings (argon2-cffi's defaults unless set), so tests can
use cheap parameters. Verifying needs no settings: a hash carries its own parameters.
"""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, current_app

from . import extensions

MIN_LENGTH = 10
MAX_LENGTH = 1024
# A stored hash that no password matches: set when an admin forces a password reset.
UNUSABLE = "!reset-required"
_verifier = PasswordHasher()


class Passwords:
    """The app's hasher, and a dummy hash to verify against when a username is unknown, so
    that unknown users take as long as wrong passwords."""

    def __init__(self, hasher: PasswordHasher) -> None:
        self.hasher = hasher
        self._dummy_hash: str | None = None

    @property
    def dummy_hash(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = self.hasher.hash(secrets.token_hex(16))
        return self._dummy_hash

    def init_app(self, app: Flask) -> None:
        app.extensions[extensions.PASSWORDS] = self

    @classmethod
    def from_config(cls, config) -> Passwords:
        return cls(
            PasswordHasher(
                time_cost=config["SHELF_AUTH_ARGON2_TIME_COST"],
                memory_cost=config["SHELF_AUTH_ARGON2_MEMORY_COST"],
                parallelism=config["SHELF_AUTH_ARGON2_PARALLELISM"],
            )
        )


def _passwords() -> Passwords:
    return extensions.passwords(current_app)


def hash_password(password: str) -> str:
    return _passwords().hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _verifier.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def check_password(password_hash: str | None, password: str) -> bool:
    """Verify `password`, spending one Argon2 verification even when there is no usable hash
    (unknown user, forced reset), so the answer's timing says nothing."""
    if password_hash is None or password_hash == UNUSABLE:
        verify_password(_passwords().dummy_hash, password)
        return False
    return verify_password(password_hash, password)


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with other parameters than the current settings."""
    try:
        return _passwords().hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return False


def password_problems(password: str, *, username: str = "") -> list[str]:
    """What is wrong with a new password, in words a person can act on (empty when fine)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"Use at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        problems.append(f"Use at most {MAX_LENGTH} characters.")
    if password.strip() == "":
        problems.append("A password cannot be only spaces.")
    if username and password.lower() == username.lower():
        problems.append("A password cannot be the username.")
    return problems

"""Opaque secrets (refresh tokens, API keys, reset links): made at random, stored as SHA-256.

They are long and random, so a fast hash is enough: nobody can guess one from its digest, and
a lookup by digest is an indexed equality.
"""

from __future__ import annotations

import hashlib
import secrets


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()

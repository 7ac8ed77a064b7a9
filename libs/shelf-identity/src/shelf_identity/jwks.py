"""Public keys from auth's JWKS, cached; an unknown key id makes one (rate-limited) refetch,
so a key rotated in at auth is picked up without a restart, and a token with a known key id
is verified without any call to auth."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from shelf_http import ServiceClient

if TYPE_CHECKING:  # PyJWT (and cryptography under it) loads with the first key fetched
    import jwt

JWKS_PATH = "/.well-known/jwks.json"


class JwksKeySource:
    def __init__(
        self,
        client: ServiceClient,
        *,
        min_refetch_seconds: float = 2.0,
        max_age_seconds: float = 3600.0,
    ) -> None:
        self.client = client
        self.min_refetch_seconds = min_refetch_seconds
        self.max_age_seconds = max_age_seconds
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at: float | None = None
        self._lock = threading.Lock()
        self.fetches = 0

    def key(self, kid: str) -> jwt.PyJWK | None:
        """The key with this id, fetching the JWKS when it is unknown or old."""
        with self._lock:
            now = time.monotonic()
            stale = self._fetched_at is None or now - self._fetched_at > self.max_age_seconds
            age = None if self._fetched_at is None else now - self._fetched_at
            may_refetch = age is None or age >= self.min_refetch_seconds
            if stale or (kid not in self._keys and may_refetch):
                self._fetch(now)
            return self._keys.get(kid)

    def _fetch(self, now: float) -> None:
        from jwt import PyJWK

        document = self.client.get(JWKS_PATH).json()
        keys = {}
        for entry in document.get("keys", []):
            if entry.get("kid"):
                keys[entry["kid"]] = PyJWK(entry)
        self._keys = keys
        self._fetched_at = now
        self.fetches += 1

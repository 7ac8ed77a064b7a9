"""Resolving linkding-style API keys (`Authorization: Token <key>`) through auth's
introspection endpoint, with a short cache so a client's burst costs one call.

With auth's revocation feed, a cached answer about a user the feed has news of (the key made
anew or revoked, the user deactivated, demoted or deleted) is asked again, so a revoked key
stops working here within the feed's refresh time, not the cache's."""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict

from shelf_http import ServiceClient

from .identity import Identity
from .revocations import RevocationFeed

INTROSPECT_PATH = "/v1/api-keys/introspect"


class ApiKeyResolver:
    def __init__(
        self,
        client: ServiceClient,
        *,
        revocations: RevocationFeed | None = None,
        ttl_seconds: float = 30.0,
        negative_ttl_seconds: float = 5.0,
        max_entries: int = 10_000,
    ) -> None:
        self.client = client
        self.revocations = revocations
        self.ttl_seconds = ttl_seconds
        self.negative_ttl_seconds = negative_ttl_seconds
        self.max_entries = max_entries
        # digest -> (expires at, identity or None, the feed's generation when asked)
        self._cache: OrderedDict[str, tuple[float, Identity | None, int]] = OrderedDict()
        self._lock = threading.Lock()

    def resolve(self, key: str) -> Identity | None:
        """The user the key belongs to, or None for an unknown key or an inactive user."""
        digest = hashlib.sha256(key.encode()).hexdigest()
        generation = 0
        if self.revocations is not None:
            self.revocations.refresh()
            generation = self.revocations.generation
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(digest)
            if cached and cached[0] > now and not self._stale(cached):
                self._cache.move_to_end(digest)
                return cached[1]
        answer = self.client.post(INTROSPECT_PATH, json={"key": key}).json()
        identity = None
        if answer.get("active") and answer.get("user", {}).get("is_active", True):
            identity = Identity.from_introspection(answer["user"])
        ttl = self.ttl_seconds if identity else self.negative_ttl_seconds
        with self._lock:
            self._cache[digest] = (now + ttl, identity, generation)
            self._cache.move_to_end(digest)
            while len(self._cache) > self.max_entries:
                self._cache.popitem(last=False)
        return identity

    def _stale(self, cached: tuple[float, Identity | None, int]) -> bool:
        _expires, identity, generation = cached
        if identity is None or self.revocations is None:
            return False
        return self.revocations.mark(identity.user_id) > generation

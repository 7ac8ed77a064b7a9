"""What a page says about itself, read while answering `GET /api/bookmarks/check/`.

linkding's browser extension calls check when its popup opens and fills the form's title and
description from the answer, so the page is fetched now, through shelf-fetch (the same SSRF
protections as tasks' jobs), within `SHELF_API_CHECK_TIMEOUT` seconds. A page that cannot be
read gives empty metadata, never an error. Answers are kept for a few minutes per process, so
opening the popup again on the same page does not fetch it again.

One user has at most `per_user` pages being read at once (per process): past that, check
answers at once with empty metadata instead of waiting for a thread, so one user's slow
pages cannot occupy every thread of api (a page that sends a byte every few seconds could
hold one for as long as shelf-fetch's deadline allows).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, OrderedDict
from dataclasses import replace
from typing import Any

from shelf_fetch import FetchError, FetchPolicy, fetch_page

log = logging.getLogger("shelf.api.previews")

CACHE_SIZE = 256
CACHE_SECONDS = 300.0
MAX_BYTES = 1024 * 1024  # title and description are in the head; 1 MB is plenty


def empty(url: str) -> dict[str, Any]:
    return {"url": url, "title": None, "description": None, "preview_image": None}


class Previews:
    """Page metadata by URL: fetched under `policy`, remembered for `seconds`."""

    def __init__(
        self,
        policy: FetchPolicy,
        *,
        size: int = CACHE_SIZE,
        seconds: float = CACHE_SECONDS,
        per_user: int = 2,
    ) -> None:
        self.policy = policy
        self.size = size
        self.seconds = seconds
        self.per_user = per_user
        self._cache: OrderedDict[str, tuple[float, dict[str, Any]]] = OrderedDict()
        self._reading: Counter[int] = Counter()  # pages being read, per user
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, config) -> Previews:
        policy = FetchPolicy.from_config(config)
        timeout = min(policy.timeout, float(config["SHELF_API_CHECK_TIMEOUT"]))
        policy = replace(policy, timeout=timeout, max_bytes=min(policy.max_bytes, MAX_BYTES))
        return cls(policy, per_user=int(config["SHELF_API_CHECK_FETCHES_PER_USER"]))

    def metadata(self, url: str, *, user: int) -> dict[str, Any]:
        now = time.monotonic()
        with self._lock:
            kept = self._cache.get(url)
            if kept is not None and now - kept[0] < self.seconds:
                self._cache.move_to_end(url)
                return dict(kept[1])
            if self._reading[user] >= self.per_user:
                log.info("check: not read, %d pages of this user are being read", self.per_user)
                return empty(url)
            self._reading[user] += 1
        try:
            answer = self._read(url)
        finally:
            with self._lock:
                self._reading[user] -= 1
                if not self._reading[user]:
                    del self._reading[user]
        with self._lock:
            self._cache[url] = (now, answer)
            self._cache.move_to_end(url)
            while len(self._cache) > self.size:
                self._cache.popitem(last=False)
        return dict(answer)

    def _read(self, url: str) -> dict[str, Any]:
        try:
            fetched = fetch_page(url, self.policy)
        except FetchError as error:
            log.info("check: the page was not read: %s", error.reason)
            return empty(url)
        page = fetched.metadata
        if page is None:
            log.info("check: the page was not read: %s", fetched.problem)
            return empty(url)
        return {
            "url": url,
            "title": page.title,
            "description": page.description,
            "preview_image": page.preview_image_url,
        }

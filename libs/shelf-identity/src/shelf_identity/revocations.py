"""auth's revocation feed (`GET /v1/revocations`, contract C1): access tokens and API-key
answers that stopped being good before they expire.

A service verifies access tokens on its own and caches what an API key resolves to, so without
this a logged-out session, a changed password, a demoted administrator or a deleted user would
keep working here until the token expired. The feed lists what auth voided within an access
token's lifetime (a session by `sid`, a user's tokens below a `token_version`, a user whose
API key changed); it is fetched when a request needs it and the copy is older than
`refresh_seconds` (2), so a revocation counts here within about two seconds, and an idle
process asks auth nothing. One request fetches while the others go on with the copy in hand.
The answer's ETag comes back as If-None-Match, so an unchanged list costs auth no body.

When auth cannot be reached, the last list fetched stays in force (none, if none ever came)
and the next request tries again after `refresh_seconds`: tokens that verify are accepted,
as they were before the feed existed. Refusing every user while auth restarts would turn a
blip of auth into an outage of every service; what an outage of auth costs instead is that
revocations made during it count only once auth answers again, or when the token expires
(15 minutes at most). Service tokens are not in the feed and never wait for it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any

from shelf_http import ServiceClient, ServiceError

log = logging.getLogger("shelf.identity.revocations")

FEED_PATH = "/v1/revocations"
FIRST_VERSION = 1  # what a token without `ver` counts as
FIRST_FETCH_WAIT = 10.0  # how long a request waits for another's first fetch of the list


class RevocationFeed:
    def __init__(self, client: ServiceClient, *, refresh_seconds: float = 2.0) -> None:
        self.client = client
        self.refresh_seconds = refresh_seconds
        self.generation = 0  # counts the lists taken in
        self.fetches = 0
        self._min_versions: Mapping[int, int] = {}
        self._sessions: frozenset[str] = frozenset()
        self._seen: frozenset[int] = frozenset()
        self._marks: Mapping[int, int] = {}  # user id -> generation that brought news of them
        self._etag: str | None = None
        self._attempted_at: float | None = None
        self._fetched = False
        self._failing = False
        self._lock = threading.Lock()

    # -- what a verifier asks --------------------------------------------------------------------

    def refresh(self) -> None:
        """Fetch the list if the copy is older than `refresh_seconds` (and nobody is at it)."""
        if not self._due():
            return
        if not self._lock.acquire(timeout=0 if self._fetched else FIRST_FETCH_WAIT):
            return  # another request is fetching: go on with the copy in hand
        try:
            if self._due():
                self._attempted_at = time.monotonic()
                self._fetch()
        finally:
            self._lock.release()

    def revoked(self, claims: Mapping[str, Any]) -> str | None:
        """Why a user's access token (its verified claims) is void, or None."""
        try:
            user_id = int(claims["sub"])
        except (KeyError, TypeError, ValueError):
            return None
        if claims.get("ver", FIRST_VERSION) < self._min_versions.get(user_id, FIRST_VERSION):
            return (
                "The token was revoked (password change, logout everywhere or a change "
                "to the account); log in again."
            )
        if claims.get("sid") in self._sessions:
            return "The token's session was logged out; log in again."
        return None

    def mark(self, user_id: int | None) -> int:
        """The generation of the list that last brought news of this user (0: none in it).
        Anything learnt about the user before that generation may be stale."""
        return self._marks.get(user_id, 0) if user_id is not None else 0

    # -- fetching --------------------------------------------------------------------------------

    def _due(self) -> bool:
        return (
            self._attempted_at is None
            or time.monotonic() - self._attempted_at >= self.refresh_seconds
        )

    def _fetch(self) -> None:
        headers = {"If-None-Match": self._etag} if self._etag else {}
        try:
            answer = self.client.get(FEED_PATH, headers=headers)
            if answer.status_code != 304:
                self._take(answer.json().get("revocations") or [])
                self._etag = answer.headers.get("ETag")
        except (ServiceError, ValueError, AttributeError) as error:
            if not self._failing:
                log.warning(
                    "auth's revocation list could not be fetched (%s): the last one "
                    "fetched stays in force until it can",
                    error,
                )
            self._failing = True
            return
        if self._failing:
            log.info("auth's revocation list is fetched again")
        self._failing, self._fetched = False, True
        self.fetches += 1

    def _take(self, entries: Iterable[Mapping[str, Any]]) -> None:
        generation = self.generation + 1
        min_versions: dict[int, int] = {}
        sessions: set[str] = set()
        seen: set[int] = set()
        marks: dict[int, int] = {}
        for entry in entries:
            try:
                entry_id, user_id = int(entry["id"]), int(entry["user_id"])
            except (KeyError, TypeError, ValueError):
                continue
            seen.add(entry_id)
            new = entry_id not in self._seen
            marks[user_id] = max(
                marks.get(user_id, 0), generation if new else self._marks.get(user_id, 0)
            )
            if entry.get("kind") == "user" and isinstance(entry.get("token_version"), int):
                min_versions[user_id] = max(min_versions.get(user_id, 0), entry["token_version"])
            elif entry.get("kind") == "session" and entry.get("session_id"):
                sessions.add(str(entry["session_id"]))
        # Each is replaced whole, so a request reading them meanwhile sees one list or the other.
        self._min_versions, self._sessions = min_versions, frozenset(sessions)
        self._seen, self._marks = frozenset(seen), marks
        self.generation = generation

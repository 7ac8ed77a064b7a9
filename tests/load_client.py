"""A client that keeps working against the running system, in threads, as people do, and
records every call it makes: the background the fault tests break things under.

Each actor is a thread with its own credentials:

- an api actor (an API key, `Authorization: Token ...`, or an access token, `Bearer ...`)
  adds a bookmark with a URL no one used before, then lists its bookmarks, again and again;
- a ui actor (a logged-in browser session: its cookie) loads the bookmark list as a page
  (`Accept: text/html`), then as an API client of the ui would (`Accept: application/json`).

    with LoadClient(system, page_base=pages.url) as load:
        load.add_api_actor("key", {"Authorization": f"Token {key}"})
        load.add_ui_actor("ui", browser)
        load.start()
        ...                       # stop a service, start it again
    load.calls(), load.created(), load.summary()

Every call is one `Call` in `load.record`: when it was sent (wall clock and monotonic), which
actor sent it, the service it went to, the status (None: no answer, and `error` says why),
the content type, the problem's detail (problem+json's or linkding's `{"detail"}`, or on a ui
page the "The X service is down" line) and how long the answer took. `call()` makes one more
call, recorded the same way, for the probes a test adds while something is down.
"""

from __future__ import annotations

import html
import itertools
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests

from shelf_system import ShelfSystem

TIMEOUT = (2, 30)  # connect, read: longer than any consumer's own timeouts, retries included
PAUSE = 0.2  # seconds between one actor's calls: a busy person, not a benchmark
SERVICE_DOWN = re.compile(r"The <strong>([^<]+)</strong> service is down")


@dataclass(frozen=True)
class Call:
    actor: str  # the thread (or probe) that made it
    action: str  # "create", "list", "page", "page-json", or a probe's name
    target: str  # the service it went to: "api", "ui", ...
    method: str
    path: str
    at: float  # time.time() when sent
    started: float  # time.monotonic() when sent
    elapsed: float  # seconds until the answer (or the error)
    status: int | None  # None: no answer, see `error`
    content_type: str = ""
    detail: str | None = None
    error: str | None = None  # "ConnectionError: ..." when there was no answer
    url: str | None = None  # the bookmark URL a create sent
    bookmark_id: int | None = None  # the id a 201 answered
    accept: str = ""  # the Accept header sent
    body: object = field(default=None, repr=False, compare=False)  # decoded JSON or page text

    @property
    def ok(self) -> bool:
        return self.status is not None and self.status < 400

    @property
    def text(self) -> str:
        """The page an answer carried (fails for a JSON answer, or none)."""
        assert isinstance(self.body, str), f"not a page: {self.describe()}"
        return self.body

    @property
    def document(self) -> dict[str, Any]:
        """The JSON object an answer carried (fails for a page, or none)."""
        assert isinstance(self.body, dict), f"not a JSON object: {self.describe()}"
        return self.body

    @property
    def made_id(self) -> int:
        """The id of the bookmark a create made (fails for any other call)."""
        assert self.bookmark_id is not None, f"made no bookmark: {self.describe()}"
        return self.bookmark_id

    @property
    def made_url(self) -> str:
        """The URL of the bookmark a create made (fails for any other call)."""
        assert self.url is not None, f"made no bookmark: {self.describe()}"
        return self.url

    @property
    def wants_html(self) -> bool:
        """Sent as a browser does: the answer, even an error, is a page."""
        return "text/html" in self.accept

    @property
    def ended(self) -> float:
        return self.started + self.elapsed

    def describe(self) -> str:
        answer = (
            f"{self.status} {self.content_type or '-'} {self.detail or ''}".strip()
            if self.status is not None
            else self.error
        )
        return (
            f"{clock(self.at)} {self.actor}/{self.action} {self.method} "
            f"{self.target}{self.path} -> {answer} in {self.elapsed:.2f} s"
        )


@dataclass(frozen=True)
class Mark:
    label: str
    at: float  # time.time()
    when: float  # time.monotonic()


def clock(at: float) -> str:
    """A wall-clock time as the logs show it (UTC, to the millisecond)."""
    return datetime.fromtimestamp(at, UTC).strftime("%H:%M:%S.%f")[:-3]


def problem_detail(response: requests.Response) -> tuple[str | None, object]:
    """What an answer says went wrong, and its body (JSON, or the text of a page)."""
    content_type = response.headers.get("Content-Type", "")
    if "json" in content_type:
        try:
            body = response.json()
        except ValueError:
            return None, response.text[:2000]
        detail = body.get("detail") if isinstance(body, dict) else None
        return (str(detail) if detail is not None else None), body
    text = response.text
    down = SERVICE_DOWN.search(text)
    return (f"The {html.unescape(down.group(1))} service is down" if down else None), text


class LoadClient:
    def __init__(
        self, system: ShelfSystem, *, page_base: str, pause: float = PAUSE, label: str = "load"
    ) -> None:
        self.system = system
        self.page_base = page_base.rstrip("/")
        self.pause = pause
        # Unique per client: the URLs it adds have never been bookmarked before.
        self.run = f"{label}-{uuid.uuid4().hex[:8]}"
        self.record: list[Call] = []
        self.marks: list[Mark] = []
        self._actors: dict[str, Callable[[requests.Session, int], Call]] = {}
        self._sessions: dict[str, requests.Session] = {}
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._crashes: list[str] = []

    # -- actors ------------------------------------------------------------------------------

    def add_api_actor(self, name: str, headers: dict[str, str]) -> None:
        """Adds a bookmark with a new URL, then lists the latest, through api's linkding API."""

        def step(session: requests.Session, n: int) -> Call:
            if n % 2 == 0:
                url = self.page_url(f"{name}-{n // 2}")
                return self.call(
                    name,
                    "create",
                    "api",
                    "POST",
                    "/api/bookmarks/",
                    session=session,
                    headers=headers,
                    json={"url": url},
                    url=url,
                )
            return self.call(
                name,
                "list",
                "api",
                "GET",
                "/api/bookmarks/?limit=20",
                session=session,
                headers=headers,
            )

        self._actors[name] = step
        self._sessions[name] = requests.Session()

    def add_ui_actor(self, name: str, browser: requests.Session) -> None:
        """Loads the ui's bookmark list with a logged-in session's cookie: as a page, then as
        JSON (what the ui answers a client that asks for it)."""

        def step(session: requests.Session, n: int) -> Call:
            if n % 2 == 0:
                return self.call(
                    name,
                    "page",
                    "ui",
                    "GET",
                    "/bookmarks",
                    session=session,
                    headers={"Accept": "text/html"},
                )
            return self.call(
                name,
                "page-json",
                "ui",
                "GET",
                "/bookmarks",
                session=session,
                headers={"Accept": "application/json"},
            )

        self._actors[name] = step
        self._sessions[name] = browser

    def page_url(self, name: str) -> str:
        return f"{self.page_base}/{self.run}/{name}"

    # -- running -----------------------------------------------------------------------------

    def start(self) -> LoadClient:
        assert self._actors, "no actors"
        self.mark("client started")
        for name, step in self._actors.items():
            thread = threading.Thread(
                target=self._work, args=(name, step), daemon=True, name=f"load-{name}"
            )
            self._threads.append(thread)
            thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=TIMEOUT[0] + TIMEOUT[1] + 5)
        self.mark("client stopped")
        for session in self._sessions.values():
            session.close()
        assert not self._crashes, "the client itself failed:\n" + "\n".join(self._crashes)

    def __enter__(self) -> LoadClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._threads and not self._stop.is_set():
            self.stop()

    def _work(self, name: str, step: Callable[[requests.Session, int], Call]) -> None:
        session = self._sessions[name]
        try:
            for n in itertools.count():
                if self._stop.is_set():
                    return
                step(session, n)
                self._stop.wait(self.pause)
        except Exception as error:  # a bug in the client, not an answer: say so at stop()
            self._crashes.append(f"{name}: {type(error).__name__}: {error}")

    def call(
        self,
        actor: str,
        action: str,
        target: str,
        method: str,
        path: str,
        *,
        session: requests.Session | None = None,
        url: str | None = None,
        **kwargs,
    ) -> Call:
        """One call to `target` (a service name), recorded; also for a test's own probes."""
        kwargs.setdefault("timeout", TIMEOUT)
        kwargs.setdefault("allow_redirects", False)
        sender = session or requests
        accept = (kwargs.get("headers") or {}).get("Accept", "")
        at, started = time.time(), time.monotonic()
        try:
            response = sender.request(method, self.system.urls[target] + path, **kwargs)
        except requests.RequestException as error:
            call = Call(
                actor,
                action,
                target,
                method,
                path,
                at,
                started,
                time.monotonic() - started,
                None,
                error=f"{type(error).__name__}: {error}",
                url=url,
                accept=accept,
            )
        else:
            elapsed = time.monotonic() - started
            detail, body = problem_detail(response)
            bookmark_id = None
            if response.status_code == 201 and isinstance(body, dict):
                bookmark_id = body.get("id")
            call = Call(
                actor,
                action,
                target,
                method,
                path,
                at,
                started,
                elapsed,
                response.status_code,
                response.headers.get("Content-Type", ""),
                detail,
                url=url,
                bookmark_id=bookmark_id,
                accept=accept,
                body=body,
            )
        with self._lock:
            self.record.append(call)
        return call

    def mark(self, label: str) -> float:
        """Note a moment (a service stopped, started ...): shown in the summary; returns it
        (time.monotonic())."""
        mark = Mark(label, time.time(), time.monotonic())
        with self._lock:
            self.marks.append(mark)
        return mark.when

    # -- waiting -----------------------------------------------------------------------------

    def wait_for_calls(self, since: float, each: int = 3, within: float = 60.0) -> None:
        """Until every actor has made `each` calls sent after `since` (a monotonic time)."""

        def enough() -> bool:
            counts = Counter(c.actor for c in self.calls(since=since))
            return all(counts[name] >= each for name in self._actors)

        self._wait(enough, within, f"every actor making {each} calls")

    def wait_until_working(self, since: float, each: int = 3, within: float = 60.0) -> float:
        """Until every actor's last `each` calls, sent after `since`, all succeeded; returns
        when the earliest of those was sent (from then on, the client worked again)."""
        firsts: dict[str, float] = {}

        def working() -> bool:
            for name in self._actors:
                mine = [c for c in self.calls(since=since) if c.actor == name]
                if len(mine) < each or not all(c.ok for c in mine[-each:]):
                    return False
                streak = list(itertools.takewhile(lambda c: c.ok, reversed(mine)))
                firsts[name] = streak[-1].started
            return True

        self._wait(working, within, f"every actor's last {each} calls succeeding")
        return max(firsts.values())

    def wait_until(self, condition: Callable[[], bool], within: float, what: str) -> None:
        """Until `condition()` holds; fails after `within` seconds, showing the record."""
        self._wait(condition, within, what)

    def _wait(self, condition: Callable[[], bool], within: float, what: str) -> None:
        deadline = time.monotonic() + within
        while not condition():
            if self._crashes:
                raise AssertionError("the client itself failed: " + "; ".join(self._crashes))
            if time.monotonic() > deadline:
                raise AssertionError(f"after {within:g} s, still not {what}:\n{self.summary()}")
            time.sleep(0.1)

    # -- the record --------------------------------------------------------------------------

    def calls(
        self,
        *,
        since: float | None = None,
        until: float | None = None,
        actors: Iterable[str] | None = None,
    ) -> list[Call]:
        """The calls sent in [since, until) (monotonic times), optionally only some actors'."""
        with self._lock:
            calls = list(self.record)
        wanted = set(actors) if actors is not None else None
        return [
            c
            for c in calls
            if (since is None or c.started >= since)
            and (until is None or c.started < until)
            and (wanted is None or c.actor in wanted)
        ]

    def failures(self, **where) -> list[Call]:
        return [c for c in self.calls(**where) if not c.ok]

    def created(self) -> list[Call]:
        """The adds api accepted (201), each with its URL and the id api gave it."""
        return [c for c in self.calls() if c.action == "create" and c.status == 201]

    def summary(self, failures: int = 15) -> str:
        """The marks, what each actor got how often, and the first failures in full."""
        calls = self.calls()
        lines = [f"{len(calls)} calls by {len(self._actors)} actors ({self.run})"]
        lines += [f"  {clock(m.at)} {m.label}" for m in self.marks]
        outcomes = Counter(
            (
                c.actor,
                c.action,
                c.status if c.status is not None else (c.error or "?").split(":")[0],
            )
            for c in calls
        )
        lines += [
            f"  {actor}/{action}: {outcome} x{count}"
            for (actor, action, outcome), count in sorted(outcomes.items(), key=str)
        ]
        failed = [c for c in calls if not c.ok]
        if failed:
            lines.append(f"  {len(failed)} failed; the first {min(failures, len(failed))}:")
            lines += [f"    {c.describe()}" for c in failed[:failures]]
        return "\n".join(lines)

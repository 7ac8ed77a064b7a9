"""check_links (daily): look at every bookmark's page and tell api which ones answer.

HEAD first (cheap); a server that answers HEAD with an error gets a GET (many refuse HEAD).
A 4xx or 5xx answer, a name that does not resolve, or no connection is a failed check; api
marks a link broken after two failed checks in a row. Addresses the fetcher refuses (a home
lab's private hosts) are not checked at all. Bookmarks checked in the last `min_age_hours`
(default 20) are skipped, so a retried or repeated run does not count a failure twice.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from shelf_fetch import FetchFailed, FetchPolicy, FetchRefused, fetch
from shelf_kit.db import utcnow

from ..registry import JobContext, Registry

PAGE = 100
AT_ONCE = 8
GET_BYTES = 64 * 1024


class Stopped(Exception):
    """The job was cancelled or ran out of time between pages."""


def check(url: str, policy: FetchPolicy) -> tuple[bool, int | None, str | None] | None:
    """(ok, status, error) for `url`, or None when it may not be checked."""
    try:
        response = fetch(url, policy, method="HEAD")
        if response.status >= 400:
            response = fetch(url, policy, method="GET", max_bytes=GET_BYTES)
    except FetchRefused:
        return None
    except FetchFailed as failed:
        return False, None, failed.reason
    if response.status >= 400:
        return False, response.status, f"answered {response.status}"
    return True, response.status, None


def _recent(bookmark: dict[str, Any], since: datetime) -> bool:
    checked = bookmark.get("last_checked_at")
    if not checked:
        return False
    try:
        return datetime.fromisoformat(checked.replace("Z", "+00:00")) >= since
    except ValueError:
        return False


def check_links(job: JobContext) -> dict[str, Any]:
    api = job.services.api
    policy = replace(FetchPolicy.from_config(job.config), max_redirects=10)
    since = utcnow() - timedelta(hours=float(job.args.get("min_age_hours", 20)))
    counts = {"checked": 0, "failed": 0, "broken": 0, "skipped": 0}
    after_id = 0
    with ThreadPoolExecutor(AT_ONCE, thread_name_prefix="check-links") as pool:
        while after_id is not None:
            if job.should_stop:
                raise Stopped(f"stopped after checking {counts['checked']} links")
            page = api.bookmarks(after_id=after_id, limit=PAGE)
            due = [bookmark for bookmark in page["results"] if not _recent(bookmark, since)]
            counts["skipped"] += len(page["results"]) - len(due)
            outcomes = pool.map(lambda bookmark: check(bookmark["url"], policy), due)
            for bookmark, outcome in zip(due, outcomes, strict=True):
                if outcome is None:
                    counts["skipped"] += 1
                    continue
                ok, status, error = outcome
                answer = api.report_link_check(bookmark["id"], ok=ok, status=status, error=error)
                counts["checked"] += 1
                counts["failed"] += not ok
                counts["broken"] += bool(answer.get("is_broken"))
            after_id = page.get("next_after_id")
            job.progress(0 if after_id else 100, f"checked {counts['checked']} links")
    return counts


def register(registry: Registry) -> None:
    registry.handler("check_links", time_limit=4 * 3600, max_attempts=3)(check_links)

"""fetch_metadata {"bookmark_id"} or {"bookmark_ids": [...]} (contract C10): load bookmarks'
pages and tell api what they say.

One bookmark: a page that cannot be fetched (DNS, refused, timeout) fails the attempt, which
is retried. A batch (up to 500, api's large imports send one per batch) fetches each page in
turn, each best effort: a page that fails is recorded in the result and neither fails nor
repeats the others. A batch that runs short of time hands the bookmarks it has not reached to a
new job and completes, so no page is fetched twice and none is dropped.
"""

from __future__ import annotations

from typing import Any

from shelf_fetch import FetchFailed, FetchPolicy, FetchRefused, fetch_page
from shelf_http import ServiceRejected

from .. import jobs
from ..registry import JobContext, PermanentError, Registry
from .args import int_arg

MAX_BATCH = 500
TIME_LIMIT = 1800  # a batch's pages one after another; a single page needs far less
SPARE_SECONDS = 15  # what a page needs beyond its fetch: api's answers


def fetch_one(job: JobContext, bookmark_id: int, policy: FetchPolicy) -> dict[str, Any]:
    api = job.services.api
    bookmark = api.bookmark(bookmark_id)
    if bookmark is None:
        return {"skipped": "the bookmark was deleted"}
    url = bookmark["url"]
    try:
        # Failing to connect (DNS, refused, timeout) raises FetchFailed.
        fetched = fetch_page(url, policy)
    except FetchRefused as refused:
        # An address inside Shelf's network, or not http(s): never fetched, never retried. The
        # reason names no address (shelf-fetch logs which one).
        job.log.warning(
            "fetch refused: %s",
            refused.reason,
            extra={"bookmark_id": bookmark_id, "job_id": job.id},
        )
        return {"fetched": False, "url": url, "reason": refused.reason}
    response, page = fetched.response, fetched.metadata
    if page is None:  # an error status, or not a web page
        return {"fetched": False, "url": url, "status": response.status, "reason": fetched.problem}
    update = {key: value for key, value in page.as_dict().items() if value is not None}
    try:
        api.write_metadata(bookmark_id, {**update, "url": url})
    except ServiceRejected as rejected:
        if rejected.status == 409:
            return {"skipped": "the bookmark's URL changed since; a newer job fetches it"}
        if rejected.status == 404:
            return {"skipped": "the bookmark was deleted"}
        raise
    return {
        "fetched": True,
        "url": url,
        "final_url": response.url,
        "status": response.status,
        "title": page.title,
        "truncated": response.truncated,
    }


def bookmark_ids(args: dict[str, Any]) -> list[int]:
    ids = args.get("bookmark_ids")
    if (
        not isinstance(ids, list)
        or not 1 <= len(ids) <= MAX_BATCH
        or any(isinstance(i, bool) or not isinstance(i, int) for i in ids)
    ):
        raise PermanentError(f"args.bookmark_ids must be a list of 1 to {MAX_BATCH} integers")
    return list(dict.fromkeys(ids))


def fetch_metadata(job: JobContext) -> dict[str, Any]:
    policy = FetchPolicy.from_config(job.config)
    if "bookmark_ids" not in job.args:
        return fetch_one(job, int_arg(job.args, "bookmark_id"), policy)
    ids = bookmark_ids(job.args)
    pages: dict[str, Any] = {}
    for done, bookmark_id in enumerate(ids):
        if job.cancelled.is_set():  # nothing this returns is recorded: just stop
            return {"pages": pages, "stopped": "cancelled"}
        if job.seconds_left < policy.timeout + SPARE_SECONDS:
            return {
                "pages": pages,
                "rest": ids[done:],
                "continued_in": continue_later(job, ids[done:]),
            }
        try:
            pages[str(bookmark_id)] = fetch_one(job, bookmark_id, policy)
        except (FetchFailed, ServiceRejected) as failed:
            pages[str(bookmark_id)] = {"fetched": False, "reason": str(failed)[:300]}
        job.progress(100 * (done + 1) // len(ids), f"{done + 1} of {len(ids)} pages")
    return {"pages": pages}


def continue_later(job: JobContext, rest: list[int]) -> int:
    """A job for the bookmarks this one did not reach (once: the key names this job)."""
    with job.services.database.sessions() as session:
        follow_up, _created = jobs.enqueue(
            session,
            kind="fetch_metadata",
            args={"bookmark_ids": rest},
            max_attempts=job.max_attempts,
            priority=job.priority,
            created_by=job.created_by,
            idempotency_key=f"fetch_metadata:{job.id}:rest",
        )
        return follow_up.id


def register(registry: Registry) -> None:
    registry.handler("fetch_metadata", time_limit=TIME_LIMIT, max_attempts=5)(fetch_metadata)

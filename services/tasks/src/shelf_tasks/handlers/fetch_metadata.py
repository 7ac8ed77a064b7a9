"""fetch_metadata {"bookmark_id"}: load a bookmark's page and tell api what it says."""

from __future__ import annotations

from typing import Any

from shelf_fetch import FetchPolicy, FetchRefused, fetch_page
from shelf_http import ServiceRejected

from ..registry import JobContext, Registry
from .args import int_arg


def fetch_metadata(job: JobContext) -> dict[str, Any]:
    bookmark_id = int_arg(job.args, "bookmark_id")
    api = job.services.api
    bookmark = api.bookmark(bookmark_id)
    if bookmark is None:
        return {"skipped": "the bookmark was deleted"}
    url = bookmark["url"]
    try:
        # Failing to connect (DNS, refused, timeout) raises FetchFailed: the job is retried.
        fetched = fetch_page(url, FetchPolicy.from_config(job.config))
    except FetchRefused as refused:
        # An address inside Shelf's network, or not http(s): never fetched, never retried.
        job.log.warning("fetch refused: %s", refused.reason,
                        extra={"bookmark_id": bookmark_id, "job_id": job.id})
        return {"fetched": False, "url": url, "reason": refused.reason}
    response, page = fetched.response, fetched.metadata
    if page is None:  # an error status, or not a web page
        return {"fetched": False, "url": url, "status": response.status,
                "reason": fetched.problem}
    update = {key: value for key, value in page.as_dict().items() if value is not None}
    try:
        api.write_metadata(bookmark_id, {**update, "url": url})
    except ServiceRejected as rejected:
        if rejected.status == 409:
            return {"skipped": "the bookmark's URL changed since; a newer job fetches it"}
        if rejected.status == 404:
            return {"skipped": "the bookmark was deleted"}
        raise
    return {"fetched": True, "url": url, "final_url": response.url, "status": response.status,
            "title": page.title, "truncated": response.truncated}


def register(registry: Registry) -> None:
    registry.handler("fetch_metadata", time_limit=60, max_attempts=5)(fetch_metadata)

"""import_bookmarks {"import_id"}: drive a large import at api, batch by batch, reporting
progress. api keeps the cursor, so a retry (or a second worker after a crash) resumes."""

from __future__ import annotations

from typing import Any

from shelf_http import ServiceRejected

from ..registry import JobContext, Registry
from .args import int_arg

BATCH = 500
STALLS = 3  # answers in a row without progress before the attempt fails


class Stalled(Exception):
    """api keeps answering without importing anything."""


def import_bookmarks(job: JobContext) -> dict[str, Any]:
    import_id = int_arg(job.args, "import_id")
    size = int(job.args.get("batch_size", BATCH))
    last, stalls = -1, 0
    while True:
        try:
            answer = job.services.api.import_batch(import_id, size=size)
        except ServiceRejected as rejected:
            if rejected.status == 404:
                return {"skipped": "the import was deleted"}
            raise
        processed, total, done = answer["processed"], answer["total"], answer["done"]
        percent = 100 if done else (100 * processed // total if total else 0)
        job.progress(percent, f"{processed} of {total} bookmarks imported")
        if done:
            return {"processed": processed, "total": total}
        stalls = stalls + 1 if processed <= last else 0
        if stalls >= STALLS:
            raise Stalled(f"the import stopped at {processed} of {total}")
        last = processed
        if job.should_stop:
            raise Stalled(f"stopped at {processed} of {total} (cancelled or out of time)")


def register(registry: Registry) -> None:
    registry.handler("import_bookmarks", time_limit=3600, max_attempts=5)(import_bookmarks)

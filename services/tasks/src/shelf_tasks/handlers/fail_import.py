"""fail_import {"import_id", "detail"} (contract C3): tell api an import's job gave up.

Enqueued by tasks itself, in the transaction that discards or cancels an `import_bookmarks`
job (see endings.py), so the import ends `failed` with a reason people can read instead of
staying `running`. api's endpoint is idempotent and leaves a finished import as it is.
"""

from __future__ import annotations

from typing import Any

from shelf_http import ServiceRejected

from ..registry import JobContext, Registry
from .args import int_arg, str_arg


def fail_import(job: JobContext) -> dict[str, Any]:
    import_id = int_arg(job.args, "import_id")
    detail = str_arg(job.args, "detail")
    try:
        job.services.api.fail_import(import_id, detail)
    except ServiceRejected as rejected:
        if rejected.status == 404:
            return {"skipped": "the import was deleted"}
        raise
    return {"import_id": import_id, "failed": True}


def register(registry: Registry) -> None:
    registry.handler("fail_import", time_limit=60, max_attempts=10)(fail_import)

"""backup (nightly): every owner's bookmarks exported (JSON and Netscape HTML) into a new
folder under SHELF_BACKUP_DIR; only the last SHELF_BACKUP_KEEP backups are kept.

A backup is written into a hidden `.partial` folder and renamed when complete, so a crash never
leaves a half backup that looks whole, and the folder is named after the job: a retry of the
same job rewrites its own folder, never a second one.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from shelf_kit.db import utcnow

from ..registry import JobContext, Registry

PREFIX = "shelf-backup-"
FORMATS = ("json", "html")


def backup(job: JobContext) -> dict[str, Any]:
    folder = Path(job.config["SHELF_BACKUP_DIR"])
    keep = max(1, int(job.config["SHELF_BACKUP_KEEP"]))
    name = f"{PREFIX}{job.created_at:%Y%m%dT%H%M%SZ}-job{job.id}"
    final = folder / name
    if final.exists():
        return {"folder": str(final), "skipped": "this job's backup is complete already"}
    partial = folder / f".{name}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    owners = job.services.api.owner_ids()
    for done, owner in enumerate(owners, start=1):
        for format in FORMATS:
            (partial / f"owner-{owner}.{format}").write_bytes(
                job.services.api.export(owner, format)
            )
        job.progress(100 * done // len(owners), f"{done} of {len(owners)} owners exported")
    (partial / "manifest.json").write_text(
        json.dumps(
            {
                "job_id": job.id,
                "written_at": utcnow().isoformat(),
                "owners": owners,
                "formats": list(FORMATS),
            },
            indent=2,
        )
    )
    partial.rename(final)
    removed = prune(folder, keep)
    return {"folder": str(final), "owners": len(owners), "removed": removed}


def prune(folder: Path, keep: int) -> list[str]:
    """Delete all but the newest `keep` complete backups; the names of those deleted."""
    backups = sorted(
        path for path in folder.iterdir() if path.is_dir() and path.name.startswith(PREFIX)
    )
    old = backups[:-keep] if len(backups) > keep else []
    for path in old:
        shutil.rmtree(path)
    return [path.name for path in old]


def register(registry: Registry) -> None:
    registry.handler("backup", time_limit=3600, max_attempts=3)(backup)

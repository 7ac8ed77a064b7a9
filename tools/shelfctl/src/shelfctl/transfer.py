"""`shelfctl import` and `shelfctl export`: api's /api/bookmarks/import/ and /export/.

Both work on the bookmarks of the account shelfctl logs in as. A large import (more bookmarks
than api's SHELF_API_IMPORT_JOB_THRESHOLD) is answered 202 and run by a tasks job; shelfctl
follows it with a progress bar until it is done, or fails if the job fails.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import click

from .cli import Context, cli, pass_context
from .errors import Failure, UsageProblem
from .output import size
from .shelf import Shelf

POLL_SECONDS = 0.5
JOB_POLL_SECONDS = 2.0
TRANSFER_TIMEOUT = 300.0  # reading and writing a whole file may take longer than a call
STOPPED = ("discarded", "cancelled")


def summary(answer: dict[str, Any], name: str) -> str:
    skipped = answer.get("skipped") or []
    text = (
        f"imported {answer.get('total', 0)} bookmarks from {name} "
        f"({answer.get('format', '?')}): {answer.get('created', 0)} created, "
        f"{answer.get('updated', 0)} updated"
    )
    return text + (f", {len(skipped)} entries skipped" if skipped else "")


@cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path))
@click.option(
    "--folders-as-tags/--no-folders-as-tags",
    default=True,
    show_default=True,
    help="Tag bookmarks with the names of the folders they are in.",
)
@click.option(
    "--wait/--no-wait",
    default=True,
    show_default=True,
    help="Follow a large import's job until it is done.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=600,
    show_default=True,
    help="Seconds to follow a large import before giving up waiting.",
)
@pass_context
def import_file(
    context: Context, file: Path, folders_as_tags: bool, wait: bool, timeout: float
) -> None:
    """Import a bookmark FILE (Netscape HTML, Pocket HTML, Pinboard JSON or Shelf JSON).

    Duplicates merge by URL. A file api cannot read is refused whole, naming the line."""
    shelf = context.shelf
    try:
        with file.open("rb") as content:
            response = shelf.call(
                "api",
                "POST",
                "/api/bookmarks/import/",
                files={"file": (file.name, content)},
                data={"folders_as_tags": "true" if folders_as_tags else "false"},
                timeout=(2.0, max(shelf.config.timeout, TRANSFER_TIMEOUT)),
            )
    except OSError as error:
        raise UsageProblem(f"cannot read {file}: {error.strerror}") from None
    answer = response.json()
    for skipped in answer.get("skipped") or []:
        click.echo(f"skipped: {_skipped(skipped)}", err=True)
    if response.status_code != 202:
        click.echo(summary(answer, file.name))
        return
    record = answer.get("import") or {}
    if not wait:
        click.echo(
            f"import {record.get('id')} of {answer.get('total')} bookmarks started "
            f"as a job; it goes on without shelfctl"
        )
        return
    done = follow(shelf, record, timeout)
    click.echo(summary({**answer, **done}, file.name))


def _skipped(item: Any) -> str:
    if isinstance(item, dict):
        where = item.get("line")
        reason = item.get("reason") or item.get("error") or item.get("detail") or item
        return f"line {where}: {reason}" if where is not None else str(reason)
    return str(item)


def follow(shelf: Shelf, record: dict[str, Any], timeout: float) -> dict[str, Any]:
    """Poll the import at api (and its job at tasks) until it is done; show the progress."""
    import_id = record["id"]
    total = int(record.get("total") or 0)
    deadline = time.monotonic() + timeout
    next_job_check = 0.0
    reporter = Progress(import_id, total)
    try:
        while True:
            reporter.show(int(record.get("processed") or 0))
            if record.get("state") == "done":
                reporter.finish()
                return record
            if record.get("state") == "failed":
                raise Failure(
                    f"import {import_id} failed at {record.get('processed')} of {total} bookmarks"
                )
            now = time.monotonic()
            if record.get("job_id") and now >= next_job_check:
                check_job(shelf, record)
                next_job_check = now + JOB_POLL_SECONDS
            if now > deadline:
                job = (
                    f" (tasks job {record['job_id']})"
                    if record.get("job_id")
                    else " (tasks has not taken its job yet)"
                )
                raise Failure(
                    f"import {import_id} is still running after {timeout:g} s"
                    f"{job}: it goes on without shelfctl"
                )
            time.sleep(POLL_SECONDS)
            record = shelf.json("api", "GET", f"/api/bookmarks/import/{import_id}/")
    finally:
        reporter.close()


def check_job(shelf: Shelf, record: dict[str, Any]) -> None:
    """Fail when the import's job at tasks stopped for good (api cannot know). tasks being
    unreachable is not a failure of the import: api's progress goes on being followed."""
    job_id = record["job_id"]
    try:
        job = shelf.json("tasks", "GET", f"/v1/jobs/{job_id}", retries=0)
    except Failure:
        return
    if job.get("state") in STOPPED:
        errors = job.get("errors") or []
        why = f": {errors[-1].get('error')}" if errors and isinstance(errors[-1], dict) else ""
        raise Failure(
            f"import {record['id']} stopped at {record.get('processed')} of "
            f"{record.get('total')} bookmarks: its job {job_id} was "
            f"{job['state']}{why} (`shelfctl jobs retry {job_id}` runs it again)"
        )


class Progress:
    """A progress bar on a terminal; elsewhere a line each time the count moves."""

    def __init__(self, import_id: int, total: int) -> None:
        self.import_id = import_id
        self.total = total
        self.shown = -1
        self.bar = None
        if sys.stderr.isatty():
            self.bar = click.progressbar(
                length=max(total, 1),
                label=f"import {import_id}",
                show_pos=True,
                show_percent=True,
                file=sys.stderr,
            )
            self.bar.__enter__()

    def show(self, processed: int) -> None:
        if processed == self.shown:
            return
        if self.bar is not None:
            self.bar.update(processed - max(self.shown, 0))
        else:
            percent = 100 * processed // self.total if self.total else 100
            click.echo(
                f"import {self.import_id}: {processed} of {self.total} bookmarks ({percent}%)",
                err=True,
            )
        self.shown = processed

    def finish(self) -> None:
        self.show(self.total)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@cli.command("export")
@click.option(
    "--format",
    "format_",
    type=click.Choice(["html", "json", "csv"]),
    default="html",
    show_default=True,
    help="Netscape HTML (re-importable into browsers and linkding), JSON or CSV.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write to this file instead of stdout.",
)
@pass_context
def export(context: Context, format_: str, output: Path | None) -> None:
    """All your bookmarks (archived ones too) as a file."""
    shelf = context.shelf
    response = shelf.call(
        "api",
        "GET",
        "/api/bookmarks/export/",
        params={"format": format_},
        timeout=(2.0, max(shelf.config.timeout, TRANSFER_TIMEOUT)),
    )
    body = response.content
    if output is None or str(output) == "-":
        sys.stdout.buffer.write(body)
        sys.stdout.buffer.flush()
        return
    try:
        output.write_bytes(body)
    except OSError as error:
        raise UsageProblem(f"cannot write {output}: {error.strerror}") from None
    click.echo(f"wrote {size(len(body))} of {format_} to {output}", err=True)

"""`shelfctl jobs ...` and `shelfctl schedules ...`: tasks' /v1/jobs, /v1/schedules, /v1/stats.

Listing jobs works for anyone (a user sees the jobs they caused); everything else needs an
admin.
"""

from __future__ import annotations

from typing import Any

import click

from .cli import Context, cli, pass_context
from .errors import Failure
from .output import cell, echo_json, echo_table, fields

STATES = ["scheduled", "available", "running", "retryable", "completed", "discarded", "cancelled"]
JOB_HEADERS = ["ID", "KIND", "STATE", "ATTEMPT", "PROGRESS", "RUN AT", "CREATED BY", "LAST ERROR"]


def last_error(job: dict[str, Any]) -> str | None:
    errors = job.get("errors") or []
    return errors[-1].get("error") if errors and isinstance(errors[-1], dict) else None


def job_row(job: dict[str, Any]) -> list[Any]:
    return [
        job.get("id"),
        job.get("kind"),
        job.get("state"),
        f"{job.get('attempt')}/{job.get('max_attempts')}",
        f"{job.get('progress', 0)}%",
        job.get("run_at"),
        job.get("created_by"),
        last_error(job),
    ]


@cli.group()
def jobs() -> None:
    """Deferred jobs at tasks: list, show, retry, cancel, stats."""


@jobs.command("list")
@click.option("--state", type=click.Choice(STATES), help="Only jobs in this state.")
@click.option("--kind", help="Only jobs of this kind (e.g. import_bookmarks).")
@click.option("--queue", help="Only jobs in this queue.")
@click.option(
    "--limit",
    type=click.IntRange(1, 500),
    default=50,
    show_default=True,
    help="At most this many, newest first.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@pass_context
def list_jobs(
    context: Context,
    state: str | None,
    kind: str | None,
    queue: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """Jobs, newest first."""
    params = {"state": state, "kind": kind, "queue": queue, "limit": limit}
    page = context.shelf.json(
        "tasks", "GET", "/v1/jobs", params={k: v for k, v in params.items() if v is not None}
    )
    if as_json:
        echo_json(page)
        return
    echo_table(JOB_HEADERS, [job_row(job) for job in page["results"]])
    if page["total"] > len(page["results"]):
        click.echo(f"{len(page['results'])} of {page['total']} jobs shown (--limit)", err=True)


@jobs.command("show")
@click.argument("job_id", type=click.IntRange(min=1), metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def show_job(context: Context, job_id: int, as_json: bool) -> None:
    """One job, with every failed attempt's error."""
    job = context.shelf.json("tasks", "GET", f"/v1/jobs/{job_id}")
    if as_json:
        echo_json(job)
        return
    click.echo(
        fields(
            [
                ("id", job.get("id")),
                ("kind", job.get("kind")),
                ("args", job.get("args")),
                ("state", job.get("state")),
                ("attempt", f"{job.get('attempt')}/{job.get('max_attempts')}"),
                (
                    "progress",
                    f"{job.get('progress', 0)}% {job.get('progress_message') or ''}".strip(),
                ),
                ("queue", job.get("queue")),
                ("priority", job.get("priority")),
                ("run at", job.get("run_at")),
                ("created by", job.get("created_by")),
                ("created", job.get("created_at")),
                ("finished", job.get("finished_at")),
                ("result", job.get("result")),
            ]
        )
    )
    for error in job.get("errors") or []:
        click.echo(
            f"attempt {error.get('attempt')} at {cell(error.get('at'))}: {cell(error.get('error'))}"
        )


def transition(context: Context, job_id: int, action: str) -> None:
    job = context.shelf.json("tasks", "POST", f"/v1/jobs/{job_id}/{action}")
    click.echo(f"job {job['id']} ({job.get('kind')}) is now {job.get('state')}")


@jobs.command()
@click.argument("job_id", type=click.IntRange(min=1), metavar="ID")
@pass_context
def retry(context: Context, job_id: int) -> None:
    """Run job ID again now (a discarded or cancelled job gets one more attempt)."""
    transition(context, job_id, "retry")


@jobs.command()
@click.argument("job_id", type=click.IntRange(min=1), metavar="ID")
@pass_context
def cancel(context: Context, job_id: int) -> None:
    """Cancel job ID, waiting or running."""
    transition(context, job_id, "cancel")


@jobs.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def stats(context: Context, as_json: bool) -> None:
    """Jobs by state and kind, the last hour's throughput, the longest-waiting job."""
    data = context.shelf.json("tasks", "GET", "/v1/stats")
    if as_json:
        echo_json(data)
        return
    oldest = data.get("oldest_waiting")
    click.echo(
        fields(
            [
                *((state, count) for state, count in sorted(data.get("by_state", {}).items())),
                ("completed in the last hour", data.get("completed_last_hour")),
                ("discarded in the last hour", data.get("discarded_last_hour")),
                (
                    "longest waiting",
                    f"job {oldest['id']} ({oldest['kind']}), due for {oldest['age_seconds']:.0f} s"
                    if oldest
                    else None,
                ),
            ]
        )
    )


# -- schedules ---------------------------------------------------------------------------------


@cli.group()
def schedules() -> None:
    """Cron schedules at tasks (UTC): list, enable, disable. Needs an admin."""


def all_schedules(context: Context) -> list[dict[str, Any]]:
    return context.shelf.json("tasks", "GET", "/v1/schedules")["results"]


@schedules.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@pass_context
def list_schedules(context: Context, as_json: bool) -> None:
    """Every schedule, with its next and last fire."""
    found = all_schedules(context)
    if as_json:
        echo_json(found)
        return
    echo_table(
        ["ID", "NAME", "KIND", "CRON", "ENABLED", "NEXT FIRE", "LAST FIRE", "LAST JOB"],
        [
            [
                s.get("id"),
                s.get("name"),
                s.get("kind"),
                s.get("cron"),
                s.get("enabled"),
                s.get("next_fire_at"),
                s.get("last_fire_at"),
                s.get("last_job_id"),
            ]
            for s in found
        ],
    )


def find_schedule(context: Context, ref: str) -> int:
    """A schedule's id from its id or its name."""
    found = all_schedules(context)
    for schedule in found:
        if schedule.get("name") == ref:
            return schedule["id"]
    if ref.isdigit():
        return int(ref)
    names = ", ".join(s.get("name", "?") for s in found) or "none"
    raise Failure(f"not found: no schedule named {ref!r} (schedules: {names})")


def switch(context: Context, ref: str, enabled: bool) -> None:
    schedule_id = find_schedule(context, ref)
    schedule = context.shelf.json(
        "tasks", "PATCH", f"/v1/schedules/{schedule_id}", json={"enabled": enabled}
    )
    state = "enabled" if schedule.get("enabled") else "disabled"
    nxt = f"; next fire {cell(schedule.get('next_fire_at'))} UTC" if schedule.get("enabled") else ""
    click.echo(f"schedule {schedule.get('name')!r} (id {schedule['id']}) is {state}{nxt}")


@schedules.command()
@click.argument("ref", metavar="SCHEDULE")
@pass_context
def enable(context: Context, ref: str) -> None:
    """Turn SCHEDULE (its id or name) on: it fires from its next time on."""
    switch(context, ref, True)


@schedules.command()
@click.argument("ref", metavar="SCHEDULE")
@pass_context
def disable(context: Context, ref: str) -> None:
    """Turn SCHEDULE (its id or name) off."""
    switch(context, ref, False)

"""tasks: jobs and schedules (administrators), and the progress of a user's own job."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from . import as_user

JOB_STATES = (
    "scheduled",
    "available",
    "running",
    "retryable",
    "completed",
    "discarded",
    "cancelled",
)
WAITING = ("scheduled", "available", "retryable")


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _items(body: Any) -> list[dict[str, Any]]:
    """A list answer: tasks' {"results": [...]} (or {"items": [...]})."""
    if isinstance(body, list):
        found = body
    elif isinstance(body, dict):
        given = body.get("results", body.get("items", []))
        found = given if isinstance(given, list) else []
    else:
        found = []
    return [item for item in found if isinstance(item, dict)]


@dataclass(frozen=True)
class Job:
    id: int
    kind: str
    state: str
    attempt: int
    max_attempts: int
    progress: int
    progress_message: str
    errors: list[dict[str, Any]]
    result: Any
    args: dict[str, Any]
    created_by: int | None
    run_at: str
    created_at: str
    finished_at: str | None

    @classmethod
    def from_answer(cls, body: dict[str, Any]) -> Job:
        errors = [error for error in body.get("errors") or [] if isinstance(error, dict)]
        return cls(
            id=int(body["id"]),
            kind=str(body.get("kind") or ""),
            state=str(body.get("state") or ""),
            attempt=int(body.get("attempt") or 0),
            max_attempts=int(body.get("max_attempts") or 0),
            progress=int(body.get("progress") or 0),
            progress_message=str(body.get("progress_message") or ""),
            errors=errors,
            result=body.get("result"),
            args=_object(body.get("args")),
            created_by=body.get("created_by"),
            run_at=str(body.get("run_at") or ""),
            created_at=str(body.get("created_at") or ""),
            finished_at=body.get("finished_at"),
        )

    @property
    def can_retry(self) -> bool:
        return self.state in ("discarded", "cancelled", "retryable")

    @property
    def can_cancel(self) -> bool:
        return self.state in ("scheduled", "available", "retryable", "running")


@dataclass(frozen=True)
class JobPage:
    items: list[Job]
    total: int | None


def list_jobs(*, state: str, kind: str, limit: int, offset: int) -> JobPage:
    params: dict[str, Any] = {"limit": limit, "offset": offset}
    if state:
        params["state"] = state
    if kind:
        params["kind"] = kind
    body = as_user("tasks", "GET", "/v1/jobs", params=params).json()
    total = body.get("total") if isinstance(body, dict) else None
    return JobPage(
        items=[Job.from_answer(item) for item in _items(body)],
        total=int(total) if total is not None else None,
    )


def get_job(job_id: int) -> Job:
    return Job.from_answer(as_user("tasks", "GET", f"/v1/jobs/{job_id}").json())


def retry_job(job_id: int) -> None:
    as_user("tasks", "POST", f"/v1/jobs/{job_id}/retry")


def cancel_job(job_id: int) -> None:
    as_user("tasks", "POST", f"/v1/jobs/{job_id}/cancel")


@dataclass(frozen=True)
class Schedule:
    id: int
    name: str
    kind: str
    cron: str
    enabled: bool
    next_run_at: str | None = None

    @classmethod
    def from_answer(cls, body: dict[str, Any]) -> Schedule:
        return cls(
            id=int(body["id"]),
            name=str(body.get("name") or ""),
            kind=str(body.get("kind") or ""),
            cron=str(body.get("cron") or ""),
            enabled=bool(body.get("enabled")),
            next_run_at=body.get("next_fire_at") or body.get("next_run_at"),
        )


def list_schedules() -> list[Schedule]:
    return [
        Schedule.from_answer(item)
        for item in _items(as_user("tasks", "GET", "/v1/schedules").json())
    ]


def get_schedule(schedule_id: int) -> Schedule:
    return Schedule.from_answer(as_user("tasks", "GET", f"/v1/schedules/{schedule_id}").json())


def update_schedule(schedule_id: int, **changes: Any) -> Schedule:
    answer = as_user("tasks", "PATCH", f"/v1/schedules/{schedule_id}", json=changes)
    return Schedule.from_answer(answer.json())


@dataclass(frozen=True)
class Stats:
    by_state: dict[str, int]
    by_kind: dict[str, int]
    completed_last_hour: int | None = None
    discarded_last_hour: int | None = None
    oldest_waiting_at: str | None = None
    generated_at: str | None = None
    throughput: list[tuple[str, int, int]] = field(default_factory=list)  # (start, done, failed)


def _counts(value: Any) -> dict[str, int]:
    if not isinstance(value, dict):
        return {}
    counts = {}
    for key, count in value.items():
        if isinstance(count, dict):  # by_kind: {"kind": {"state": n}} -> the kind's total
            count = sum(n for n in count.values() if isinstance(n, int))
        if isinstance(count, int):
            counts[str(key)] = count
    return counts


def _optional_int(value: Any) -> int | None:
    return value if isinstance(value, int) else None


def stats() -> Stats:
    body = as_user("tasks", "GET", "/v1/stats").json()
    oldest = body.get("oldest_waiting")
    if isinstance(oldest, dict):
        oldest = oldest.get("run_at")
    series = []
    for point in body.get("throughput") or []:  # a series, if tasks ever offers one
        if isinstance(point, dict):
            series.append(
                (
                    str(point.get("start") or ""),
                    int(point.get("completed") or 0),
                    int(point.get("failed") or 0),
                )
            )
    return Stats(
        by_state=_counts(body.get("by_state")),
        by_kind=_counts(body.get("by_kind")),
        completed_last_hour=_optional_int(body.get("completed_last_hour")),
        discarded_last_hour=_optional_int(body.get("discarded_last_hour")),
        oldest_waiting_at=oldest if isinstance(oldest, str) else None,
        generated_at=body.get("generated_at"),
        throughput=series,
    )


# How the dashboard's chart is drawn when /v1/stats has no series: the finish times of the
# latest finished jobs, in 5-minute bins over the last hour.
SERIES_BINS = 12
SERIES_MINUTES = 5
SERIES_SAMPLE = 500


def throughput_from_jobs(now: datetime) -> tuple[list[tuple[str, int, int]], bool]:
    """(start, completed, discarded) per bin, oldest first; and whether the sample of the
    latest SERIES_SAMPLE finished jobs of a state may have missed some of the hour."""
    width = timedelta(minutes=SERIES_MINUTES)
    start = now - width * SERIES_BINS
    bins = [[0, 0] for _ in range(SERIES_BINS)]
    partial = False
    for column, state in enumerate(("completed", "discarded")):
        page = list_jobs(state=state, kind="", limit=SERIES_SAMPLE, offset=0)
        partial = partial or (page.total or 0) > len(page.items)
        for job in page.items:
            finished = _time(job.finished_at)
            if finished is None or not start <= finished < now + timedelta(seconds=1):
                continue
            index = min(int((finished - start) / width), SERIES_BINS - 1)
            bins[index][column] += 1
    return [
        ((start + width * index).isoformat(), done, failed)
        for index, (done, failed) in enumerate(bins)
    ], partial


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def user_job_progress(job_id: int) -> Job:
    """A job the user caused (their import), which tasks lets them read."""
    return get_job(job_id)

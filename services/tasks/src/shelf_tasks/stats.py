"""What the admin dashboard shows about the queue (/v1/stats)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .jobs import WAITING_STATES
from .models import Job, JobState


def snapshot(session: Session, now: datetime) -> dict[str, Any]:
    """Jobs by state and by kind, throughput over the hour before `now`, and the job that has
    waited longest since it became due."""
    hour_ago = now - timedelta(hours=1)
    by_state = {state.value: 0 for state in JobState}
    by_kind: dict[str, dict[str, int]] = {}
    rows = session.execute(
        select(Job.kind, Job.state, func.count(Job.id)).group_by(Job.kind, Job.state)
    )
    for kind, state, count in rows:
        by_state[state] = by_state.get(state, 0) + count
        by_kind.setdefault(kind, {})[state] = count
    oldest = session.execute(
        select(Job.id, Job.kind, Job.run_at)
        .where(Job.state.in_(WAITING_STATES), Job.run_at <= now)
        .order_by(Job.run_at, Job.id)
        .limit(1)
    ).first()
    return {
        "by_state": by_state,
        "by_kind": by_kind,
        "completed_last_hour": _finished_since(session, JobState.COMPLETED, hour_ago),
        "discarded_last_hour": _finished_since(session, JobState.DISCARDED, hour_ago),
        "oldest_waiting": None
        if oldest is None
        else {
            "id": oldest.id,
            "kind": oldest.kind,
            "run_at": oldest.run_at,
            "age_seconds": round((now - oldest.run_at).total_seconds(), 3),
        },
        "generated_at": now,
    }


def _finished_since(session: Session, state: JobState, since: datetime) -> int:
    return (
        session.scalar(
            select(func.count(Job.id)).where(Job.state == state, Job.finished_at >= since)
        )
        or 0
    )

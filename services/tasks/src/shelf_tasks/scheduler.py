"""The scheduler process: wakes every few seconds and looks at the cron schedules.

This version reads the enabled schedules; turning each due fire into one job (a unique
schedule_fires row, so several schedulers never fire a tick twice) comes next, in `tick()`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from shelf_kit.db import Database

from .loop import Loop
from .models import Schedule

# Cron's resolution is a minute; waking every few seconds fires a tick a few seconds late at most.
INTERVAL = 5.0


class Scheduler(Loop):
    name = "scheduler"

    def __init__(self, *, database: Database, interval: float = INTERVAL,
                 ident: str | None = None) -> None:
        super().__init__(database=database, interval=interval, ident=ident)

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "database": self.database.url.get_backend_name()}

    def tick(self) -> None:
        with self.database.transaction() as session:
            enabled = session.scalar(
                select(func.count(Schedule.id)).where(Schedule.enabled.is_(True)))
        self.log.debug("%d schedules enabled", enabled,
                       extra={"scheduler_id": self.ident, "enabled": enabled})

"""/v1/schedules: the cron schedules, and turning them on, off, or to another time."""

from __future__ import annotations

from flask_smorest import Blueprint

from shelf_identity import allow
from shelf_kit.db import session, utcnow

from .. import errors
from ..models import Schedule
from ..schedules import by_name, last_fire, next_fire, validate_cron
from ..schemas.schedules import ScheduleListSchema, ScheduleSchema, ScheduleUpdateSchema

blp = Blueprint("schedules", __name__, description="Cron schedules (UTC)")


def describe(schedule: Schedule) -> dict:
    last = last_fire(session(), schedule.id)
    return {
        "id": schedule.id,
        "name": schedule.name,
        "kind": schedule.kind,
        "args": schedule.args,
        "cron": schedule.cron,
        "enabled": schedule.enabled,
        "next_fire_at": next_fire(schedule.cron, utcnow()) if schedule.enabled else None,
        "last_fire_at": last.fire_time if last else None,
        "last_job_id": last.job_id if last else None,
        "created_at": schedule.created_at,
        "updated_at": schedule.updated_at,
    }


def find(schedule_id: int) -> Schedule:
    schedule = session().get(Schedule, schedule_id)
    if schedule is None:
        raise errors.schedule_not_found(schedule_id)
    return schedule


@blp.route("/v1/schedules", methods=["GET"])
@allow(blp, "admin", "service")
@blp.response(200, ScheduleListSchema)
def list_schedules():
    """Every schedule, with its next and last fire (services and admins)."""
    schedules = by_name(session())
    return {"results": [describe(schedule) for schedule in schedules]}


@blp.route("/v1/schedules/<id:schedule_id>", methods=["GET"])
@allow(blp, "admin", "service")
@blp.response(200, ScheduleSchema)
@blp.alt_response(404, description="No such schedule")
def get_schedule(schedule_id):
    """One schedule (services and admins)."""
    return describe(find(schedule_id))


@blp.route("/v1/schedules/<id:schedule_id>", methods=["PATCH"])
@allow(blp, "admin", "service")
@blp.arguments(ScheduleUpdateSchema)
@blp.response(200, ScheduleSchema)
@blp.alt_response(404, description="No such schedule")
def update_schedule(data, schedule_id):
    """Enable or disable a schedule, or change its expression (services and admins).

    An edited or re-enabled schedule fires from its next time on; fires it missed before the
    edit are not made."""
    schedule = find(schedule_id)
    if "cron" in data:
        schedule.cron = validate_cron(data["cron"])
    if "enabled" in data:
        schedule.enabled = data["enabled"]
    if session().is_modified(schedule):
        schedule.updated_at = utcnow()
    session().commit()
    return describe(schedule)

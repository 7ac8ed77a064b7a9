"""The admin (administrators only): dashboard, users, jobs, schedules, health. auth and tasks
check the caller's token on every call too; the ui's own check is for a clear 403 page."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from shelf_http import ServiceRejected, ServiceUnavailable

from .. import rendering, sessions
from ..clients import api, auth, field_errors, problem_detail, tasks
from ..forms import ActionForm, AdminBookmarksForm, ScheduleForm, UserCreateForm
from ..sessions import admin_required
from .common import apply_errors, form_page, safe_next

blp = Blueprint("admin", __name__, url_prefix="/admin")
PAGE_SIZE = 25


def page_number() -> int:
    try:
        return max(1, int(request.args.get("page", "1")))
    except ValueError:
        return 1


def bookmark_stats() -> tuple[api.BookmarkStats | None, str | None]:
    """api's counts over everyone's bookmarks (broken links included), or which service is
    down: the dashboard's job figures still show without them."""
    try:
        return api.bookmark_stats(), None
    except ServiceUnavailable as error:
        return None, error.service


@blp.get("")
@admin_required
def dashboard():
    stats = tasks.stats()
    series, partial = stats.throughput, False
    if not series:
        now = rendering.parse_time(stats.generated_at) or datetime.now(UTC)
        series, partial = tasks.throughput_from_jobs(now)
    bookmarks, bookmarks_down = bookmark_stats()
    return render_template(
        "admin/dashboard.html",
        stats=stats,
        chart=rendering.throughput_bars(series),
        partial=partial,
        bookmarks=bookmarks,
        bookmarks_down=bookmarks_down,
        states=tasks.JOB_STATES,
    )


# -- users --------------------------------------------------------------------------------------


def users_page(
    status: int = 200, *, create_form: UserCreateForm | None = None, service_down: str | None = None
):
    q = request.args.get("q", "").strip()
    page = page_number()
    users, total = auth.list_users(q, PAGE_SIZE, (page - 1) * PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    return form_page(
        "admin/users.html",
        status,
        service_down=service_down,
        users=users,
        total=total,
        q=q,
        page=page,
        pages=pages,
        me=(sessions.current_user() or {}).get("id"),
        create_form=create_form or UserCreateForm(formdata=None),
        action_form=ActionForm(),
        page_url=lambda number: url_for("admin.users", q=q or None, page=number),
    )


@blp.get("/users")
@admin_required
def users():
    return users_page()


@blp.post("/users")
@admin_required
def create_user():
    form = UserCreateForm()
    if not form.validate_on_submit():
        return users_page(400, create_form=form)
    try:
        user = auth.create_user(
            form.username.data.strip(),
            form.password.data,
            (form.email.data or "").strip(),
            bool(form.is_admin.data),
        )
    except ServiceUnavailable as error:
        # auth is down: the list cannot be shown either; keep the form on a page of its own.
        return form_page("admin/user_new.html", form=form, service_down=error.service)
    except ServiceRejected as error:
        if error.status not in (400, 409, 422):
            raise
        apply_errors(form, error)
        return users_page(error.status, create_form=form)
    flash(f"Created {user.username}.", "ok")
    return redirect(url_for("admin.users", q=user.username))


USER_ACTIONS = {
    "deactivate": ({"is_active": False}, "{name} is deactivated and logged out everywhere."),
    "activate": ({"is_active": True}, "{name} can log in again."),
    "promote": ({"is_admin": True}, "{name} is an administrator now."),
    "demote": ({"is_admin": False}, "{name} is no longer an administrator."),
}


@blp.post("/users/<id:user_id>/<any(deactivate, activate, promote, demote, reset):action>")
@admin_required
def user_action(user_id: int, action: str):
    back = safe_next(request.form.get("next"), url_for("admin.users"))
    name = request.form.get("username") or f"User {user_id}"
    try:
        if action == "reset":
            flash(auth.force_password_reset(user_id), "ok")
        else:
            changes, message = USER_ACTIONS[action]
            user = auth.update_user(user_id, **changes)
            flash(message.format(name=user.username), "ok")
    except ServiceUnavailable as error:
        flash(f"The {error.service} service is down; {name} was not changed.", "bad")
    except ServiceRejected as error:
        if error.status == 404:
            abort(404, description="There is no such user.")
        if error.status not in (400, 409, 422):
            raise
        flash(problem_detail(error, "auth refused this change."), "bad")
    return redirect(back)


@blp.get("/bookmarks")
@admin_required
def bookmarks():
    """Everyone's bookmarks (api's admin listing): search, owner, broken and archive filters."""
    form = AdminBookmarksForm(request.args)
    if not form.validate():
        return render_template(
            "admin/bookmarks.html",
            form=form,
            result=api.Page(count=0),
            page=1,
            pages=1,
            page_url=None,
            search_error=None,
        ), 400
    filters = {
        "q": (form.q.data or "").strip(),
        "owner": (form.owner.data or "").strip(),
        "broken": form.broken.data or "off",
        "archived": form.archived.data or "off",
    }
    page = page_number()
    search_error = None
    try:
        result = api.everyones_bookmarks(**filters, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    except ServiceRejected as error:
        if error.status not in (400, 422):
            raise
        # api says what it cannot read in the field's messages (`errors.q`); its detail only
        # names the field.
        messages = field_errors(error)
        search_error = (messages.get("q") or next(iter(messages.values())))[0]
        result = api.Page(count=0)
    pages = max(1, -(-result.count // PAGE_SIZE))
    args: dict[str, Any] = {
        key: value for key, value in filters.items() if value and value != "off"
    }
    return render_template(
        "admin/bookmarks.html",
        form=form,
        result=result,
        page=page,
        pages=pages,
        search_error=search_error,
        page_url=lambda number: url_for("admin.bookmarks", **args, page=number),
        owner_url=lambda name: url_for("admin.bookmarks", **{**args, "owner": name}),
    ), 400 if search_error else 200


# -- jobs ---------------------------------------------------------------------------------------


@blp.get("/jobs")
@admin_required
def jobs():
    state = request.args.get("state", "")
    if state not in tasks.JOB_STATES:
        state = ""
    kind = request.args.get("kind", "").strip()[:100]
    page = page_number()
    result = tasks.list_jobs(state=state, kind=kind, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    pages = max(1, -(-result.total // PAGE_SIZE)) if result.total is not None else None
    has_next = (page < pages) if pages is not None else len(result.items) == PAGE_SIZE
    args: dict[str, Any] = {
        key: value for key, value in (("state", state), ("kind", kind)) if value
    }
    return render_template(
        "admin/jobs.html",
        result=result,
        state=state,
        kind=kind,
        page=page,
        pages=pages,
        has_next=has_next,
        states=tasks.JOB_STATES,
        action_form=ActionForm(),
        page_url=lambda number: url_for("admin.jobs", **args, page=number),
    )


@blp.get("/jobs/<id:job_id>")
@admin_required
def job(job_id: int):
    try:
        found = tasks.get_job(job_id)
    except ServiceRejected as error:
        if error.status == 404:
            abort(404, description="There is no such job.")
        raise
    return render_template("admin/job.html", job=found, action_form=ActionForm())


@blp.post("/jobs/<id:job_id>/<any(retry, cancel):action>")
@admin_required
def job_action(job_id: int, action: str):
    back = safe_next(request.form.get("next"), url_for("admin.job", job_id=job_id))
    try:
        (tasks.retry_job if action == "retry" else tasks.cancel_job)(job_id)
    except ServiceUnavailable as error:
        flash(f"The {error.service} service is down; job {job_id} was not changed.", "bad")
        return redirect(back)
    except ServiceRejected as error:
        if error.status == 404:
            abort(404, description="There is no such job.")
        if error.status not in (400, 409, 422):
            raise
        flash(problem_detail(error, f"tasks refused to {action} job {job_id}."), "bad")
        return redirect(back)
    flash(f"Job {job_id}: {'queued again' if action == 'retry' else 'cancelled'}.", "ok")
    return redirect(back)


# -- schedules ----------------------------------------------------------------------------------


@blp.get("/schedules")
@admin_required
def schedules():
    return render_template(
        "admin/schedules.html", schedules=tasks.list_schedules(), action_form=ActionForm()
    )


@blp.post("/schedules/<id:schedule_id>/<any(enable, disable):action>")
@admin_required
def schedule_toggle(schedule_id: int, action: str):
    try:
        schedule = tasks.update_schedule(schedule_id, enabled=action == "enable")
    except ServiceUnavailable as error:
        flash(f"The {error.service} service is down; the schedule was not changed.", "bad")
        return redirect(url_for("admin.schedules"))
    except ServiceRejected as error:
        if error.status == 404:
            abort(404, description="There is no such schedule.")
        raise
    flash(f"{schedule.name}: {'enabled' if schedule.enabled else 'disabled'}.", "ok")
    return redirect(url_for("admin.schedules"))


@blp.route("/schedules/<id:schedule_id>", methods=["GET", "POST"])
@admin_required
def schedule_edit(schedule_id: int):
    if request.method == "GET":
        try:
            schedule = tasks.get_schedule(schedule_id)
        except ServiceRejected as error:
            if error.status == 404:
                abort(404, description="There is no such schedule.")
            raise
        form = ScheduleForm(formdata=None, cron=schedule.cron, enabled=schedule.enabled)
        return form_page(
            "admin/schedule.html", form=form, schedule_id=schedule_id, schedule=schedule
        )
    form = ScheduleForm()
    context: dict[str, Any] = {"schedule_id": schedule_id, "schedule": None}
    if not form.validate_on_submit():
        return form_page("admin/schedule.html", 400, form=form, **context)
    try:
        schedule = tasks.update_schedule(
            schedule_id, cron=form.cron.data.strip(), enabled=bool(form.enabled.data)
        )
    except ServiceUnavailable as error:
        return form_page("admin/schedule.html", form=form, service_down=error.service, **context)
    except ServiceRejected as error:
        if error.status == 404:
            abort(404, description="There is no such schedule.")
        if error.status not in (400, 422):
            raise
        apply_errors(form, error)
        return form_page("admin/schedule.html", 422, form=form, **context)
    flash(f"{schedule.name}: saved.", "ok")
    return redirect(url_for("admin.schedules"))

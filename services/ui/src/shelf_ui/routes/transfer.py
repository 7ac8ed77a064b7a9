"""Import (upload, then a progress page fed by the import job) and export (downloads)."""

from __future__ import annotations

import re

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    session,
    url_for,
)

from shelf_http import ServiceRejected, ServiceUnavailable
from shelf_kit import upload_limit

from ..clients import api, field_errors, problem_detail, tasks
from ..forms import ImportForm
from ..sessions import login_required
from .common import apply_errors, form_page

blp = Blueprint("transfer", __name__)

EXPORT_FORMATS = {"html": "Netscape HTML (browsers, linkding)", "json": "JSON", "csv": "CSV"}
SUMMARY = "import_summary"
SUMMARY_SKIPPED = 5


def size_text(size: int) -> str:
    """A number of bytes as people say it: 50 MB, 1.5 MB, 900 KB."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f}".removesuffix(".0") + " MB"
    return f"{max(1, round(size / 1024))} KB"


def import_limit() -> int:
    return int(current_app.config["SHELF_UI_IMPORT_MAX_BYTES"])


def too_large(form: ImportForm, limit: int | None, *, service: str | None = None):
    """The import form again, saying the file is over the size limit (and whose)."""
    whose = f"the {service} service takes" if service else "Shelf takes"
    sized = f" of up to {size_text(limit)}" if limit else " no larger than this one"
    form.file.errors = [
        f"This file is too large: {whose} bookmark files{sized}. Export fewer "
        "bookmarks, or split the file."
    ]
    return form_page("import.html", 413, form=form, limit_text=size_text(import_limit()))


def refused_as_too_large(error: ServiceRejected) -> int | None:
    """The limit api named when it refused the upload as too large (0: named no number)."""
    if error.status == 413:
        detail = problem_detail(error, "")
        found = re.search(r"\((\d+) bytes\)", detail)
        return int(found.group(1)) if found else 0
    messages = field_errors(error).get("file", []) if error.status == 400 else []
    return 0 if any("too large" in message.lower() for message in messages) else None


@blp.route("/import", methods=["GET", "POST"])
@upload_limit("SHELF_UI_IMPORT_MAX_BYTES")
@login_required
def import_page():
    form = ImportForm()
    if not form.validate_on_submit():
        return form_page(
            "import.html",
            400 if form.errors else 200,
            form=form,
            limit_text=size_text(import_limit()),
        )
    upload = form.file.data
    data = upload.read(import_limit() + 1)
    if len(data) > import_limit():
        return too_large(form, import_limit())
    try:
        started = api.import_file(
            upload.filename or "bookmarks.html",
            data,
            folders_as_tags=bool(form.folders_as_tags.data),
        )
    except ServiceUnavailable as error:
        return form_page(
            "import.html",
            form=form,
            service_down=error.service,
            limit_text=size_text(import_limit()),
        )
    except ServiceRejected as error:
        if error.status not in (400, 413, 422):
            raise
        api_limit = refused_as_too_large(error)
        if api_limit is not None:
            # api's own limit is lower than the ui's: name it (its 413 counts the form too).
            return too_large(form, api_limit or None, service=error.service)
        apply_errors(form, error)
        return form_page("import.html", 400, form=form, limit_text=size_text(import_limit()))
    if started.import_id is not None:
        return redirect(url_for("transfer.progress", source="import", item_id=started.import_id))
    if started.job_id is not None:
        return redirect(url_for("transfer.progress", source="job", item_id=started.job_id))
    # Redirected to the summary, so reloading it does not send the file again. The session
    # cookie must stay small: the counts and the first few skipped lines travel in it.
    session[SUMMARY] = {
        "total": started.total,
        "created": started.created or 0,
        "updated": started.updated or 0,
        "skipped_count": len(started.skipped),
        "skipped": [
            {
                "line": item.get("line"),
                "url": str(item.get("url") or "")[:120],
                "reason": str(item.get("reason") or "")[:120],
            }
            for item in started.skipped[:SUMMARY_SKIPPED]
        ],
    }
    return redirect(url_for("transfer.import_done"))


@blp.get("/import/done")
@login_required
def import_done():
    summary = session.pop(SUMMARY, None)
    if summary is None:  # reloaded, or opened without an import
        return redirect(url_for("transfer.import_page"))
    return render_template("import_done.html", summary=summary)


def read_progress(source: str, item_id: int) -> api.Progress:
    """How far an import has got: from api's import record, or from the tasks job itself."""
    try:
        if source == "import":
            return api.import_progress(item_id)
        job = tasks.user_job_progress(item_id)
    except ServiceRejected as error:
        if error.status in (403, 404):
            abort(404, description="There is no such import of yours.")
        raise
    return api.Progress(
        state=job.state,
        total=100,
        processed=job.progress,
        message=job.progress_message,
        failed=job.state in ("discarded", "cancelled"),
    )


@blp.get("/import/<any(import, job):source>/<id:item_id>")
@login_required
def progress(source: str, item_id: int):
    """The progress page: refreshes itself (meta refresh, inside <noscript>) until done; with
    JavaScript, static/progress.js polls the JSON twin instead of reloading."""
    state = read_progress(source, item_id)
    return render_template(
        "import_progress.html",
        progress=state,
        source=source,
        item_id=item_id,
        poll_url=url_for("progress_api.import_progress", source=source, item_id=item_id),
    )


@blp.get("/export")
@login_required
def export_page():
    return render_template("export.html", formats=EXPORT_FORMATS)


@blp.get("/export/<fmt>")
@login_required
def export(fmt: str):
    if fmt not in EXPORT_FORMATS:
        abort(404)
    try:
        content, content_type, filename = api.export(fmt)
    except ServiceUnavailable as error:
        flash(f"The {error.service} service is down; try the export again in a moment.", "bad")
        return redirect(url_for("transfer.export_page")), 303
    return Response(
        content,
        content_type=content_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )

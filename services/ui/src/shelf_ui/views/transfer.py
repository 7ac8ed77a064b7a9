"""Import (upload, then a progress page fed by the import job) and export (downloads)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, session, url_for

from shelf_http import ServiceRejected, ServiceUnavailable
from shelf_kit import upload_limit

from ..clients import api, tasks
from ..forms import ImportForm
from ..sessions import login_required
from .common import apply_errors, form_page

blp = Blueprint("transfer", __name__)

EXPORT_FORMATS = {"html": "Netscape HTML (browsers, linkding)", "json": "JSON", "csv": "CSV"}
# Bigger than any bookmark file people have; api has its own limit and says so.
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
SUMMARY = "import_summary"
SUMMARY_SKIPPED = 5


@blp.route("/import", methods=["GET", "POST"])
@upload_limit(MAX_UPLOAD_BYTES)
@login_required
def import_page():
    form = ImportForm()
    if not form.validate_on_submit():
        return form_page("import.html", 400 if form.errors else 200, form=form)
    upload = form.file.data
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        form.file.errors = ["The file is too large."]
        return form_page("import.html", 413, form=form)
    try:
        started = api.import_file(upload.filename or "bookmarks.html", data,
                                  folders_as_tags=bool(form.folders_as_tags.data))
    except ServiceUnavailable as error:
        return form_page("import.html", form=form, service_down=error.service)
    except ServiceRejected as error:
        if error.status not in (400, 413, 422):
            raise
        apply_errors(form, error)
        return form_page("import.html", 400, form=form)
    if started.import_id is not None:
        return redirect(url_for("transfer.progress", source="import", item_id=started.import_id))
    if started.job_id is not None:
        return redirect(url_for("transfer.progress", source="job", item_id=started.job_id))
    # Redirected to the summary, so reloading it does not send the file again. The session
    # cookie must stay small: the counts and the first few skipped lines travel in it.
    session[SUMMARY] = {
        "total": started.total, "created": started.created or 0,
        "updated": started.updated or 0, "skipped_count": len(started.skipped),
        "skipped": [{"line": item.get("line"), "url": str(item.get("url") or "")[:120],
                     "reason": str(item.get("reason") or "")[:120]}
                    for item in started.skipped[:SUMMARY_SKIPPED]]}
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
    return api.Progress(state=job.state, total=100, processed=job.progress,
                        message=job.progress_message,
                        failed=job.state in ("discarded", "cancelled"))


@blp.get("/import/<any(import, job):source>/<id:item_id>")
@login_required
def progress(source: str, item_id: int):
    """The progress page: refreshes itself (meta refresh, inside <noscript>) until done; with
    JavaScript, static/progress.js polls the JSON twin instead of reloading."""
    state = read_progress(source, item_id)
    return render_template(
        "import_progress.html", progress=state, source=source, item_id=item_id,
        poll_url=url_for("progress_api.import_progress", source=source, item_id=item_id))


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
    return Response(content, content_type=content_type, headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store"})

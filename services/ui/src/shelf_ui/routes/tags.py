"""The tags page (api's /v1/tags): every tag with its number of bookmarks, searched, sorted and
paged; rename, merge into another tag, delete. Each change is asked first with the number of
bookmarks it touches (a page of its own: no script needed), then POSTed and redirected."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from shelf_http import ServiceRejected, ServiceUnavailable

from ..clients import api
from ..forms import ActionForm, TagMergeForm, TagNameForm
from ..sessions import login_required
from .bookmarks import page_number, tag_list_or_empty
from .common import apply_errors, form_page, found_or_404

blp = Blueprint("tags", __name__)

PAGE_SIZE = 50
SORT_LABELS = {
    "name": "Name A-Z",
    "-name": "Name Z-A",
    "-count": "Most bookmarks first",
    "count": "Fewest bookmarks first",
}


def bookmarks_text(count: int) -> str:
    return f"{count} bookmark{'' if count == 1 else 's'}"


def _tag_or_404(tag_id: int) -> api.Tag:
    return found_or_404(lambda: api.get_tag(tag_id), "tag")


def list_url(name: str) -> str:
    """The bookmark list filtered by a tag."""
    return url_for("bookmarks.index", q=f"#{name}")


@blp.get("/tags")
@login_required
def index():
    q = request.args.get("q", "").strip()[:64]
    sort = request.args.get("sort", "name")
    if sort not in api.TAG_SORTS:
        sort = "name"
    page = page_number()
    found = api.tags(q=q, sort=sort, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    pages = max(1, -(-found.count // PAGE_SIZE))
    kept: dict[str, Any] = {key: value for key, value in {"q": q, "sort": sort}.items() if value}
    return render_template(
        "tags.html",
        found=found,
        q=q,
        sort=sort,
        sort_labels=SORT_LABELS,
        page=page,
        pages=pages,
        page_url=lambda number: url_for("tags.index", **kept, page=number),
        list_url=list_url,
        bookmarks_text=bookmarks_text,
    )


@blp.route("/tags/<id:tag_id>/rename", methods=["GET", "POST"])
@login_required
def rename(tag_id: int):
    """Rename a tag: its bookmarks keep it under the new name. A name another tag has already
    offers to merge into that tag instead (api answers 409 with its id)."""
    tag = _tag_or_404(tag_id)
    form = TagNameForm() if request.method == "POST" else TagNameForm(formdata=None, name=tag.name)
    if request.method == "GET":
        return _rename_page(form, tag)
    if not form.validate_on_submit():
        return _rename_page(form, tag, 400)
    new_name = form.name.data.strip()
    try:
        renamed = api.rename_tag(tag_id, new_name)
    except ServiceUnavailable as error:
        return _rename_page(form, tag, service_down=error.service)
    except ServiceRejected as error:
        if error.status == 409:
            existing = _existing(error)
            if existing is not None:
                return _merge_confirm(tag, existing, status=409, renaming=new_name)
        if error.status == 404:
            abort(404, description="This tag does not exist (any more).")
        if error.status not in (400, 409, 422):
            raise
        apply_errors(form, error)
        return _rename_page(form, tag, 400)
    flash(
        f"Renamed #{tag.name} to #{renamed.name} on {bookmarks_text(renamed.bookmark_count)}.", "ok"
    )
    return redirect(url_for("tags.index"))


def _existing(error: ServiceRejected) -> api.Tag | None:
    """The tag a refused rename collides with (api's 409 names it)."""
    body = error.problem if isinstance(error.problem, dict) else {}
    try:
        return api.get_tag(int(body["existing_id"]))
    except (KeyError, TypeError, ValueError, ServiceRejected):
        return None


def _rename_page(
    form: TagNameForm, tag: api.Tag, status: int = 200, *, service_down: str | None = None
):
    return form_page(
        "tag_rename.html",
        status,
        form=form,
        tag=tag,
        service_down=service_down,
        bookmarks_text=bookmarks_text,
    )


@blp.route("/tags/<id:tag_id>/merge", methods=["GET", "POST"])
@login_required
def merge(tag_id: int):
    """Merge a tag into another: choose the other (by name), see what moves, then confirm."""
    tag = _tag_or_404(tag_id)
    if request.method == "POST" and request.form.get("into_id"):
        return _merge(tag)
    form = TagMergeForm() if request.method == "POST" else TagMergeForm(formdata=None)
    if request.method == "GET" or not form.validate_on_submit():
        return _merge_page(form, tag, 200 if request.method == "GET" else 400)
    target = api.tag_named(form.into.data)
    if target is None:
        form.into.errors = [
            f"You have no tag named {form.into.data.strip()}. To give this one "
            "that name, rename it instead."
        ]
        return _merge_page(form, tag, 400)
    if target.id == tag.id:
        form.into.errors = ["Choose another tag than this one."]
        return _merge_page(form, tag, 400)
    return _merge_confirm(tag, target)


def _merge_page(form: TagMergeForm, tag: api.Tag, status: int = 200):
    return form_page(
        "tag_merge.html",
        status,
        form=form,
        tag=tag,
        bookmarks_text=bookmarks_text,
        tags=[name for name in tag_list_or_empty() if name != tag.name],
    )


def _merge_confirm(
    tag: api.Tag, target: api.Tag, *, status: int = 200, renaming: str | None = None
):
    return render_template(
        "tag_merge_confirm.html",
        tag=tag,
        target=target,
        renaming=renaming,
        form=ActionForm(formdata=None),
        bookmarks_text=bookmarks_text,
    ), status


def _merge(tag: api.Tag):
    try:
        into = int(request.form["into_id"])
    except ValueError:
        abort(400, description="into_id: not a tag's id.")
    try:
        target, moved = api.merge_tag(tag.id, into)
    except ServiceRejected as error:
        if error.status == 404:
            abort(404, description="One of these tags does not exist (any more).")
        raise
    flash(
        f"Merged #{tag.name} into #{target.name}: {bookmarks_text(moved)} moved; "
        f"#{target.name} is on {bookmarks_text(target.bookmark_count)} now.",
        "ok",
    )
    return redirect(url_for("tags.index"))


@blp.route("/tags/<id:tag_id>/delete", methods=["GET", "POST"])
@login_required
def delete(tag_id: int):
    """Delete a tag (asked first, with how many bookmarks carry it); the bookmarks stay."""
    form = ActionForm()
    if request.method == "GET":
        return render_template(
            "tag_delete.html", tag=_tag_or_404(tag_id), form=form, bookmarks_text=bookmarks_text
        )
    try:
        tag = api.get_tag(tag_id)
        removed = api.delete_tag(tag_id)
    except ServiceRejected as error:
        if error.status != 404:
            raise
        flash("That tag was deleted already.", "ok")
        return redirect(url_for("tags.index"))
    flash(f"Deleted #{tag.name}: removed from {bookmarks_text(removed)}; they stay.", "ok")
    return redirect(url_for("tags.index"))

"""The bookmark list (search, tags, views, sort, pages, bulk edit), add, edit, delete, the
bookmarklet and the shared page."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from shelf_http import ServiceRejected, ServiceUnavailable

from .. import preferences, sessions
from ..clients import api, field_names, problem_detail
from ..forms import ActionForm, BookmarkForm, BulkForm
from ..sessions import login_required
from .common import apply_errors, form_page, found_or_404, safe_next

log = logging.getLogger("shelf.ui.bookmarks")
blp = Blueprint("bookmarks", __name__)

VIEW_TITLES = {
    "all": "Bookmarks",
    "unread": "Unread",
    "archived": "Archive",
    "shared": "Shared by me",
    "broken": "Broken links",
}
MAX_BULK = 500


def page_number() -> int:
    try:
        return max(1, int(request.args.get("page", "1")))
    except ValueError:
        return 1


def bundle_id() -> int | None:
    try:
        return int(request.args["bundle"]) if request.args.get("bundle") else None
    except ValueError:
        return None


def bundles_or_empty() -> list[api.Bundle]:
    """The sidebar's bundles: the list still shows when they cannot be read."""
    try:
        return api.bundles()
    except (ServiceUnavailable, ServiceRejected):
        return []


@blp.get("/bookmarks")
@login_required
def index():
    prefs = preferences.current()
    view = request.args.get("view", "all")
    if view not in api.VIEWS:
        view = "all"
    q = request.args.get("q", "").strip()
    sort = request.args.get("sort", prefs.sort)
    if sort not in api.SORTS:
        sort = prefs.sort
    page = page_number()
    size = prefs.page_size
    search_error = None
    try:
        result = api.list_bookmarks(
            view, q=q, sort=sort, limit=size, offset=(page - 1) * size, bundle=bundle_id()
        )
    except ServiceRejected as error:
        if error.status == 400 and "bundle" in field_names(error):
            abort(404, description="This bundle does not exist (any more).")
        if error.status != 400 or not q:
            raise
        # A search that does not parse: api says where; show it next to the box.
        detail = error.problem.get("detail") if isinstance(error.problem, dict) else None
        messages = error.problem.get("q") if isinstance(error.problem, dict) else None
        search_error = (
            messages[0]
            if isinstance(messages, list) and messages
            else detail or "This search cannot be read."
        )
        result = api.Page(count=0)
    tags = api.tag_names()
    bundles = bundles_or_empty()
    bundle = next((b for b in bundles if b.id == bundle_id()), None)
    pages = max(1, -(-result.count // size))
    args = {"view": view, "q": q, "sort": sort, "bundle": bundle.id if bundle else None}
    kept: dict[str, Any] = {key: value for key, value in args.items() if value}

    def page_url(number: int) -> str:
        return url_for("bookmarks.index", **kept, page=number)

    selecting = request.args.get("select")
    all_matching = selecting == "matching" and result.count > len(result.items)
    all_selected = selecting == "all" or all_matching
    # Back here after a bulk change, with no box ticked.
    here = url_for("bookmarks.index", **kept, page=page if page > 1 else None)
    return render_template(
        "bookmarks.html",
        result=result,
        view=view,
        view_title=VIEW_TITLES[view],
        q=q,
        sort=sort,
        page=page,
        pages=pages,
        page_url=page_url,
        tags=tags,
        search_error=search_error,
        bundles=bundles,
        bundle=bundle,
        sharing=sharing_state() if view == "shared" else None,
        bulk=BulkForm(formdata=None, next=here),
        all_selected=all_selected,
        select_url=url_for(
            "bookmarks.index", **kept, page=page, select=None if all_selected else "all"
        ),
        all_matching=all_matching,
        matching={
            "query": {"view": view, "q": q, "bundle": bundle.id if bundle else None},
            "expected_count": result.count,
        }
        if all_matching
        else None,
        matching_url=url_for("bookmarks.index", **kept, page=page, select="matching")
        if result.count > len(result.items)
        else None,
        page_only_url=url_for("bookmarks.index", **kept, page=page, select="all"),
        view_url=lambda name: url_for(
            "bookmarks.index", view=name, **{k: v for k, v in kept.items() if k != "view"}
        ),
        new_tab=prefs.new_tab,
        sort_choices=api.SORTS,
        tag_url=lambda name: url_for(
            "bookmarks.index",
            view=view,
            q=f"{q} #{name}".strip() if f"#{name}" not in q.split() else q,
        ),
    ), 400 if search_error else 200


# -- bulk ---------------------------------------------------------------------------------------


def selected_ids() -> list[int]:
    ids = []
    for raw in request.form.getlist("ids")[:MAX_BULK]:
        try:
            ids.append(int(raw))
        except ValueError:
            continue
    return list(dict.fromkeys(ids))


def matching_selection() -> dict | None:
    """The bulk bar's "all N matching" (`scope=matching`): the list's view, search and bundle
    as api's bulk endpoint takes them, and the number the person was shown. None otherwise."""
    if request.form.get("scope") != "matching":
        return None
    view = request.form.get("view", "all")
    try:
        expected = int(request.form.get("expected_count", ""))
        bundle = int(request.form["bundle"]) if request.form.get("bundle") else None
    except ValueError:
        return None
    if view not in api.VIEWS or expected < 0:
        return None
    return {
        "query": {"view": view, "q": request.form.get("q", "").strip(), "bundle": bundle},
        "expected_count": expected,
    }


PAST = {
    "archive": "Archived",
    "unarchive": "Unarchived",
    "mark_read": "Marked as read",
    "mark_unread": "Marked as unread",
    "delete": "Deleted",
    "tag": "Tagged",
    "untag": "Untagged",
}
DOING = {
    "archive": "Archive",
    "unarchive": "Unarchive",
    "mark_read": "Mark as read",
    "mark_unread": "Mark as unread",
    "delete": "Delete",
    "tag": "Add tags to",
    "untag": "Remove tags from",
}


def bookmarks_text(count: int) -> str:
    return f"{count} bookmark{'' if count == 1 else 's'}"


@blp.post("/bookmarks/bulk")
@login_required
def bulk():
    """The bulk bar: one call to api's bulk endpoint for the ticked bookmarks (`ids`) or for
    every bookmark the list matches (`scope=matching`, with the number the person saw: when it
    changed meanwhile, the page asks again with the new number)."""
    form = BulkForm()
    back = safe_next(form.next.data, url_for("bookmarks.index"))
    matching = matching_selection()
    ids = selected_ids() if matching is None else []
    if not form.validate() or not (ids or matching):
        flash(
            "Tick at least one bookmark, then choose what to do."
            if not (ids or matching)
            else "Choose what to do with the selected bookmarks.",
            "warn",
        )
        return redirect(back)
    action = form.action.data
    tags = (form.tags.data or "").replace(",", " ").split()
    if action in ("tag", "untag") and not tags:
        flash("Type the tags to add or remove.", "warn")
        return redirect(back)
    count = matching["expected_count"] if matching else len(ids)
    if action == "delete" and request.form.get("confirmed") != "yes":
        return render_template(
            "bulk_delete.html",
            ids=ids,
            matching=matching,
            count=count,
            form=form,
            back=back,
            bookmarks_text=bookmarks_text,
        )
    try:
        if matching:
            done = api.bulk(
                action,
                query=matching["query"],
                expected_count=matching["expected_count"],
                tag_names=tags,
            )
        else:
            done = api.bulk(action, ids=ids, tag_names=tags)
    except ServiceUnavailable as error:
        flash(
            f"The {error.service} service is down; nothing was changed. Try again in a moment.",
            "bad",
        )
        return redirect(back)
    except ServiceRejected as error:
        now = (error.problem or {}).get("count") if isinstance(error.problem, dict) else None
        if matching and error.status == 409 and isinstance(now, int):
            # The list changed since the person saw it: ask again, with the new number.
            return render_template(
                "bulk_changed.html",
                matching={**matching, "expected_count": now},
                was=matching["expected_count"],
                count=now,
                form=form,
                back=back,
                doing=DOING[action],
                bookmarks_text=bookmarks_text,
            ), 409
        if error.status in (400, 422):
            flash(
                problem_detail(error, "api refused this change.") + " Nothing was changed.", "bad"
            )
            return redirect(back)
        raise
    message = f"{PAST[action]} {bookmarks_text(done.affected)}."
    if done.missing:
        message += f" {len(done.missing)} no longer existed."
    flash(message, "ok")
    return redirect(back)


# -- add, edit, delete --------------------------------------------------------------------------


def tag_list_or_empty() -> list[str]:
    try:
        return api.tag_names()
    except ServiceUnavailable:
        return []


def saved_form(bookmark: api.Bookmark) -> BookmarkForm:
    """The form holding a bookmark's values as saved."""
    return BookmarkForm(
        formdata=None,
        url=bookmark.url,
        title=bookmark.title,
        description=bookmark.description,
        notes=bookmark.notes,
        tags=" ".join(bookmark.tag_names),
        unread=bookmark.unread,
        shared=bookmark.shared,
    )


def merge_with_saved(form: BookmarkForm, saved: api.Bookmark) -> None:
    """The add form sent for a URL saved already: its fields become the saved bookmark's
    values, with what the person typed on top where they typed something. Tags are joined,
    typed notes are added after the saved ones, a ticked box stays ticked: nothing saved is
    dropped, and nothing is saved that the person has not seen on the form."""
    typed_tags = form.tag_names()
    have = {name.lower() for name in saved.tag_names}
    form.tags.data = " ".join(saved.tag_names + [n for n in typed_tags if n.lower() not in have])
    form.title.data = (form.title.data or "").strip() or saved.title
    form.description.data = (form.description.data or "").strip() or saved.description
    typed_notes = (form.notes.data or "").strip()
    if typed_notes and typed_notes not in saved.notes:
        form.notes.data = (
            saved.notes.rstrip() + "\n\n" + typed_notes if saved.notes.strip() else typed_notes
        )
    else:
        form.notes.data = saved.notes
    form.unread.data = saved.unread or bool(form.unread.data)
    form.shared.data = saved.shared or bool(form.shared.data)


def saved_page(form: BookmarkForm, bookmark: api.Bookmark, status: int = 200):
    """The form for a URL saved already: that bookmark, to edit (it posts to its edit page)."""
    return form_page(
        "bookmark_form.html",
        status,
        form=form,
        mode="edit",
        bookmark=bookmark,
        duplicate=bookmark,
        tags=tag_list_or_empty(),
    )


@blp.route("/bookmarks/new", methods=["GET", "POST"])
@login_required
def new():
    """The add form; `?url=&title=&description=` prefill it (the bookmarklet opens this). With
    a URL, api's check fills what is still empty from the page itself and names the tags
    auto-tagging will add. A URL saved already opens that bookmark's own values to edit, here
    and when the form is sent: saving never replaces what was saved with fields left empty."""
    form = BookmarkForm()
    if request.method == "GET":
        form.url.data = request.args.get("url", "")[:2048]
        form.title.data = request.args.get("title", "")[:512]
        form.description.data = request.args.get("description", "")[:10_000]
        form.unread.data = request.args.get("unread") == "yes"
        auto_tags: list[str] = []
        if form.url.data:
            try:
                found = api.check(form.url.data)
            except ServiceUnavailable as error:
                return form_page(
                    "bookmark_form.html", form=form, mode="new", tags=[], service_down=error.service
                )
            except ServiceRejected as error:
                if error.status == 401:
                    raise
                found = api.Check(bookmark=None)
            if found.bookmark is not None:
                return saved_page(saved_form(found.bookmark), found.bookmark)
            auto_tags = found.auto_tags
            form.title.data = form.title.data or found.title[:512]
            form.description.data = form.description.data or found.description[:10_000]
        return form_page(
            "bookmark_form.html",
            form=form,
            mode="new",
            auto_tags=auto_tags,
            tags=tag_list_or_empty(),
        )
    if not form.validate_on_submit():
        return form_page("bookmark_form.html", 400, form=form, mode="new", tags=tag_list_or_empty())
    try:
        saved = api.existing(form.url.data.strip())
    except ServiceUnavailable as error:
        return form_page(
            "bookmark_form.html", form=form, mode="new", tags=[], service_down=error.service
        )
    except ServiceRejected as error:
        if error.status != 429:
            raise
        # Not knowing whether the URL is saved already, saving could overwrite that bookmark.
        form.form_errors.append(
            problem_detail(error, "Too many checks just now") + " Shelf "
            "could not check whether you saved this URL already; send "
            "the form again in a moment."
        )
        return form_page("bookmark_form.html", 429, form=form, mode="new", tags=tag_list_or_empty())
    if saved is not None:
        merge_with_saved(form, saved)
        return saved_page(form, saved, 409)
    try:
        bookmark = api.create_bookmark(form.payload())
    except ServiceUnavailable as error:
        return form_page(
            "bookmark_form.html", form=form, mode="new", tags=[], service_down=error.service
        )
    except ServiceRejected as error:
        if error.status not in (400, 422):
            raise
        apply_errors(form, error, rename={"tag_names": "tags"})
        return form_page("bookmark_form.html", 400, form=form, mode="new", tags=tag_list_or_empty())
    flash(
        "Saved. Shelf fetches the page's title and description in the background."
        if not bookmark.title
        else "Saved.",
        "ok",
    )
    return redirect(url_for("bookmarks.index"))


@blp.route("/bookmarks/<id:bookmark_id>/edit", methods=["GET", "POST"])
@login_required
def edit(bookmark_id: int):
    if request.method == "GET":
        bookmark = _get_or_404(bookmark_id)
        form = saved_form(bookmark)
        return form_page(
            "bookmark_form.html",
            form=form,
            mode="edit",
            bookmark=bookmark,
            tags=tag_list_or_empty(),
        )
    form = BookmarkForm()
    context: dict[str, Any] = {"mode": "edit", "bookmark_id": bookmark_id}
    if not form.validate_on_submit():
        return form_page("bookmark_form.html", 400, form=form, tags=tag_list_or_empty(), **context)
    try:
        api.update_bookmark(bookmark_id, form.payload())
    except ServiceUnavailable as error:
        return form_page(
            "bookmark_form.html", form=form, tags=[], service_down=error.service, **context
        )
    except ServiceRejected as error:
        if error.status == 404:
            abort(404, description="This bookmark does not exist (any more).")
        if error.status not in (400, 422):
            raise
        apply_errors(form, error, rename={"tag_names": "tags"})
        return form_page("bookmark_form.html", 400, form=form, tags=tag_list_or_empty(), **context)
    flash("Saved.", "ok")
    return redirect(url_for("bookmarks.index"))


def _get_or_404(bookmark_id: int) -> api.Bookmark:
    return found_or_404(lambda: api.get_bookmark(bookmark_id), "bookmark")


@blp.get("/bookmarks/<id:bookmark_id>")
@login_required
def detail(bookmark_id: int):
    bookmark = _get_or_404(bookmark_id)
    return render_template(
        "bookmark.html", bookmark=bookmark, form=ActionForm(), new_tab=preferences.current().new_tab
    )


@blp.route("/bookmarks/<id:bookmark_id>/delete", methods=["GET", "POST"])
@login_required
def delete(bookmark_id: int):
    form = ActionForm()
    if request.method == "GET":
        return render_template("bookmark_delete.html", bookmark=_get_or_404(bookmark_id), form=form)
    try:
        api.delete_bookmark(bookmark_id)
    except ServiceRejected as error:
        if error.status != 404:
            raise
    flash("Deleted.", "ok")
    return redirect(url_for("bookmarks.index"))


@blp.post("/bookmarks/<id:bookmark_id>/archive")
@login_required
def archive(bookmark_id: int):
    archived = request.form.get("archived", "yes") == "yes"
    return _row_action(
        lambda: api.archive(bookmark_id, archived),
        "Archived." if archived else "Back from the archive.",
    )


@blp.post("/bookmarks/<id:bookmark_id>/read")
@login_required
def mark_read(bookmark_id: int):
    """Mark one bookmark read (`unread=no`, the default) or unread (`unread=yes`)."""
    unread = request.form.get("unread", "no") == "yes"
    return _row_action(
        lambda: api.mark_unread(bookmark_id, unread),
        "Marked as unread." if unread else "Marked as read.",
    )


def _row_action(change, done: str):
    """One button's change to one bookmark (the detail page's, or a row's in the list, which
    sends the list's form and its `next`), then back where the person was."""
    found_or_404(change, "bookmark")
    flash(done, "ok")
    return redirect(safe_next(request.form.get("next"), url_for("bookmarks.index")))


# -- bookmarklet and the shared page ------------------------------------------------------------


def bookmarklet_code(base_url: str) -> str:
    """A bookmark whose URL is JavaScript run on the page being read: it opens the add form
    with that page's address and title (the script runs there, never on Shelf's pages)."""
    target = base_url.rstrip("/") + url_for("bookmarks.new") + "?"
    return (
        "javascript:(function(){window.open('" + target + "'+"
        "'url='+encodeURIComponent(location.href)+"
        "'&title='+encodeURIComponent(document.title)+"
        "'&description='+encodeURIComponent((document.querySelector("
        "'meta[name=description]')||{}).content||''));})();"
    )


@blp.get("/bookmarklet")
@login_required
def bookmarklet():
    return render_template(
        "bookmarklet.html",
        code=bookmarklet_code(request.host_url),
        example=url_for("bookmarks.new")
        + "?"
        + urlencode({"url": "https://example.org/", "title": "Example"}),
    )


def sharing_state() -> dict | None:
    """Why the person's own shared bookmarks are (not) on the shared page: whether sharing is
    on in their settings, and how many of their bookmarks are marked shared. None when api
    cannot say."""
    try:
        enabled = api.profile()["enable_sharing"]
        marked = api.count("shared")
    except (ServiceUnavailable, ServiceRejected):
        return None
    return {"enabled": enabled, "marked": marked}


@blp.get("/shared")
def shared():
    """Every user's shared bookmarks; anonymous visitors see those shared publicly."""
    size = preferences.current().page_size
    page = page_number()
    q = request.args.get("q", "").strip()
    logged_in = sessions.current_user() is not None
    result = api.list_shared(q=q, limit=size, offset=(page - 1) * size, logged_in=logged_in)
    pages = max(1, -(-result.count // size))
    return render_template(
        "shared.html",
        result=result,
        q=q,
        page=page,
        pages=pages,
        logged_in=logged_in,
        sharing=sharing_state() if logged_in else None,
        page_url=lambda number: url_for("bookmarks.shared", q=q or None, page=number),
        new_tab=preferences.current().new_tab,
    )

"""Bundles (saved searches, api's /api/bundles/): listed beside the bookmark list, managed on
their own page: make, edit, delete."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from shelf_http import ServiceRejected, ServiceUnavailable

from ..clients import api
from ..forms import ActionForm, BundleForm
from ..sessions import login_required
from .bookmarks import tag_list_or_empty
from .common import apply_errors, form_page, found_or_404

blp = Blueprint("bundles", __name__)


def _get_or_404(bundle_id: int) -> api.Bundle:
    return found_or_404(lambda: api.get_bundle(bundle_id), "bundle")


def _show(
    form: BundleForm,
    status: int = 200,
    *,
    bundle_id: int | None = None,
    service_down: str | None = None,
):
    """The bundles page (making one) or a bundle's edit page, with the form as it is."""
    if bundle_id is not None:
        return form_page(
            "bundle_form.html",
            status,
            form=form,
            bundle_id=bundle_id,
            tags=tag_list_or_empty(),
            service_down=service_down,
        )
    try:
        bundles = api.bundles()
    except ServiceUnavailable as error:
        bundles, service_down = [], service_down or error.service
    return form_page(
        "bundles.html",
        status,
        form=form,
        bundles=bundles,
        tags=tag_list_or_empty(),
        service_down=service_down,
    )


@blp.route("/bundles", methods=["GET", "POST"])
@login_required
def index():
    """The bundles, and a form to make one."""
    form = BundleForm()
    if request.method == "GET":
        return _show(form)
    return _save(form, None)


@blp.route("/bundles/<id:bundle_id>/edit", methods=["GET", "POST"])
@login_required
def edit(bundle_id: int):
    if request.method == "GET":
        bundle = _get_or_404(bundle_id)
        return _show(
            BundleForm(
                formdata=None, **{name: getattr(bundle, name) for name in BundleForm.FIELDS}
            ),
            bundle_id=bundle_id,
        )
    return _save(BundleForm(), bundle_id)


def _save(form: BundleForm, bundle_id: int | None):
    if not form.validate_on_submit():
        return _show(form, 400, bundle_id=bundle_id)
    try:
        if bundle_id is None:
            saved = api.create_bundle(form.payload())
        else:
            saved = api.update_bundle(bundle_id, form.payload())
    except ServiceUnavailable as error:
        return _show(form, bundle_id=bundle_id, service_down=error.service)
    except ServiceRejected as error:
        if error.status == 404:
            abort(404, description="This bundle does not exist (any more).")
        if error.status not in (400, 422):
            raise
        apply_errors(form, error)
        return _show(form, 400, bundle_id=bundle_id)
    flash(f"Saved the bundle {saved.name}.", "ok")
    return redirect(url_for("bundles.index"))


@blp.route("/bundles/<id:bundle_id>/delete", methods=["GET", "POST"])
@login_required
def delete(bundle_id: int):
    """Delete a bundle (asked first); its bookmarks are untouched."""
    form = ActionForm()
    if request.method == "GET":
        return render_template("bundle_delete.html", bundle=_get_or_404(bundle_id), form=form)
    try:
        api.delete_bundle(bundle_id)
    except ServiceRejected as error:
        if error.status != 404:
            raise
    flash("Bundle deleted; its bookmarks are untouched.", "ok")
    return redirect(url_for("bundles.index"))

"""Settings: the API key (and the browser-extension snippet), RSS feeds, password, email,
preferences."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from shelf_http import ServiceRejected, ServiceUnavailable

from .. import preferences, sessions
from ..clients import api, auth
from ..forms import (
    ActionForm,
    AutoTaggingForm,
    EmailForm,
    PasswordForm,
    PreferencesForm,
    SharingForm,
)
from ..sessions import login_required
from .bookmarks import bookmarklet_code
from .common import apply_errors, form_page

blp = Blueprint("settings", __name__)


def extension_url() -> str:
    """The server URL for linkding's browser extension: where /api/ answers for people."""
    config = current_app.config
    return (config["SHELF_PUBLIC_URL"] or config["SHELF_API_URL"]).rstrip("/")


# The key made by the last POST, kept in the session only until the settings page that shows
# it (the POST redirects there: reloading that page does not make another key).
NEW_KEY = "new_api_key"


def settings_page(status: int = 200, *, service_down: str | None = None, **forms):
    """The settings page with each form either as submitted (passed in) or fresh."""
    user = sessions.current_user() or {}
    new_key = session.pop(NEW_KEY, None)
    prefs = preferences.current()
    key = profile = None
    unavailable = []
    try:
        key = auth.api_key()
    except ServiceUnavailable as error:
        unavailable.append(error.service)
    try:
        profile = api.profile()
    except ServiceUnavailable as error:
        unavailable.append(error.service)
    feeds = feed_urls() if profile is not None else None
    context = {
        "key": key,
        "new_key": new_key,
        "extension_url": extension_url(),
        "bookmarklet": bookmarklet_code(request.host_url),
        "unavailable": unavailable,
        "key_form": forms.get("key_form") or ActionForm(formdata=None),
        "password_form": forms.get("password_form") or PasswordForm(formdata=None),
        "email_form": forms.get("email_form")
        or EmailForm(formdata=None, email=user.get("email", "")),
        "preferences_form": forms.get("preferences_form")
        or PreferencesForm(
            formdata=None,
            page_size=prefs.page_size,
            sort=prefs.sort,
            new_tab=prefs.new_tab,
            theme=prefs.theme,
        ),
        "sharing_form": forms.get("sharing_form")
        or SharingForm(
            formdata=None,
            enable_sharing=(profile or {}).get("enable_sharing"),
            enable_public_sharing=(profile or {}).get("enable_public_sharing"),
        ),
        "auto_tagging_form": forms.get("auto_tagging_form")
        or AutoTaggingForm(formdata=None, rules=(profile or {}).get("auto_tagging_rules", "")),
        "profile_known": profile is not None,
        "feeds": feeds,
        "feed_titles": FEED_TITLES,
        "feed_key_form": ActionForm(formdata=None),
    }
    response = make_response(
        *form_page("settings.html", status, service_down=service_down, **context)
    )
    response.headers["Cache-Control"] = "no-store"  # it may show a new API key
    return response


@blp.get("/settings")
@login_required
def index():
    return settings_page()


@blp.post("/settings/api-key")
@login_required
def regenerate_key():
    try:
        created = auth.regenerate_api_key()
    except ServiceUnavailable as error:
        return settings_page(service_down=error.service)
    session[NEW_KEY] = created.key
    return redirect(url_for("settings.index", _anchor="api-key"))


FEED_TITLES = {
    "all": "All your bookmarks",
    "unread": "Your unread bookmarks",
    "shared": "Shared bookmarks (everyone's who shares)",
}


def feed_urls() -> dict[str, str] | None:
    """The RSS feeds' full URLs at the address the person uses (the front door routes
    /feeds/* to api); None when api cannot say."""
    try:
        key = api.feed_key()
    except (ServiceUnavailable, ServiceRejected):
        return None
    base = request.host_url.rstrip("/")
    return {name: base + path for name, path in key.feeds.items()}


@blp.route("/settings/feed-key", methods=["GET", "POST"])
@login_required
def regenerate_feed_key():
    """A new feed key (asked first): the old feed URLs stop working at once."""
    form = ActionForm()
    if request.method == "GET":
        return render_template("feed_key.html", form=form)
    try:
        api.regenerate_feed_key()
    except ServiceUnavailable as error:
        flash(
            f"The {error.service} service is down; your feed key is unchanged. Try again "
            "in a moment.",
            "bad",
        )
        return redirect(url_for("settings.index", _anchor="feeds"))
    flash(
        "Your feeds have a new key: the old feed URLs no longer work. Give your feed reader "
        "the new ones below.",
        "ok",
    )
    return redirect(url_for("settings.index", _anchor="feeds"))


@blp.post("/settings/password")
@login_required
def change_password():
    form = PasswordForm()
    if not form.validate_on_submit():
        return settings_page(400, password_form=form)
    revoke = bool(form.revoke_api_key.data)
    try:
        pair = auth.change_password(
            form.current_password.data, form.new_password.data, revoke_api_key=revoke
        )
    except ServiceUnavailable as error:
        return settings_page(service_down=error.service, password_form=form)
    except ServiceRejected as error:
        if error.status not in (400, 422, 429):
            raise
        apply_errors(form, error)
        return settings_page(error.status, password_form=form)
    sessions.start(pair)  # auth logged out every session and gave this one new tokens
    flash("Your password is changed. Your other devices are logged out.", "ok")
    flash(api_key_outcome(revoke), "ok" if revoke else "warn")
    return redirect(url_for("settings.index"))


def api_key_outcome(revoked: bool) -> str:
    """What became of the API key, as auth now says (not as the form asked)."""
    try:
        key = auth.api_key()
    except ServiceUnavailable:
        return (
            "Whether your API key still works could not be checked (auth is down); see "
            "below once it is back."
        )
    if not key.exists:
        return (
            "Your API key is revoked: scripts and apps using it stop working until you "
            "make a new one."
            if revoked
            else "You have no API key."
        )
    if revoked:
        return (
            "Your API key still works: auth did not revoke it. Make a new one below to "
            "end the old one."
        )
    return "Your API key still works (you chose to keep it)."


@blp.post("/settings/email")
@login_required
def change_email():
    form = EmailForm()
    if not form.validate_on_submit():
        return settings_page(400, email_form=form)
    try:
        user = auth.change_email((form.email.data or "").strip(), form.password.data)
    except ServiceUnavailable as error:
        return settings_page(service_down=error.service, email_form=form)
    except ServiceRejected as error:
        if error.status not in (400, 422, 429):
            raise
        apply_errors(form, error)
        return settings_page(error.status, email_form=form)
    sessions.update_user({"email": user.email})
    flash("Your email address is changed.", "ok")
    return redirect(url_for("settings.index"))


@blp.post("/settings/preferences")
@login_required
def save_preferences():
    form = PreferencesForm()
    if not form.validate_on_submit():
        return settings_page(400, preferences_form=form)
    response = redirect(url_for("settings.index"))
    preferences.save(
        response,
        preferences.Preferences(
            page_size=form.page_size.data,
            sort=form.sort.data,
            new_tab=bool(form.new_tab.data),
            theme=form.theme.data,
        ),
    )
    flash("Preferences saved (in this browser).", "ok")
    return response


@blp.post("/settings/sharing")
@login_required
def save_sharing():
    form = SharingForm()
    if not form.validate_on_submit():
        return settings_page(400, sharing_form=form)
    try:
        api.update_profile(
            enable_sharing=bool(form.enable_sharing.data),
            enable_public_sharing=bool(form.enable_public_sharing.data),
        )
    except ServiceUnavailable as error:
        return settings_page(service_down=error.service, sharing_form=form)
    flash("Sharing settings saved.", "ok")
    return redirect(url_for("settings.index"))


@blp.post("/settings/auto-tagging")
@login_required
def save_auto_tagging():
    form = AutoTaggingForm()
    if not form.validate_on_submit():
        return settings_page(400, auto_tagging_form=form)
    rules = (form.rules.data or "").replace("\r\n", "\n").strip()
    try:
        api.update_profile(auto_tagging_rules=rules)
    except ServiceUnavailable as error:
        return settings_page(service_down=error.service, auto_tagging_form=form)
    except ServiceRejected as error:
        if error.status not in (400, 422):
            raise
        apply_errors(form, error, rename={"auto_tagging_rules": "rules"})
        return settings_page(error.status, auto_tagging_form=form)
    flash("Auto-tagging rules saved.", "ok")
    return redirect(url_for("settings.index"))

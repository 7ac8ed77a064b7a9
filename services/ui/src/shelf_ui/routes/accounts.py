"""Log in, log out, sign up, forgotten passwords."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for

from shelf_http import ServiceRejected, ServiceUnavailable

from .. import sessions
from ..clients import auth, problem_detail
from ..forms import ActionForm, ForgotPasswordForm, LoginForm, ResetPasswordForm, SignUpForm
from .common import apply_errors, form_page, safe_next

blp = Blueprint("accounts", __name__)


@blp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next"), "")
        if sessions.current_user() is not None:
            return redirect(safe_next(form.next.data, url_for("bookmarks.index")))
    if form.validate_on_submit():
        try:
            pair = auth.log_in(form.username.data.strip(), form.password.data)
        except ServiceUnavailable as error:
            return form_page("login.html", form=form, service_down=error.service)
        except ServiceRejected as error:
            if error.status == 429:
                form.form_errors.append(
                    problem_detail(error, "Too many attempts; wait a little and try again.")
                )
                return form_page("login.html", 429, form=form)
            if error.status == 403:
                form.form_errors.append(problem_detail(error, "This account is disabled."))
                return form_page("login.html", 403, form=form)
            if error.status in (400, 401, 422):
                form.form_errors.append("Wrong username or password.")
                return form_page("login.html", 401, form=form)
            raise
        sessions.start(pair)
        flash(f"Welcome, {pair.user.username}.", "ok")
        return redirect(safe_next(form.next.data, url_for("bookmarks.index")))
    return form_page("login.html", 400 if form.errors else 200, form=form)


@blp.post("/logout")
def logout():
    ActionForm()  # the CSRF token was checked by CSRFProtect before this view ran
    refresh_token = sessions.end()
    if refresh_token:
        try:
            auth.log_out(refresh_token)
        except (ServiceUnavailable, ServiceRejected):
            # The cookie is gone either way; the refresh token expires at auth on its own.
            flash(
                "You are logged out here, but auth could not be told; your session there "
                "ends when it expires.",
                "warn",
            )
            return redirect(url_for("accounts.login"))
    flash("You are logged out.", "ok")
    return redirect(url_for("accounts.login"))


@blp.route("/signup", methods=["GET", "POST"])
def signup():
    form = SignUpForm()
    if request.method == "GET" and auth.signup_state().is_open() is False:
        return form_page("signup.html", form=form, closed=True)
    if form.validate_on_submit():
        username = form.username.data.strip()
        try:
            auth.sign_up(username, form.password.data, (form.email.data or "").strip())
            pair = auth.log_in(username, form.password.data)
        except ServiceUnavailable as error:
            return form_page("signup.html", form=form, service_down=error.service)
        except ServiceRejected as error:
            if error.status == 403:
                auth.signup_state().forget()
                return form_page("signup.html", 403, form=form, closed=True)
            if error.status in (400, 422):
                apply_errors(form, error)
                return form_page("signup.html", 422, form=form)
            raise
        auth.signup_state().forget()  # the first account may have closed it
        sessions.start(pair)
        flash(f"Welcome to Shelf, {pair.user.username}.", "ok")
        return redirect(url_for("bookmarks.index"))
    return form_page("signup.html", 400 if form.errors else 200, form=form)


@blp.route("/forgot-password", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if request.method == "GET" and request.args.get("sent") == "yes":
        return form_page("forgot_password.html", form=form, sent=True)
    if form.validate_on_submit():
        try:
            auth.request_password_reset(form.login.data.strip())
        except ServiceUnavailable as error:
            # auth itself is down (a tasks outage only delays the mail: auth's outbox keeps it).
            return form_page("forgot_password.html", form=form, service_down=error.service)
        except ServiceRejected as error:
            if error.status == 429:
                form.form_errors.append(
                    problem_detail(error, "Too many requests; wait a little and try again.")
                )
                return form_page("forgot_password.html", 429, form=form)
            if error.status in (400, 422):
                apply_errors(form, error)
                return form_page("forgot_password.html", 422, form=form)
            raise
        # Redirected: reloading the page that says so does not send the request again.
        return redirect(url_for("accounts.forgot_password", sent="yes"))
    return form_page("forgot_password.html", 400 if form.errors else 200, form=form)


@blp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            auth.confirm_password_reset(token, form.password.data)
        except ServiceUnavailable as error:
            return form_page("reset_password.html", form=form, service_down=error.service)
        except ServiceRejected as error:
            if error.status in (400, 422):
                apply_errors(form, error, rename={"token": ""})
                return form_page("reset_password.html", 422, form=form)
            raise
        sessions.end()
        flash("Your password is changed. Log in with it.", "ok")
        return redirect(url_for("accounts.login"))
    return form_page("reset_password.html", 400 if form.errors else 200, form=form)

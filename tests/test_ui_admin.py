"""The ui's admin pages in-process against the real auth, api and tasks: users (create, promote,
deactivate, a password reset that mails a link which works), everyone's bookmarks with the
owner filter, jobs (filters, cancel, retry), schedules (disable, enable, edit the cron, a bad
cron refused), the dashboard's counts, and a 403 for everyone else on every admin page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
import requests

from shelf_accounts import TIMEOUT
from ui_pages import (
    Browser,
    auth_user,
    find_auth_user,
    logged_in,
    mailed_reset_link,
    make_user,
    report_link_check,
    unique,
    wait_for,
)

pytest_plugins = ["ui_fixtures"]


@pytest.fixture(scope="module")
def console(ui_app, admin):
    """The administrator's browser, logged in for the whole module."""
    return logged_in(ui_app, admin)


@pytest.fixture(scope="module")
def member(shelf_system, admin):
    return make_user(shelf_system, admin, "member")


def tasks_get(system, admin, path: str, **params) -> dict:
    answer = requests.get(
        system.urls["tasks"] + path, headers=admin.headers, params=params, timeout=TIMEOUT
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def scheduled_job(system, admin, bookmark_id: int) -> int:
    """A fetch_metadata job that waits until tomorrow: one an administrator can cancel."""
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    made = requests.post(
        system.urls["tasks"] + "/v1/jobs",
        timeout=TIMEOUT,
        headers=admin.headers,
        json={"kind": "fetch_metadata", "args": {"bookmark_id": bookmark_id}, "run_at": tomorrow},
    )
    assert made.status_code == 201, made.text
    assert made.json()["state"] == "scheduled"
    return made.json()["id"]


def act(console: Browser, path: str, **data):
    """Press one of the admin's buttons (a small POST form with the CSRF token)."""
    return console.submit("/admin", data, action=path)


# -- who may -----------------------------------------------------------------------------------


def test_everyone_but_administrators_gets_a_403_on_every_admin_page(
    ui_app, shelf_system, admin, member
):
    target = make_user(shelf_system, admin, "target")
    schedule = tasks_get(shelf_system, admin, "/v1/schedules")["results"][0]
    job = {
        "id": scheduled_job(
            shelf_system, admin, member.api.add(f"https://example.org/{unique('j')}")["id"]
        )
    }
    browser = logged_in(ui_app, member)
    assert "/admin" not in browser.get("/bookmarks").reader.links

    for path in (
        "/admin",
        "/admin/users",
        "/admin/bookmarks",
        "/admin/jobs",
        f"/admin/jobs/{job['id']}",
        "/admin/schedules",
        f"/admin/schedules/{schedule['id']}",
    ):
        page = browser.get(path)
        assert page.status == 403, path
        assert page.shows("This page is for administrators."), path
    newcomer = unique("sneaky")
    for path, data in (
        (f"/admin/users/{target.user_id}/deactivate", {}),
        (f"/admin/users/{member.user_id}/promote", {}),
        ("/admin/users", {"username": newcomer, "password": "x" * 12}),
        (f"/admin/jobs/{job['id']}/cancel", {}),
        (f"/admin/schedules/{schedule['id']}/disable", {}),
        (f"/admin/schedules/{schedule['id']}", {"cron": "1 1 1 1 *"}),
    ):
        assert browser.submit("/bookmarks", data, action=path).status == 403, path
    # Nothing changed anywhere.
    assert auth_user(shelf_system, admin, target.username)["is_active"] is True
    assert auth_user(shelf_system, admin, member.username)["is_admin"] is False
    assert find_auth_user(shelf_system, admin, newcomer) is None
    after = tasks_get(shelf_system, admin, f"/v1/schedules/{schedule['id']}")
    assert (after["enabled"], after["cron"]) == (schedule["enabled"], schedule["cron"])
    assert tasks_get(shelf_system, admin, f"/v1/jobs/{job['id']}")["state"] == "scheduled"
    requests.post(
        f"{shelf_system.urls['tasks']}/v1/jobs/{job['id']}/cancel",
        timeout=TIMEOUT,
        headers=admin.headers,
    )  # the system is shared: no job left waiting


# -- users --------------------------------------------------------------------------------------


def test_a_user_is_created_promoted_and_deactivated_and_then_cannot_log_in(
    ui_app, shelf_system, admin, console
):
    username = unique("hire")
    password = "a long hire passphrase"
    created = console.submit(
        "/admin/users",
        {"username": username, "email": f"{username}@example.org", "password": password},
    )
    assert created.status == 302 and created.location == f"/admin/users?q={username}"
    listing = console.follow(created)
    assert listing.shows(f"Created {username}.")
    assert listing.shows(f"{username} {username}@example.org user never")
    user = auth_user(shelf_system, admin, username)
    assert user["email"] == f"{username}@example.org"
    assert (user["is_admin"], user["is_active"]) == (False, True)

    taken = console.submit(
        "/admin/users", {"username": username, "email": "other@example.org", "password": password}
    )
    assert taken.status == 422  # auth refuses the name; its message sits on the field
    assert 'id="username-errors"' in taken.html and taken.value("email") == "other@example.org"
    assert auth_user(shelf_system, admin, username)["email"] == f"{username}@example.org"

    hire = Browser(ui_app)
    hire.log_in(username, password)
    assert hire.get("/admin").status == 403

    back = f"/admin/users?q={username}"
    promoted = act(console, f"/admin/users/{user['id']}/promote", username=username, next=back)
    assert promoted.location == back
    assert console.follow(promoted).shows(f"{username} is an administrator now.")
    assert auth_user(shelf_system, admin, username)["is_admin"] is True
    promoted_login = Browser(ui_app)
    promoted_login.log_in(username, password)
    assert promoted_login.get("/admin/users").status == 200

    refresh = hire.tokens()["refresh"]
    deactivated = act(
        console, f"/admin/users/{user['id']}/deactivate", username=username, next=back
    )
    page = console.follow(deactivated)
    assert page.shows(f"{username} is deactivated and logged out everywhere.")
    assert page.shows("deactivated") and f"/admin/users/{user['id']}/activate" in page.html
    assert auth_user(shelf_system, admin, username)["is_active"] is False

    refused = Browser(ui_app).submit("/login", {"username": username, "password": password})
    assert refused.status == 403 and refused.shows("This account is disabled.")
    renewed = requests.post(
        shelf_system.urls["auth"] + "/v1/sessions/refresh",
        timeout=TIMEOUT,
        json={"refresh_token": refresh},
    )
    assert renewed.status_code == 401  # the open login cannot be renewed either


def test_a_forced_password_reset_mails_a_link_that_sets_a_new_password(
    ui_app, shelf_system, admin, console
):
    person = make_user(shelf_system, admin, "forgetful")
    answer = act(
        console,
        f"/admin/users/{person.user_id}/reset",
        username=person.username,
        next=f"/admin/users?q={person.username}",
    )
    assert answer.status == 302
    assert console.follow(answer).shows(f"A reset link is on its way to {person.email}.")

    link, token = mailed_reset_link(shelf_system, person.email)
    assert link.startswith(shelf_system.env["SHELF_PUBLIC_URL"] + "/reset-password/")

    visitor = Browser(ui_app)
    new_password = "a freshly reset passphrase"
    reset = visitor.submit(
        f"/reset-password/{token}", {"password": new_password, "confirm": new_password}
    )
    assert reset.status == 302 and reset.location == "/login"
    assert visitor.follow(reset).shows("Your password is changed. Log in with it.")
    assert (
        Browser(ui_app).log_in(person.username, new_password).shows(f"Welcome, {person.username}.")
    )
    assert person.log_in().status_code == 401  # the old password is gone
    used_again = visitor.submit(
        f"/reset-password/{token}", {"password": "x" * 20, "confirm": "x" * 20}
    )
    assert used_again.status == 422  # a link works once


# -- everyone's bookmarks ------------------------------------------------------------------------


def test_everyones_bookmarks_show_their_owners_and_filter_by_owner(
    shelf_system, admin, member, console
):
    other = make_user(shelf_system, admin, "other")
    word = unique("zq")
    mine = member.api.add(f"https://example.org/{word}/member", title=f"{word} member's")
    theirs = other.api.add(f"https://example.org/{word}/other", title=f"{word} other's")
    gone = other.api.add(f"https://example.org/{word}/gone", title=f"{word} gone")
    for _ in range(2):
        report_link_check(shelf_system, gone["id"], ok=False)

    everyone = console.get("/admin/bookmarks?" + urlencode({"q": word}))
    assert everyone.status == 200
    assert set(everyone.ids()) == {mine["id"], theirs["id"], gone["id"]}
    row = everyone.section(f"bookmark-{mine['id']}")
    assert row.shows(member.username) and row.shows(f"{word} member's")
    owner_link = f"/admin/bookmarks?q={word}&amp;owner={other.username}"
    assert owner_link in everyone.html

    only = console.get("/admin/bookmarks?" + urlencode({"q": word, "owner": other.username}))
    assert set(only.ids()) == {theirs["id"], gone["id"]}
    broken = console.get("/admin/bookmarks?" + urlencode({"q": word, "broken": "yes"}))
    assert broken.ids() == [gone["id"]] and broken.shows("broken link")
    assert console.get("/admin/bookmarks?broken=maybe").status == 400
    unreadable = console.get("/admin/bookmarks?" + urlencode({"q": f'{word} "unclosed'}))
    assert unreadable.status == 400 and unreadable.ids() == []
    assert unreadable.shows(f'Unterminated quote " at position {len(word) + 1}.')  # api's words


# -- jobs ---------------------------------------------------------------------------------------


def test_jobs_are_filtered_cancelled_and_retried(shelf_system, admin, member, console, site):
    bookmark = member.api.add(site.page(f"/{unique('job')}", "A page for a job"))
    job_id = scheduled_job(shelf_system, admin, bookmark["id"])

    waiting = console.get("/admin/jobs?state=scheduled&kind=fetch_metadata")
    assert f'id="job-{job_id}"' in waiting.html
    assert f"/admin/jobs/{job_id}/cancel" in waiting.html
    assert f'id="job-{job_id}"' not in console.get("/admin/jobs?state=completed").html
    assert f'id="job-{job_id}"' not in console.get("/admin/jobs?kind=send_email").html

    cancelled = act(
        console,
        f"/admin/jobs/{job_id}/cancel",
        next="/admin/jobs?state=scheduled&kind=fetch_metadata",
    )
    assert cancelled.location == "/admin/jobs?state=scheduled&kind=fetch_metadata"
    assert console.follow(cancelled).shows(f"Job {job_id}: cancelled.")
    assert tasks_get(shelf_system, admin, f"/v1/jobs/{job_id}")["state"] == "cancelled"
    detail = console.get(f"/admin/jobs/{job_id}")
    assert detail.shows(f"Job #{job_id} cancelled") and detail.shows("fetch_metadata")
    assert f"/admin/jobs/{job_id}/retry" in detail.html
    assert f"/admin/jobs/{job_id}/cancel" not in detail.html

    retried = act(console, f"/admin/jobs/{job_id}/retry")
    assert console.follow(retried).shows(f"Job {job_id}: queued again.")
    wait_for(
        lambda: tasks_get(shelf_system, admin, f"/v1/jobs/{job_id}")["state"] == "completed",
        60,
        "the retried job never ran",
    )
    assert member.api.bookmark(bookmark["id"])["title"] == "A page for a job"  # it really ran
    assert console.get(f"/admin/jobs/{job_id}").shows(f"Job #{job_id} completed")

    refused = act(console, f"/admin/jobs/{job_id}/cancel")  # finished: tasks says no (409)
    assert refused.status == 302
    assert console.follow(refused).shows("The job is completed already.")
    assert tasks_get(shelf_system, admin, f"/v1/jobs/{job_id}")["state"] == "completed"


# -- schedules ----------------------------------------------------------------------------------


def test_schedules_are_disabled_enabled_and_their_cron_edited(shelf_system, admin, console):
    listed = tasks_get(shelf_system, admin, "/v1/schedules")["results"]
    schedule = next(s for s in listed if s["name"] == "backup")
    number = schedule["id"]
    page = console.get("/admin/schedules")
    assert all(page.shows(s["name"]) for s in listed)
    assert page.section(f"schedule-{number}").shows(f"backup backup {schedule['cron']} enabled")
    try:
        disabled = act(console, f"/admin/schedules/{number}/disable")
        assert disabled.location == "/admin/schedules"
        after = console.follow(disabled)
        assert after.shows("backup: disabled.")
        assert after.section(f"schedule-{number}").shows("disabled")
        assert f"/admin/schedules/{number}/enable" in after.html
        assert tasks_get(shelf_system, admin, f"/v1/schedules/{number}")["enabled"] is False
        act(console, f"/admin/schedules/{number}/enable")
        assert tasks_get(shelf_system, admin, f"/v1/schedules/{number}")["enabled"] is True

        form = console.get(f"/admin/schedules/{number}")
        assert form.value("cron") == schedule["cron"]
        bad = console.submit(f"/admin/schedules/{number}", {"cron": "every day", "enabled": "y"})
        assert bad.status == 422
        assert bad.value("cron") == "every day"
        assert bad.shows("a cron expression has 5 fields")  # tasks' own words
        assert tasks_get(shelf_system, admin, f"/v1/schedules/{number}")["cron"] == schedule["cron"]

        saved = console.submit(f"/admin/schedules/{number}", {"cron": "0 0 1 1 *", "enabled": "y"})
        assert saved.status == 302 and console.follow(saved).shows("backup: saved.")
        stored = tasks_get(shelf_system, admin, f"/v1/schedules/{number}")
        assert (stored["cron"], stored["enabled"]) == ("0 0 1 1 *", True)
        assert stored["next_fire_at"].startswith(f"{datetime.now(UTC).year + 1}-01-01T00:00")
    finally:  # the system is shared: leave the schedule as it was
        requests.patch(
            f"{shelf_system.urls['tasks']}/v1/schedules/{number}",
            timeout=TIMEOUT,
            headers=admin.headers,
            json={"cron": schedule["cron"], "enabled": schedule["enabled"]},
        )


# -- the dashboard ------------------------------------------------------------------------------


def admin_stats(system, admin) -> dict:
    answer = requests.get(
        system.urls["api"] + "/v1/admin/stats", headers=admin.headers, timeout=TIMEOUT
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def dashboard_numbers(page) -> dict[str, int]:
    """The numbers on the dashboard's cards."""
    found = {}
    for card in (
        "bookmark-count",
        "broken-links",
        "jobs-available",
        "jobs-running",
        "jobs-retryable",
        "jobs-discarded",
    ):
        value = re.search(r'class="card-value">(?:<a [^>]*>)?(\d+)', page.section(card).html)
        assert value, f"no number on the {card} card"
        found[card] = int(value.group(1))
    return found


def test_the_dashboard_counts_what_api_and_tasks_count(shelf_system, admin, member, console):
    def consistent():
        """The dashboard and the services' own counts, read while nothing changed them."""
        before = (
            tasks_get(shelf_system, admin, "/v1/stats")["by_state"],
            admin_stats(shelf_system, admin),
        )
        page = console.get("/admin")
        after = (
            tasks_get(shelf_system, admin, "/v1/stats")["by_state"],
            admin_stats(shelf_system, admin),
        )
        return (page, after) if before == after else None

    page, (by_state, bookmarks) = wait_for(consistent, 30, "the counts never held still")
    assert page.status == 200
    numbers = dashboard_numbers(page)
    assert numbers["bookmark-count"] == bookmarks["bookmarks"]
    assert numbers["broken-links"] == bookmarks["broken"]
    for state in ("available", "running", "retryable", "discarded"):
        assert numbers[f"jobs-{state}"] == by_state.get(state, 0), state
    assert page.section("bookmark-count").shows(f"of {bookmarks['owners']} users")

    member.api.add(f"https://example.org/{unique('dash')}", title="one more")
    later = dashboard_numbers(console.get("/admin"))
    assert later["bookmark-count"] == numbers["bookmark-count"] + 1

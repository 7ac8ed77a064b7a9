"""The admin: for administrators only; users through auth, jobs and schedules through tasks."""

import pytest
from browsing import csrf_token, log_in, submit, text

ADMIN_PAGES = [
    "/admin",
    "/admin/users",
    "/admin/bookmarks",
    "/admin/jobs",
    "/admin/jobs/1",
    "/admin/schedules",
    "/admin/schedules/1",
]
ADMIN_ACTIONS = [
    "/admin/users",
    "/admin/users/1/deactivate",
    "/admin/jobs/1/retry",
    "/admin/schedules/1/disable",
    "/admin/schedules/1",
]


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_pages_refuse_users_who_are_not_admins(browser, shelf, path):
    shelf.tasks.add_job("fetch_metadata", "completed")
    log_in(browser, "alice")
    response = browser.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 403
    assert "This page is for administrators." in response.get_data(as_text=True)
    assert shelf.tasks.received == []
    # nothing but the login (and whether sign-up is open, for the login page's link)
    assert [c.path for c in shelf.auth.received if c.path != "/v1/signup"] == ["/v1/sessions"]


@pytest.mark.parametrize("path", ADMIN_ACTIONS)
def test_admin_actions_refuse_users_who_are_not_admins(browser, shelf, path):
    log_in(browser, "alice")
    response = submit(
        browser,
        "/bookmarks",
        action=path,
        data={"cron": "* * * * *"},
        headers={"Accept": "text/html"},
    )
    assert response.status_code == 403
    assert shelf.tasks.received == []
    assert shelf.auth.accounts[1].is_active


def test_admin_pages_send_anonymous_visitors_to_log_in(browser):
    response = browser.get("/admin/users")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/admin/users"


def test_the_admin_link_shows_for_admins_only(browser, shelf):
    log_in(browser, "alice")
    assert 'href="/admin"' not in browser.get("/bookmarks").get_data(as_text=True)
    browser.post(
        "/logout", data={"csrf_token": csrf_token(browser.get("/bookmarks").get_data(as_text=True))}
    )
    log_in(browser, "root")
    assert 'href="/admin"' in browser.get("/bookmarks").get_data(as_text=True)


def test_users_are_listed_searched_and_deactivated(browser, shelf):
    log_in(browser, "root")
    html = browser.get("/admin/users?q=ali").get_data(as_text=True)
    assert shelf.auth.called("GET", "/v1/admin/users")[-1].args == {
        "q": "ali",
        "limit": "25",
        "offset": "0",
    }
    assert "alice@example.org" in html and "root@example.org" not in html
    response = browser.post(
        "/admin/users/1/deactivate",
        data={"username": "alice", "next": "/admin/users?q=ali", "csrf_token": csrf_token(html)},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/admin/users?q=ali"
    assert shelf.auth.called("PATCH", "/v1/admin/users/1")[0].json == {"is_active": False}
    assert not shelf.auth.accounts[1].is_active
    page = browser.get("/admin/users?q=ali").get_data(as_text=True)
    assert "alice is deactivated and logged out everywhere." in page
    assert "deactivated</span>" in page and ">Activate</button>" in page


def test_promote_and_reset_password(browser, shelf):
    log_in(browser, "root")
    html = browser.get("/admin/users").get_data(as_text=True)
    browser.post("/admin/users/1/promote", data={"csrf_token": csrf_token(html)})
    assert shelf.auth.accounts[1].is_admin
    response = browser.post("/admin/users/1/reset", data={"csrf_token": csrf_token(html)})
    assert shelf.auth.called("POST", "/v1/admin/users/1/password-reset")
    assert "A reset link is on its way to alice@example.org." in browser.get(
        response.headers["Location"]
    ).get_data(as_text=True)


def test_an_admin_cannot_be_offered_actions_on_themselves(browser, shelf):
    log_in(browser, "root")
    html = browser.get("/admin/users").get_data(as_text=True)
    assert "/admin/users/2/deactivate" not in html
    assert "/admin/users/1/deactivate" in html


def test_creating_a_user_keeps_the_form_on_errors(browser, shelf):
    log_in(browser, "root")
    response = submit(
        browser,
        "/admin/users",
        data={"username": "alice", "email": "x@example.org", "password": "pw", "is_admin": "y"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "This username is taken." in html and 'value="x@example.org"' in html
    ok = submit(browser, "/admin/users", data={"username": "carol", "password": "carol-pass-1"})
    assert ok.status_code == 302
    assert shelf.auth.called("POST", "/v1/admin/users")[-1].json == {
        "username": "carol",
        "password": "carol-pass-1",
        "email": "",
        "is_admin": False,
    }


def test_jobs_are_filtered_and_errors_shown_escaped(browser, shelf):
    failed = shelf.tasks.add_job(
        "fetch_metadata",
        "discarded",
        attempt=5,
        errors=[{"attempt": 5, "at": "2026-11-24T10:05:00Z", "error": "<b>timeout</b> fetching"}],
    )
    shelf.tasks.add_job("send_email", "completed")
    log_in(browser, "root")
    html = browser.get("/admin/jobs?state=discarded&kind=fetch_metadata").get_data(as_text=True)
    assert shelf.tasks.called("GET", "/v1/jobs")[-1].args == {
        "state": "discarded",
        "kind": "fetch_metadata",
        "limit": "25",
        "offset": "0",
    }
    assert "&lt;b&gt;timeout&lt;/b&gt; fetching" in html and "<b>timeout" not in html
    assert "send_email" not in html
    assert f"/admin/jobs/{failed['id']}/retry" in html
    assert f"/admin/jobs/{failed['id']}/cancel" not in html  # discarded: nothing to cancel
    detail = browser.get(f"/admin/jobs/{failed['id']}").get_data(as_text=True)
    assert "Attempt 5" in detail and "&lt;b&gt;timeout&lt;/b&gt;" in detail


def test_retry_and_cancel_call_tasks(browser, shelf):
    job = shelf.tasks.add_job("fetch_metadata", "discarded")
    log_in(browser, "root")
    html = browser.get("/admin/jobs").get_data(as_text=True)
    response = browser.post(
        f"/admin/jobs/{job['id']}/retry",
        data={"next": "/admin/jobs", "csrf_token": csrf_token(html)},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/admin/jobs"
    assert shelf.tasks.called("POST", f"/v1/jobs/{job['id']}/retry")
    assert job["state"] == "available"
    browser.post(f"/admin/jobs/{job['id']}/cancel", data={"csrf_token": csrf_token(html)})
    assert job["state"] == "cancelled"


def test_schedules_are_enabled_disabled_and_edited(browser, shelf):
    log_in(browser, "root")
    html = browser.get("/admin/schedules").get_data(as_text=True)
    assert "check-links" in html and "0 4 * * *" in html
    browser.post("/admin/schedules/1/disable", data={"csrf_token": csrf_token(html)})
    assert shelf.tasks.called("PATCH", "/v1/schedules/1")[0].json == {"enabled": False}
    assert shelf.tasks.schedules[1]["enabled"] is False

    bad = submit(browser, "/admin/schedules/1", data={"cron": "every day", "enabled": "y"})
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    assert "Not a cron expression of five fields." in page and 'value="every day"' in page
    good = submit(browser, "/admin/schedules/1", data={"cron": "30 2 * * *", "enabled": "y"})
    assert good.status_code == 302
    assert shelf.tasks.schedules[1]["cron"] == "30 2 * * *"
    assert shelf.tasks.schedules[1]["enabled"] is True


def test_the_dashboard_charts_throughput_and_counts_broken_links(browser, shelf):
    """tasks' /v1/stats has no series: the chart bins the finish times of finished jobs. The
    broken links are api's count over everyone's bookmarks."""
    shelf.tasks.add_job(
        "check_links",
        "completed",
        result={"checked": 40, "broken": 3},
        finished_at="2026-11-24T08:00:00+00:00",
    )  # before the hour charted
    checked = "2026-11-24T08:00:00Z"
    for owner, number in ((1, 1), (1, 2), (2, 3)):
        shelf.api.add(
            owner, f"https://gone.example/{number}", is_broken=True, last_checked_at=checked
        )
    shelf.api.add(2, "https://fine.example/", last_checked_at=checked)
    for minute in (1, 2, 12, 58):
        shelf.tasks.add_job(
            "fetch_metadata", "completed", finished_at=f"2026-11-24T09:{minute:02d}:30+00:00"
        )
    shelf.tasks.add_job("send_email", "discarded", finished_at="2026-11-24T09:13:00+00:00")
    shelf.tasks.add_job("fetch_metadata", "available")
    log_in(browser, "root")
    response = browser.get("/admin")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    broken = html.split('id="broken-links"', 1)[1].split("</div>", 1)[0]
    assert ">3</a></p>" in broken and 'href="/admin/bookmarks?broken=yes"' in broken
    assert "of 4 links checked" in text(broken)
    count = html.split('id="bookmark-count"', 1)[1].split("</div>", 1)[0]
    assert ">4</a>" in count and "of 2 users" in text(count)
    assert "In the last hour: 4 completed, 1 discarded." in text(html)
    svg = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert svg.count('class="chart-done"') == 12  # 5-minute bins from 09:00 to 10:00
    assert svg.count('class="chart-failed"') == 1
    assert "09:00: 2 completed, 0 failed" in svg
    assert "09:10: 1 completed, 1 failed" in svg
    assert "09:55: 1 completed, 0 failed" in svg
    jobs_calls = [call.args for call in shelf.tasks.called("GET", "/v1/jobs")]
    assert {"state": "completed", "limit": "500", "offset": "0"} in jobs_calls


def test_the_dashboard_without_finished_jobs_says_so(browser, shelf):
    log_in(browser, "root")
    html = browser.get("/admin").get_data(as_text=True)
    assert "<svg" not in html and "No jobs finished in the last hour." in html
    assert "No link has been checked yet." in html


def test_the_dashboard_names_tasks_when_it_is_down(browser, shelf):
    log_in(browser, "root")
    shelf.tasks.stop()
    response = browser.get("/admin", headers={"Accept": "text/html"})
    assert response.status_code == 503
    assert "The <strong>tasks</strong> service is down" in text(response.get_data(as_text=True))


def test_the_dashboard_without_api_still_shows_the_jobs(browser, shelf):
    shelf.tasks.add_job("fetch_metadata", "available")
    log_in(browser, "root")
    shelf.api.stop()
    response = browser.get("/admin")
    assert response.status_code == 200
    broken = response.get_data(as_text=True).split('id="broken-links"', 1)[1].split("</div>", 1)[0]
    assert "Unknown while the <strong>api</strong> service is down." in broken


def test_everyones_bookmarks_with_their_owners_filtered(browser, shelf):
    shelf.api.add(1, "https://alice.example/a", title="Alice's <b>page</b>")
    shelf.api.add(2, "https://root.example/r", title="Root's page", is_broken=True)
    log_in(browser, "root")
    html = browser.get("/admin/bookmarks").get_data(as_text=True)
    assert "Alice&#39;s &lt;b&gt;page&lt;/b&gt;" in html and "<b>page" not in html
    assert "Root&#39;s page" in html
    rows = {row.split('"', 1)[0]: row for row in html.split('<tr id="bookmark-')[1:]}
    assert 'href="/admin/bookmarks?owner=alice"' in rows["1"] and "broken link" not in rows["1"]
    assert "broken link" in rows["2"]
    only_alice = browser.get("/admin/bookmarks?owner=alice").get_data(as_text=True)
    assert "Alice&#39;s" in only_alice and "Root&#39;s page" not in only_alice
    broken = browser.get("/admin/bookmarks?broken=yes").get_data(as_text=True)
    assert "Root&#39;s page" in broken and "Alice&#39;s" not in broken
    assert {
        "owner": "alice",
        "broken": "off",
        "archived": "off",
        "q": "",
        "limit": "25",
        "offset": "0",
    } in [call.args for call in shelf.api.called("GET", "/v1/admin/bookmarks")]


def test_everyones_bookmarks_refuses_a_bad_filter_and_non_admins(browser, shelf, shelf_app):
    log_in(browser, "root")
    assert browser.get("/admin/bookmarks?broken=maybe").status_code == 400
    alice = shelf_app.test_client()
    log_in(alice, "alice")
    assert alice.get("/admin/bookmarks").status_code == 403
    assert not shelf.api.called("GET", "/v1/admin/bookmarks")

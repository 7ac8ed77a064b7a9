"""The HTTP API: who may call what, and what they get (tokens from a stand-in auth)."""

from datetime import UTC, datetime, timedelta

import pytest

from shelf_kit.db import get_database, utcnow
from shelf_tasks import jobs
from shelf_tasks.models import Job, JobState
from shelf_tasks.schedules import seed


@pytest.fixture
def client(connected_app):
    return connected_app.test_client()


@pytest.fixture
def database(connected_app):
    return get_database(connected_app)


@pytest.fixture
def as_service(auth):
    return {"Authorization": f"Bearer {auth.service_token('api')}"}


@pytest.fixture
def as_admin(auth):
    return {"Authorization": f"Bearer {auth.user_token(1, is_admin=True)}"}


def as_user(auth, user_id):
    return {"Authorization": f"Bearer {auth.user_token(user_id)}"}


def enqueue(client, headers, **body):
    return client.post("/v1/jobs", json={"kind": "noop", **body}, headers=headers)


def test_a_service_enqueues_a_job_and_reads_it_back(client, as_service):
    response = enqueue(
        client,
        {**as_service, "X-Request-ID": "api-req-1"},
        args={"x": 1},
        created_by=7,
        priority=-5,
        queue="default",
    )
    assert response.status_code == 201
    job = response.get_json()
    assert {
        key: job[key]
        for key in (
            "kind",
            "args",
            "state",
            "attempt",
            "created_by",
            "priority",
            "progress",
            "errors",
            "result",
        )
    } == {
        "kind": "noop",
        "args": {"x": 1},
        "state": "available",
        "attempt": 0,
        "created_by": 7,
        "priority": -5,
        "progress": 0,
        "errors": [],
        "result": None,
    }
    assert job["max_attempts"] == 5  # the kind's default
    fetched = client.get(f"/v1/jobs/{job['id']}", headers=as_service)
    assert fetched.status_code == 200
    assert fetched.get_json() == job


def test_the_enqueuing_request_id_is_kept_for_the_handler(client, as_service, database):
    job_id = enqueue(client, {**as_service, "X-Request-ID": "api-req-77"}).get_json()["id"]
    with database.sessions() as session:
        assert session.get(Job, job_id).request_id == "api-req-77"


def test_an_idempotency_key_used_before_answers_the_first_job_with_200(client, as_service):
    key = "fetch_metadata:12:abcdef012345"
    first = enqueue(client, as_service, args={"n": 1}, idempotency_key=key)
    again = enqueue(client, as_service, args={"n": 2}, idempotency_key=key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()


def test_a_job_for_later_is_scheduled(client, as_service):
    later = (utcnow() + timedelta(hours=2)).isoformat()
    job = enqueue(client, as_service, run_at=later).get_json()
    assert job["state"] == "scheduled"
    assert datetime.fromisoformat(job["run_at"]) == datetime.fromisoformat(later)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "mine_bitcoin"}, "kind"),
        ({"kind": "noop", "max_attempts": 0}, "max_attempts"),
        ({"kind": "noop", "max_attempts": 2.5}, "max_attempts"),
        ({"kind": "noop", "args": [1, 2]}, "args"),
        ({"kind": "noop", "queue": "no spaces"}, "queue"),
        ({"kind": "noop", "run_at": "tomorrow"}, "run_at"),
        ({"args": {}}, "kind"),
    ],
)
def test_a_bad_job_is_refused_naming_the_field(client, as_service, body, field):
    response = client.post("/v1/jobs", json=body, headers=as_service)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert field in response.get_json()["errors"]


def test_without_a_token_nothing_but_the_probes_answers(client):
    assert client.get("/healthz").status_code == 200
    for method, path in [
        ("POST", "/v1/jobs"),
        ("GET", "/v1/jobs"),
        ("GET", "/v1/jobs/1"),
        ("GET", "/v1/stats"),
        ("GET", "/v1/schedules"),
    ]:
        response = client.open(path, method=method, json={})
        assert response.status_code == 401, path
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_users_may_not_enqueue_or_manage(client, auth, as_service):
    job_id = enqueue(client, as_service, created_by=7).get_json()["id"]
    user = as_user(auth, 7)
    assert enqueue(client, user).status_code == 403
    for path in (f"/v1/jobs/{job_id}/retry", f"/v1/jobs/{job_id}/cancel"):
        assert client.post(path, headers=user).status_code == 403
    assert client.get("/v1/stats", headers=user).status_code == 403
    assert client.get("/v1/schedules", headers=user).status_code == 403


def test_a_user_reads_the_jobs_they_caused_and_nobody_elses(client, auth, as_service):
    mine = enqueue(client, as_service, kind="noop", created_by=7).get_json()["id"]
    theirs = enqueue(client, as_service, kind="noop", created_by=8).get_json()["id"]
    nobodys = enqueue(client, as_service).get_json()["id"]
    user = as_user(auth, 7)
    assert client.get(f"/v1/jobs/{mine}", headers=user).status_code == 200
    for other in (theirs, nobodys, 999_999):
        response = client.get(f"/v1/jobs/{other}", headers=user)
        assert response.status_code == 404  # the same answer as for no such job
    listed = client.get("/v1/jobs", headers=user).get_json()
    assert ([job["id"] for job in listed["results"]], listed["total"]) == ([mine], 1)
    # asking for someone else's does not widen what a user sees
    assert client.get("/v1/jobs?created_by=8", headers=user).get_json()["total"] == 1


def test_an_admin_enqueues_for_themselves_and_lists_with_filters_and_pages(client, as_admin):
    made = enqueue(client, as_admin).get_json()
    assert made["created_by"] == 1
    for _ in range(4):
        enqueue(client, as_admin, kind="sleep")
    enqueue(client, as_admin, kind="noop", queue="mail")
    page = client.get("/v1/jobs?kind=sleep&limit=3&offset=0", headers=as_admin).get_json()
    assert (page["total"], len(page["results"]), page["limit"]) == (4, 3, 3)
    ids = [job["id"] for job in page["results"]]
    assert ids == sorted(ids, reverse=True)  # newest first
    rest = client.get("/v1/jobs?kind=sleep&limit=3&offset=3", headers=as_admin).get_json()
    assert len(rest["results"]) == 1 and rest["results"][0]["id"] not in ids
    assert client.get("/v1/jobs?queue=mail", headers=as_admin).get_json()["total"] == 1
    assert client.get("/v1/jobs?state=completed", headers=as_admin).get_json()["total"] == 0
    assert client.get("/v1/jobs?state=done", headers=as_admin).status_code == 422
    assert client.get("/v1/jobs?limit=0", headers=as_admin).status_code == 422


def test_retry_and_cancel(client, as_admin, database):
    job_id = enqueue(client, as_admin, max_attempts=1).get_json()["id"]
    [job] = jobs.claim(database, worker_id="w", limit=1, lease_seconds=60)
    assert client.post(f"/v1/jobs/{job_id}/retry", headers=as_admin).status_code == 409
    jobs.fail(database, job, worker_id="w", error="boom", retry_base=1, retry_max=1)
    retried = client.post(f"/v1/jobs/{job_id}/retry", headers=as_admin)
    assert retried.status_code == 200
    body = retried.get_json()
    assert (body["state"], body["max_attempts"], body["errors"][0]["error"]) == (
        "available",
        2,
        "boom",
    )
    cancelled = client.post(f"/v1/jobs/{job_id}/cancel", headers=as_admin)
    assert (cancelled.status_code, cancelled.get_json()["state"]) == (200, "cancelled")
    again = client.post(f"/v1/jobs/{job_id}/cancel", headers=as_admin)
    assert again.status_code == 409
    assert again.mimetype == "application/problem+json"
    assert client.post("/v1/jobs/424242/retry", headers=as_admin).status_code == 404


def test_schedules_are_listed_and_edited(client, as_admin, database):
    seed(database)
    listed = client.get("/v1/schedules", headers=as_admin).get_json()["results"]
    assert [s["name"] for s in listed] == ["backup", "check_links", "purge"]
    backup = listed[0]
    assert backup["cron"] == "0 3 * * *" and backup["enabled"] is True
    assert datetime.fromisoformat(backup["next_fire_at"]).time().hour == 3
    assert backup["last_fire_at"] is None

    changed = client.patch(
        f"/v1/schedules/{backup['id']}", json={"cron": "15 2 * * 1"}, headers=as_admin
    )
    assert changed.status_code == 200
    next_fire = datetime.fromisoformat(changed.get_json()["next_fire_at"])
    assert (next_fire.weekday(), next_fire.hour, next_fire.minute) == (0, 2, 15)

    disabled = client.patch(
        f"/v1/schedules/{backup['id']}", json={"enabled": False}, headers=as_admin
    ).get_json()
    assert (disabled["enabled"], disabled["next_fire_at"]) == (False, None)
    assert client.get(f"/v1/schedules/{backup['id']}", headers=as_admin).get_json() == disabled

    bad = client.patch(
        f"/v1/schedules/{backup['id']}", json={"cron": "99 * * * *"}, headers=as_admin
    )
    assert bad.status_code == 422
    assert "cron" in bad.get_json()["errors"]
    assert (
        client.patch("/v1/schedules/999", json={"enabled": True}, headers=as_admin).status_code
        == 404
    )


def test_stats_count_by_state_and_kind_and_show_the_oldest_waiting_job(
    client, as_service, database
):
    now = utcnow()
    with database.transaction() as session:
        session.add_all(
            [
                Job(kind="noop", state=JobState.AVAILABLE, run_at=now - timedelta(minutes=10)),
                Job(kind="noop", state=JobState.COMPLETED, run_at=now, finished_at=now),
                Job(
                    kind="noop",
                    state=JobState.COMPLETED,
                    run_at=now,
                    finished_at=now - timedelta(hours=3),
                ),
                Job(kind="sleep", state=JobState.DISCARDED, run_at=now, finished_at=now),
                Job(kind="sleep", state=JobState.SCHEDULED, run_at=now + timedelta(hours=1)),
            ]
        )
    stats = client.get("/v1/stats", headers=as_service).get_json()
    assert stats["by_state"] == {
        "scheduled": 1,
        "available": 1,
        "running": 0,
        "retryable": 0,
        "completed": 2,
        "discarded": 1,
        "cancelled": 0,
    }
    assert stats["by_kind"] == {
        "noop": {"available": 1, "completed": 2},
        "sleep": {"discarded": 1, "scheduled": 1},
    }
    assert (stats["completed_last_hour"], stats["discarded_last_hour"]) == (1, 1)
    oldest = stats["oldest_waiting"]
    assert oldest["kind"] == "noop" and 599 < oldest["age_seconds"] < 660
    assert datetime.fromisoformat(stats["generated_at"]).tzinfo == UTC


def test_stats_of_an_empty_queue(client, as_service):
    stats = client.get("/v1/stats", headers=as_service).get_json()
    assert stats["oldest_waiting"] is None
    assert set(stats["by_state"].values()) == {0}

"""What api sends tasks (POST /v1/jobs, from its outbox) is what tasks' published document
(services/tasks/openapi.json) takes: each kind of job api asks for is delivered to the stand-in
tasks (shelf_kit.testing.StandInTasks), which checks it as tasks would, and refuses it if the
document does not take it."""

import io

import pytest

from conftest import TASKS, User, make_app, tasks_stand_in

NETSCAPE = "<!DOCTYPE NETSCAPE-Bookmark-file-1>\n<DL><p>\n{}</DL><p>\n"


@pytest.fixture
def tasks(auth_service):
    with tasks_stand_in(auth_service) as server:
        yield server


def upload(user, count):
    links = "".join(f'<DT><A HREF="https://example.com/i/{n}">I {n}</A>\n' for n in range(count))
    answer = user.post(
        "/api/bookmarks/import/",
        data={"file": (io.BytesIO(NETSCAPE.format(links).encode()), "bookmarks.html")},
        content_type="multipart/form-data",
    )
    assert answer.status_code in (201, 202), answer.get_json()


def test_every_job_api_sends_is_in_tasks_contract(database_url, auth_service, tasks):
    """fetch_metadata of one bookmark and of an import's batch, and import_bookmarks (an import
    larger than the threshold runs as a job)."""
    app = make_app(database_url, auth_service.url, tasks.url, SHELF_API_IMPORT_JOB_THRESHOLD=2)
    try:
        ann = User(app.test_client(), auth_service, 1, "ann")
        ann.add("https://example.com/by-hand")
        upload(ann, 2)  # at once, its pages fetched in a batch
        upload(ann, 3)  # a job
        assert app.extensions["shelf_api_relay"].run_once() == 3
    finally:
        app.extensions["shelf_db"].dispose()
    assert tasks.problems == []
    sent = [job["body"] for job in tasks.jobs]
    assert sorted((body["kind"], *body["args"]) for body in sent) == [
        ("fetch_metadata", "bookmark_id"),
        ("fetch_metadata", "bookmark_ids"),
        ("import_bookmarks", "import_id"),
    ]


def test_a_job_tasks_document_does_not_take_is_refused(tasks, auth_service):
    """The check has teeth: a body tasks' document refuses is refused by the stand-in too, so
    an incompatible change to tasks' JobCreate fails the test above."""
    assert TASKS.check("POST", "/v1/jobs", json={"kind": "fetch_metadata", "priority": 0}) == []
    assert TASKS.check("POST", "/v1/jobs", json={"kind": "fetch_metadata", "urgent": True}) == [
        "POST /v1/jobs: body: Additional properties are not allowed ('urgent' was unexpected)"
    ]
    token = auth_service.service_token("api", "tasks")
    answer = tasks.app.test_client().post(
        "/v1/jobs",
        json={"kind": "fetch_metadata", "priority": "high"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 422
    assert tasks.jobs == []
    assert tasks.problems == ["POST /v1/jobs: body.priority: 'high' is not of type 'integer'"]

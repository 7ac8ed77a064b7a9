"""Large imports run by a tasks job in batches: each batch reads only its own entries, and a job
tasks gave up on (discarded, cancelled) fails its import visibly (contract C3)."""

import io
import threading

import pytest
from sqlalchemy import event

from conftest import User, make_app, nowhere

SIZE = 5


@pytest.fixture
def job_app(database_url, auth_service):
    app = make_app(database_url, auth_service.url, nowhere(), SHELF_API_IMPORT_JOB_THRESHOLD=3)
    yield app
    app.extensions["shelf_db"].dispose()


@pytest.fixture
def ann(job_app, auth_service):
    return User(job_app.test_client(), auth_service, 1, "ann")


@pytest.fixture
def tasks(job_app, auth_service):
    client = job_app.test_client()
    headers = {"Authorization": f"Bearer {auth_service.service_token('tasks')}"}

    class Tasks:
        def post(self, path, **kwargs):
            return client.post(path, headers=headers, **kwargs)

    return Tasks()


def start_import(user, count=12):
    lines = ["<!DOCTYPE NETSCAPE-Bookmark-file-1>", "<DL><p>"]
    lines += [f'<DT><A HREF="https://example.com/{n}">Page {n}</A>' for n in range(count)]
    answer = user.post(
        "/api/bookmarks/import/",
        content_type="multipart/form-data",
        data={"file": (io.BytesIO("\n".join(lines).encode()), "big.html")},
    )
    assert answer.status_code == 202, answer.get_json()
    return answer.get_json()["import"]["id"]


def progress(user, import_id):
    return user.get(f"/api/bookmarks/import/{import_id}/").get_json()


def test_a_batch_reads_only_its_own_entries(job_app, ann, tasks):
    import_id = start_import(ann)
    statements = []

    def seen(_connection, _cursor, statement, parameters, _context, _many):
        statements.append((statement, parameters))

    engine = job_app.extensions["shelf_db"].engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        answer = tasks.post(f"/v1/internal/imports/{import_id}/batches", json={"size": SIZE})
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert answer.get_json() == {"processed": SIZE, "total": 12, "done": False}
    reads = [
        (sql, params)
        for sql, params in statements
        if "import_entries" in sql and sql.lstrip().upper().startswith("SELECT")
    ]
    assert len(reads) == 1, statements
    sql, params = reads[0]
    assert "position >=" in sql and "LIMIT" in sql.upper(), sql
    assert SIZE in (params.values() if isinstance(params, dict) else params)
    assert not any("imports.entries" in sql for sql, _ in statements)


def test_batches_go_on_from_the_cursor_and_forget_the_entries_when_done(job_app, ann, tasks):
    import_id = start_import(ann)
    path = f"/v1/internal/imports/{import_id}/batches"
    answers = [tasks.post(path, json={"size": SIZE}).get_json() for _ in range(4)]
    assert [a["processed"] for a in answers] == [5, 10, 12, 12]
    assert ann.get("/api/bookmarks/?limit=100").get_json()["count"] == 12
    assert (progress(ann, import_id)["state"], progress(ann, import_id)["created"]) == ("done", 12)
    from shelf_api.models import ImportEntry

    with job_app.extensions["shelf_db"].transaction() as session:
        assert session.query(ImportEntry).count() == 0


def test_a_job_tasks_gave_up_on_fails_its_import_visibly(job_app, ann, tasks):
    import_id = start_import(ann)
    tasks.post(f"/v1/internal/imports/{import_id}/batches", json={"size": SIZE})
    detail = "The job was discarded after 5 attempts: api unavailable"
    failed = tasks.post(f"/v1/internal/imports/{import_id}/failure", json={"detail": detail})
    assert failed.status_code == 200, failed.get_json()
    shown = progress(ann, import_id)
    assert (shown["state"], shown["detail"], shown["processed"]) == ("failed", detail, SIZE)
    again = tasks.post(f"/v1/internal/imports/{import_id}/failure", json={"detail": "later"})
    assert again.status_code == 200 and progress(ann, import_id)["state"] == "failed"
    late = tasks.post(f"/v1/internal/imports/{import_id}/batches", json={"size": SIZE})
    assert late.status_code == 409  # a batch still in flight changes nothing
    assert progress(ann, import_id)["processed"] == SIZE
    assert ann.get("/api/bookmarks/").get_json()["count"] == SIZE  # what it imported stays


def test_an_import_already_done_stays_done(ann, tasks):
    import_id = start_import(ann, count=4)
    tasks.post(f"/v1/internal/imports/{import_id}/batches", json={"size": 10})
    answer = tasks.post(f"/v1/internal/imports/{import_id}/failure", json={"detail": "cancelled"})
    assert answer.status_code == 200
    assert (answer.get_json()["state"], answer.get_json()["detail"]) == ("done", None)


def test_failing_an_import_is_for_services_only(ann, tasks, job_app, auth_service):
    import_id = start_import(ann)
    client = job_app.test_client()
    for headers in ({}, ann.headers):
        answer = client.post(
            f"/v1/internal/imports/{import_id}/failure", json={"detail": "x"}, headers=headers
        )
        assert answer.status_code in (401, 403)
    assert progress(ann, import_id)["state"] == "pending"
    assert (
        tasks.post("/v1/internal/imports/999999/failure", json={"detail": "x"}).status_code == 404
    )
    assert tasks.post(f"/v1/internal/imports/{import_id}/failure", json={}).status_code == 422


# -- a synchronous import lets other writers in ---------------------------------------------


def test_another_users_create_during_a_large_synchronous_import_finishes_first(
    database_url, auth_service
):
    """SQLite has one writer at a time: an import written in one transaction held every other
    user's writes until its end (10 s for 10,000 bookmarks). Written a batch per transaction,
    a create that starts while the import writes its first batch is done before the import.
    Judged by the order they finish, not by time."""
    app = make_app(database_url, auth_service.url, nowhere())
    engine = app.extensions["shelf_db"].engine
    importing = threading.Event()
    finished: list[str] = []
    answers: dict[str, int] = {}

    def notice(_connection, _cursor, statement, *_args):
        if threading.current_thread().name == "import" and statement.startswith(
            "INSERT INTO bookmarks"
        ):
            importing.set()

    def run(name, call):
        answers[name] = call().status_code
        finished.append(name)

    lines = ["<!DOCTYPE NETSCAPE-Bookmark-file-1>", "<DL><p>"]
    lines += [
        f'<DT><A HREF="https://example.com/{n}" TAGS="t{n % 40}">Page {n}</A>' for n in range(5000)
    ]
    body = "\n".join(lines).encode()
    ann = User(app.test_client(), auth_service, 1, "ann")
    bob = User(app.test_client(), auth_service, 2, "bob")
    bob.get("/api/bookmarks/")  # bob's profile exists: his create writes only his bookmark
    event.listen(engine, "before_cursor_execute", notice)
    try:
        upload = threading.Thread(
            name="import",
            target=run,
            args=(
                "import",
                lambda: ann.post(
                    "/api/bookmarks/import/",
                    content_type="multipart/form-data",
                    data={"file": (io.BytesIO(body), "big.html")},
                ),
            ),
        )
        upload.start()
        assert importing.wait(60), "the import never started writing"
        create = threading.Thread(
            target=run,
            args=(
                "create",
                lambda: bob.post("/api/bookmarks/", json={"url": "https://example.org/bob"}),
            ),
        )
        create.start()
        create.join(120)
        upload.join(120)
    finally:
        event.remove(engine, "before_cursor_execute", notice)
        app.extensions["shelf_db"].dispose()
    assert answers == {"import": 201, "create": 201}
    assert finished == ["create", "import"]

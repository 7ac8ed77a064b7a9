"""What auth sends tasks (POST /v1/jobs from its outbox) is what tasks' published document
(services/tasks/openapi.json) takes: the reset mails, and the purge of a deleted user
(contract C2), each delivered to the stand-in tasks (shelf_kit.testing.StandInTasks), which
checks it as it arrives against that document and refuses what the document does not take."""

import jwt
import pytest
from helpers import bearer, deliver, log_in

from conftest import TASKS


@pytest.fixture
def app(make_app, tasks):
    return make_app(SHELF_TASKS_URL=tasks.url)


def test_every_job_auth_sends_is_in_tasks_contract(app, client, add_user, tasks):
    add_user("root", is_admin=True)
    ada = add_user("ada", email="ada@example.org")
    admin = bearer(log_in(client, "root").get_json()["access_token"])
    client.post("/v1/password-resets", json={"login": "ada"})
    assert client.delete(f"/v1/admin/users/{ada}", headers=admin).status_code == 204
    assert deliver(app) == 2
    assert tasks.problems == []
    assert [job["body"]["kind"] for job in tasks.jobs] == ["send_email", "purge_user"]
    purge = tasks.jobs[1]
    assert purge["body"] == {
        "kind": "purge_user",
        "args": {"user_id": ada},
        "idempotency_key": f"purge_user:{ada}",
    }
    token = purge["authorization"].removeprefix("Bearer ")
    assert jwt.decode(token, options={"verify_signature": False})["aud"] == "tasks"


def test_a_job_tasks_document_does_not_take_is_refused(tasks):
    """The check has teeth: were tasks' JobCreate to drop `idempotency_key`, say, every job auth
    sends would be refused, and the test above would fail."""
    answer = tasks.app.test_client().post(
        "/v1/jobs",
        json={"kind": "send_email", "args": {}, "idempotency_key": ""},
        headers={"Authorization": "Bearer t"},
    )
    assert answer.status_code == 422
    assert tasks.jobs == []
    assert tasks.problems == ["POST /v1/jobs: body.idempotency_key: '' should be non-empty"]
    tasks.problems.clear()  # seen: the fixture checks that nothing else was sent
    assert (
        TASKS.check("POST", "/v1/jobs", json={"kind": "purge_user", "args": {"user_id": 1}}) == []
    )

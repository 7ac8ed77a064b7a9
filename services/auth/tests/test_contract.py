"""What auth sends tasks (POST /v1/jobs from its outbox) is what tasks' published document
(services/tasks/openapi.json) takes: the reset mails, and the purge of a deleted user
(contract C2), each delivered to a stand-in tasks and checked as it arrived."""

from pathlib import Path

import jwt
import pytest
from helpers import bearer, deliver, log_in

from shelf_kit.contracts import Contract

TASKS_DOCUMENT = Path(__file__).resolve().parents[2] / "tasks" / "openapi.json"


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
    contract = Contract.load(TASKS_DOCUMENT)
    problems = [
        problem
        for job in tasks.jobs
        for problem in contract.check(
            "POST", "/v1/jobs", json=job["body"], headers={"Authorization": job["authorization"]}
        )
    ]
    assert problems == []
    assert [job["body"]["kind"] for job in tasks.jobs] == ["send_email", "purge_user"]
    purge = tasks.jobs[1]
    assert purge["body"] == {
        "kind": "purge_user",
        "args": {"user_id": ada},
        "idempotency_key": f"purge_user:{ada}",
    }
    token = purge["authorization"].removeprefix("Bearer ")
    assert jwt.decode(token, options={"verify_signature": False})["aud"] == "tasks"

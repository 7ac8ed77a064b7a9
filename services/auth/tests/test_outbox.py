"""The outbox: a reset mail is written in the same transaction as its reset link, and the
relay delivers it to tasks (a real HTTP stand-in on loopback), so a tasks outage delays the
mail, never loses it, and never shows in the answer."""

import time
from datetime import UTC, datetime, timedelta

import pytest
from helpers import bearer, deliver, log_in, problem
from sqlalchemy import select, update

from conftest import TASKS
from shelf_auth.models import OutboxMessage, PasswordResetToken
from shelf_kit.db import get_database
from shelf_kit.testing import StandInTasks, free_port

ACCEPTED = {"detail": "If an account with an email address matches, a reset link is on its way."}
# The relay thread, quick: tests wait for it, not for production's backoff.
QUICK_RELAY = {
    "SHELF_AUTH_OUTBOX_RELAY": True,
    "SHELF_AUTH_OUTBOX_POLL_SECONDS": 0.05,
    "SHELF_AUTH_OUTBOX_MAX_BACKOFF_SECONDS": 0.2,
}


def messages(app):
    with get_database(app).transaction() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def make_due(app):
    """Let every waiting message be tried now (instead of after its backoff)."""
    with get_database(app).transaction() as session:
        session.execute(update(OutboxMessage).values(next_attempt_at=datetime.now(UTC)))


def wait_for(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def app(make_app, tasks):
    return make_app(SHELF_TASKS_URL=tasks.url)


@pytest.fixture
def down_tasks():
    """A stand-in tasks that is not answering yet (`start()` brings it up on its port)."""
    server = StandInTasks(TASKS, port=free_port())
    yield server
    server.stop()
    assert server.problems == []


@pytest.fixture
def relay_app(make_app, down_tasks):
    """auth with its relay thread on, pointed at the stand-in tasks; the relay stops after."""
    app = make_app(SHELF_TASKS_URL=down_tasks.url, **QUICK_RELAY)
    yield app
    app.extensions["shelf_auth_relay"].stop()


def test_the_mail_is_written_with_its_link_and_sent_by_the_relay(app, client, add_user, tasks):
    add_user("ada", email="ada@example.org")
    assert client.post("/v1/password-resets", json={"login": "ada"}).status_code == 202
    (message,) = messages(app)
    assert message.kind == "send_email" and message.payload["args"]["to"] == "ada@example.org"
    assert message.attempts == 0 and message.delivered_at is None
    with get_database(app).transaction() as session:
        (link,) = session.scalars(select(PasswordResetToken))
    assert message.expires_at == link.expires_at  # the mail is worth no more than its link
    assert tasks.jobs == []  # nothing was sent while answering
    assert deliver(app) == 1
    (job,) = tasks.jobs
    assert job["body"] == message.payload
    assert job["request_id"] == f"outbox-{message.id}-1"


def test_with_tasks_down_every_login_gets_the_same_answer_and_the_mail_follows(
    relay_app, add_user, down_tasks
):
    add_user("ada", email="ada@example.org")
    add_user("nomail")
    client = relay_app.test_client()
    answers = []
    for login in ("ada", "nobody", "nobody@example.org", "nomail"):
        started = time.monotonic()
        answer = client.post("/v1/password-resets", json={"login": login})
        assert time.monotonic() - started < 2  # nobody waits for tasks
        answers.append(
            (answer.status_code, answer.get_data(as_text=True), answer.headers["Content-Type"])
        )
    assert answers == [(202, answers[0][1], "application/json")] * 4
    assert client.post("/v1/password-resets", json={"login": "ada"}).get_json() == ACCEPTED
    assert wait_for(lambda: all(m.attempts >= 2 for m in messages(relay_app)))
    assert all("tasks is unavailable" in m.last_error for m in messages(relay_app))
    down_tasks.start()  # tasks is back
    assert wait_for(lambda: all(m.delivered_at for m in messages(relay_app)))
    assert [job["body"]["args"]["to"] for job in down_tasks.jobs] == ["ada@example.org"] * 2
    assert down_tasks.posts == 2  # each mail once
    assert messages(relay_app)[0].last_error is None


def test_a_forced_reset_is_accepted_with_tasks_down_and_mailed_when_it_is_back(
    make_app, add_user, down_tasks
):
    app = make_app(SHELF_TASKS_URL=down_tasks.url)
    client = app.test_client()
    add_user("root", is_admin=True)
    bob = add_user("bob", email="bob@example.org")
    admin = bearer(log_in(client, "root").get_json()["access_token"])
    answer = client.post(f"/v1/admin/users/{bob}/password-reset", headers=admin)
    assert answer.status_code == 202
    assert answer.get_json() == {"detail": "A reset link is on its way to bob@example.org."}
    assert problem(log_in(client, "bob"), 401)  # the password stopped working at once
    assert deliver(app) == 0
    down_tasks.start()
    make_due(app)
    assert deliver(app) == 1
    (job,) = down_tasks.jobs
    assert job["body"]["args"]["to"] == "bob@example.org"
    assert "An administrator asked you" in job["body"]["args"]["text"]


def test_a_retry_after_a_lost_answer_does_not_enqueue_twice(app, client, add_user, tasks):
    add_user("ada", email="ada@example.org")
    client.post("/v1/password-resets", json={"login": "ada"})
    tasks.lose_answers = 1  # tasks keeps the job, but auth hears 503
    assert deliver(app) == 0
    (message,) = messages(app)
    assert message.delivered_at is None and message.attempts == 1
    assert "503" in message.last_error
    make_due(app)
    assert deliver(app) == 1
    assert tasks.posts == 2  # sent twice, with one idempotency key ...
    assert len(tasks.jobs) == 1  # ... so tasks made one job: one mail
    assert list(tasks.by_key) == [message.payload["idempotency_key"]]
    assert messages(app)[0].delivered_at is not None


def test_the_relay_wakes_after_a_commit(make_app, add_user, tasks):
    app = make_app(
        SHELF_TASKS_URL=tasks.url, SHELF_AUTH_OUTBOX_RELAY=True, SHELF_AUTH_OUTBOX_POLL_SECONDS=60
    )
    relay = app.extensions["shelf_auth_relay"]
    try:
        add_user("ada", email="ada@example.org")
        client = app.test_client()
        client.get("/healthz")  # starts the relay, which finds nothing and sleeps
        assert wait_for(lambda: relay.running)
        time.sleep(0.2)
        client.post("/v1/password-resets", json={"login": "ada"})
        assert wait_for(lambda: len(tasks.jobs) == 1, timeout=5)  # not after the 60 s poll
    finally:
        relay.stop()


def test_the_relay_starts_with_the_first_request_and_stops_cleanly(relay_app):
    relay = relay_app.extensions["shelf_auth_relay"]
    assert not relay.running  # `shelf-auth db upgrade` starts no thread
    relay_app.test_client().get("/healthz")
    assert relay.running
    started = time.monotonic()
    relay.stop()
    assert not relay.running and time.monotonic() - started < 2


def test_a_mail_whose_link_expired_is_dropped_not_sent(app, client, add_user, tasks, caplog):
    add_user("ada", email="ada@example.org")
    client.post("/v1/password-resets", json={"login": "ada"})
    with get_database(app).transaction() as session:
        session.execute(
            update(OutboxMessage).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert deliver(app) == 0
    assert tasks.posts == 0 and messages(app) == []
    assert "outbox message expired undelivered" in caplog.text


def test_a_delivered_message_no_longer_holds_the_link(app, client, add_user, tasks):
    add_user("ada", email="ada@example.org")
    client.post("/v1/password-resets", json={"login": "ada"})
    key = messages(app)[0].payload["idempotency_key"]
    deliver(app)
    assert "/reset-password/" in tasks.jobs[0]["body"]["args"]["text"]
    assert messages(app)[0].payload == {"kind": "send_email", "idempotency_key": key}


def test_readyz_says_how_much_mail_waits_and_stays_ready(app, client):
    checks = client.get("/readyz").get_json()["checks"]
    assert checks["outbox"] == {"ok": True, "critical": False, "detail": "0 waiting"}
    with get_database(app).transaction() as session:
        session.add(
            OutboxMessage(
                kind="send_email",
                payload={"kind": "send_email"},
                created_at=datetime.now(UTC) - timedelta(minutes=3),
            )
        )
    assert (
        client.get("/readyz")
        .get_json()["checks"]["outbox"]["detail"]
        .startswith("1 waiting, the oldest for 18")
    )
    with get_database(app).transaction() as session:
        session.add(
            OutboxMessage(
                kind="send_email",
                payload={"kind": "send_email"},
                created_at=datetime.now(UTC) - timedelta(minutes=11),
            )
        )
    answer = client.get("/readyz")
    assert answer.status_code == 200  # a stalled outbox only delays mail
    body = answer.get_json()
    assert body["status"] == "degraded"
    assert body["checks"]["outbox"] == {
        "ok": False,
        "critical": False,
        "detail": "failed (OutboxBacklog)",
    }


def test_metrics_count_waiting_and_delivered_mail(app, client, add_user, tasks):
    def sample(name):
        for line in client.get("/metrics").get_data(as_text=True).splitlines():
            if line.startswith(name + " ") or line.startswith(name + "{"):
                return float(line.rsplit(" ", 1)[1])
        return 0.0

    delivered = 'shelf_outbox_deliveries_total{outcome="delivered",service="auth"}'
    before = sample(delivered)
    add_user("ada", email="ada@example.org")
    client.post("/v1/password-resets", json={"login": "ada"})
    client.get("/readyz")
    assert sample('shelf_outbox_messages_waiting{service="auth"}') == 1
    deliver(app)
    assert sample('shelf_outbox_messages_waiting{service="auth"}') == 0
    assert sample(delivered) == before + 1


def test_the_relay_command_delivers_what_waits(app, client, add_user, tasks, runner):
    add_user("ada", email="ada@example.org")
    client.post("/v1/password-resets", json={"login": "ada"})
    result = runner.invoke(args=["relay", "--once"])
    assert result.exit_code == 0, result.output
    assert "delivered 1" in result.output and len(tasks.jobs) == 1

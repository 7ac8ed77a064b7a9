"""The queue's operations on a real database: enqueue, claim, finish, rescue, retry, cancel."""

import random
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from shelf_kit.db import utcnow
from shelf_tasks import jobs
from shelf_tasks.jobs import TransitionRefused
from shelf_tasks.models import Job, JobState


def add(database, **values):
    with database.sessions() as session:
        job, created = jobs.enqueue(session, **{"kind": "noop", **values})
        assert created
        return job.id


def state_of(database, job_id):
    with database.sessions() as session:
        return session.get(Job, job_id)


def claim(database, worker="w1", limit=10, **options):
    return jobs.claim(database, worker_id=worker, limit=limit, lease_seconds=60, **options)


def test_enqueueing_twice_with_one_key_gives_the_first_job(database):
    with database.sessions() as session:
        first, created = jobs.enqueue(session, kind="noop", args={"n": 1}, idempotency_key="k")
        again, created_again = jobs.enqueue(
            session, kind="noop", args={"n": 2}, idempotency_key="k"
        )
    assert (created, created_again) == (True, False)
    assert again.id == first.id and again.args == {"n": 1}
    with database.sessions() as session:
        assert (
            session.scalar(select(Job.id).where(Job.kind == "noop").order_by(Job.id.desc()))
            == first.id
        )


def test_a_job_for_later_is_scheduled_and_not_claimed_before_its_time(database):
    later = add(database, run_at=utcnow() + timedelta(hours=1))
    now = add(database)
    assert state_of(database, later).state == JobState.SCHEDULED
    assert [job.id for job in claim(database)] == [now]
    assert [job.id for job in claim(database, now=utcnow() + timedelta(hours=2))] == [later]


def test_claims_go_by_priority_then_age_and_only_from_the_workers_queues(database):
    old = add(database, run_at=utcnow() - timedelta(minutes=5))
    new = add(database)
    urgent = add(database, priority=-10)
    elsewhere = add(database, queue="mail")
    unknown_kind = add(database, kind="from-a-newer-version")
    claimed = claim(database, kinds=["noop"])
    assert [job.id for job in claimed] == [urgent, old, new]
    assert all(job.attempt == 1 for job in claimed)
    assert state_of(database, elsewhere).state == JobState.AVAILABLE
    assert state_of(database, unknown_kind).state == JobState.AVAILABLE
    running = state_of(database, urgent)
    assert (running.state, running.worker_id) == (JobState.RUNNING, "w1")
    assert running.lease_expires_at > utcnow() + timedelta(seconds=50)


def test_concurrent_claims_never_hand_out_a_job_twice(database):
    ids = {add(database) for _ in range(60)}
    taken: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(6)

    def take(worker):
        start.wait()
        while True:
            batch = claim(database, worker=worker, limit=3)
            if not batch:
                return
            with lock:
                taken.extend(job.id for job in batch)

    threads = [threading.Thread(target=take, args=(f"w{n}",)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(taken) == sorted(ids)  # every job once, none twice


def test_a_failed_attempt_backs_off_and_the_last_one_discards_keeping_every_error(database):
    job_id = add(database, max_attempts=3)
    seen_states = []
    for attempt in range(1, 4):
        [job] = claim(database, now=utcnow() + timedelta(days=attempt))
        assert job.attempt == attempt
        before = utcnow()
        state = jobs.fail(
            database, job, worker_id="w1", error=f"boom {attempt}", retry_base=10, retry_max=3600
        )
        seen_states.append(state)
        row = state_of(database, job_id)
        if state == JobState.RETRYABLE:
            delay = (row.run_at - before).total_seconds()
            ceiling = 10 * 2 ** (attempt - 1)
            assert ceiling / 2 - 1 <= delay <= ceiling + 1
    assert seen_states == ["retryable", "retryable", "discarded"]
    row = state_of(database, job_id)
    assert row.finished_at is not None
    assert [(e["attempt"], e["error"]) for e in row.errors] == [
        (1, "boom 1"),
        (2, "boom 2"),
        (3, "boom 3"),
    ]


def test_backoff_grows_exponentially_with_jitter_and_a_cap():
    rng = random.Random(1)
    delays = [jobs.backoff_seconds(n, base=10, cap=300, rng=rng) for n in range(1, 8)]
    for attempt, delay in enumerate(delays, start=1):
        ceiling = min(300, 10 * 2 ** (attempt - 1))
        assert ceiling / 2 <= delay <= ceiling
    assert len({round(jobs.backoff_seconds(3, base=10, cap=300), 6) for _ in range(20)}) > 1


def test_a_worker_that_lost_its_job_cannot_finish_it(database):
    job_id = add(database)
    [mine] = claim(database, worker="w1")
    # w1 goes quiet; its lease expires and w2 takes the job over.
    jobs.rescue_expired(database, now=utcnow() + timedelta(minutes=5))
    [theirs] = claim(database, worker="w2", now=utcnow() + timedelta(minutes=5))
    assert (theirs.attempt, theirs.interruptions) == (1, 1)  # w1's attempt was given back
    assert jobs.complete(database, mine, worker_id="w1", result={"from": "w1"}) is False
    assert jobs.fail(database, mine, worker_id="w1", error="x", retry_base=1, retry_max=1) is None
    assert jobs.heartbeat(database, worker_id="w1", jobs=[mine], lease_seconds=60) == set()
    assert jobs.complete(database, theirs, worker_id="w2", result={"from": "w2"}) is True
    row = state_of(database, job_id)
    assert (row.state, row.result, row.progress) == (JobState.COMPLETED, {"from": "w2"}, 100)
    assert "lease expired: worker w1" in row.errors[0]["error"]


def test_rescue_leaves_live_leases_alone_and_discards_a_job_out_of_attempts(database):
    alive = add(database)
    last_try = add(database, max_attempts=1)
    claimed = {job.id: job for job in claim(database)}
    assert jobs.rescue_expired(database) == []
    later = utcnow() + timedelta(seconds=30)
    jobs.heartbeat(database, worker_id="w1", jobs=[claimed[alive]], lease_seconds=600)
    # Past its interruptions, a lost lease counts as the attempt it was.
    rescued = jobs.rescue_expired(database, now=later + timedelta(seconds=60), limit=0)
    assert rescued == [(last_try, "discarded")]
    assert state_of(database, alive).state == JobState.RUNNING


def test_a_dead_workers_job_gets_its_attempt_back_a_bounded_number_of_times(database):
    """A worker killed by a restart costs its job nothing; a job whose worker dies every time
    (it kills the worker itself) ends after `limit` interruptions and its real attempts."""
    job_id = add(database, max_attempts=2)
    outcomes = []
    for round_ in range(1, 10):
        [job] = claim(database, now=utcnow() + timedelta(minutes=5 * round_))
        later = utcnow() + timedelta(minutes=5 * round_ + 2)
        [(_id, state)] = jobs.rescue_expired(database, now=later, limit=3)
        outcomes.append((job.attempt, state))
        if state == "discarded":
            break
    assert outcomes == [(1, "available")] * 3 + [(1, "available"), (2, "discarded")]
    row = state_of(database, job_id)
    assert (row.attempt, row.interruptions, len(row.errors)) == (2, 3, 5)
    assert all("not counted" in e["error"] for e in row.errors[:3])
    assert not any("not counted" in e["error"] for e in row.errors[3:])


def test_an_interrupted_job_waits_again_with_its_attempt_given_back(database):
    job_id = add(database, max_attempts=1)
    for expected in ("retryable", "retryable", "discarded"):
        [job] = claim(database, now=utcnow() + timedelta(hours=1))
        assert (
            jobs.interrupted(
                database,
                job,
                worker_id="w1",
                error="api is unavailable",
                retry_base=1,
                retry_max=1,
                limit=2,
            )
            == expected
        )
    row = state_of(database, job_id)
    assert (row.state, row.attempt, row.interruptions) == (JobState.DISCARDED, 1, 2)
    assert [e["error"] for e in row.errors] == [
        "api is unavailable (not counted as a failed attempt)"
    ] * 2 + ["api is unavailable"]


def test_a_mail_job_keeps_no_text_once_it_ends(database):
    """The text can hold a password-reset link: needed to send the mail, never after."""
    secret = {"to": "ada@example.com", "subject": "Reset", "text": "https://shelf.test/r/s3cr3t"}
    sent = add(database, kind="send_email", args=secret)
    refused = add(database, kind="send_email", args=secret, max_attempts=1)
    cancelled = add(database, kind="send_email", args=secret)
    claimed = {job.id: job for job in claim(database)}
    assert jobs.complete(database, claimed[sent], worker_id="w1", result={"sent_to": "ada"})
    assert (
        jobs.fail(
            database,
            claimed[refused],
            worker_id="w1",
            error="550 no such user",
            retry_base=1,
            retry_max=1,
        )
        == "discarded"
    )
    with database.sessions() as session:
        jobs.cancel(session, cancelled)
    for job_id in (sent, refused, cancelled):
        assert state_of(database, job_id).args == {"to": "ada@example.com", "subject": "Reset"}


@pytest.mark.parametrize("how", ["discarded", "cancelled", "lost its last worker"])
def test_an_import_job_given_up_tells_api_through_a_job(database, how):
    """Contract C3: the import must not stay `running` at api once nobody works on it."""
    job_id = add(
        database, kind="import_bookmarks", args={"import_id": 42}, max_attempts=1, created_by=7
    )
    [job] = claim(database)
    if how == "discarded":
        jobs.fail(
            database,
            job,
            worker_id="w1",
            error="Stalled: stopped at 10 of 90",
            retry_base=1,
            retry_max=1,
        )
    elif how == "cancelled":
        with database.sessions() as session:
            jobs.cancel(session, job_id)
    else:
        jobs.rescue_expired(database, now=utcnow() + timedelta(minutes=5), limit=0)
    with database.sessions() as session:
        [follow_up] = session.scalars(select(Job).where(Job.kind == "fail_import")).all()
    assert (follow_up.state, follow_up.created_by) == (JobState.AVAILABLE, 7)
    assert follow_up.args["import_id"] == 42
    assert follow_up.args["detail"].startswith(f"The import's job {job_id} ")
    assert ("cancelled" if how == "cancelled" else "gave up") in follow_up.args["detail"]
    if how == "discarded":
        assert "stopped at 10 of 90" in follow_up.args["detail"]


def test_a_released_job_waits_again_without_using_an_attempt(database):
    job_id = add(database)
    [job] = claim(database)
    assert jobs.release(database, job, worker_id="w1") is True
    row = state_of(database, job_id)
    assert (row.state, row.attempt, row.worker_id) == (JobState.AVAILABLE, 0, None)


def test_progress_is_recorded_for_the_holder_only(database):
    job_id = add(database)
    [job] = claim(database)
    assert jobs.set_progress(database, job, worker_id="w1", percent=40, message="4 of 10")
    assert not jobs.set_progress(database, job, worker_id="w2", percent=90, message="no")
    row = state_of(database, job_id)
    assert (row.progress, row.progress_message) == (40, "4 of 10")


def test_retry_gives_a_discarded_job_one_more_attempt(database):
    job_id = add(database, max_attempts=1)
    [job] = claim(database)
    jobs.fail(database, job, worker_id="w1", error="no", retry_base=1, retry_max=1)
    with database.sessions() as session:
        row = jobs.retry(session, job_id)
        assert (row.state, row.max_attempts, row.finished_at) == (JobState.AVAILABLE, 2, None)
    [again] = claim(database)
    assert again.attempt == 2
    with database.sessions() as session, pytest.raises(TransitionRefused):
        jobs.retry(session, job_id)  # running


def test_cancel_stops_a_waiting_job_and_refuses_a_finished_one(database):
    job_id = add(database)
    with database.sessions() as session:
        assert jobs.cancel(session, job_id).state == JobState.CANCELLED
        with pytest.raises(TransitionRefused, match="cancelled already"):
            jobs.cancel(session, job_id)
        with pytest.raises(LookupError):
            jobs.cancel(session, 999_999)
    assert claim(database) == []


def test_cancelling_a_running_job_makes_its_outcome_not_count(database):
    job_id = add(database)
    [job] = claim(database)
    with database.sessions() as session:
        jobs.cancel(session, job_id)
    assert jobs.complete(database, job, worker_id="w1", result=1) is False
    assert state_of(database, job_id).state == JobState.CANCELLED


def test_purge_deletes_only_finished_jobs_older_than_the_cutoff(database):
    old_done, waiting = add(database), add(database)
    for job in claim(database, limit=1):
        jobs.complete(database, job, worker_id="w1", result=None)
    assert jobs.purge_finished(database, older_than=utcnow() - timedelta(days=1)) == 0
    assert jobs.purge_finished(database, older_than=utcnow() + timedelta(seconds=1)) == 1
    assert state_of(database, old_done) is None
    assert state_of(database, waiting).state == JobState.AVAILABLE

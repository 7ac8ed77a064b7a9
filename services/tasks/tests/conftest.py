import threading
import time
from pathlib import Path

import jwt
import pytest

from shelf_fetch.testing import Site
from shelf_identity.testing import StandInAuth
from shelf_kit.contracts import Contract
from shelf_kit.db import get_database
from shelf_kit.standin_api import StandInApi
from shelf_kit.testing import database_backends, free_port, migrated_database
from shelf_tasks import create_app, jobs
from shelf_tasks.app import MIGRATIONS
from shelf_tasks.extensions import registry, services
from shelf_tasks.models import Job, JobState
from shelf_tasks.worker import Worker

DONE = (JobState.COMPLETED, JobState.DISCARDED, JobState.CANCELLED)
# What tasks' stand-ins answer, and what tasks sends them, is checked against these.
SERVICES = Path(__file__).resolve().parents[2]
CONTRACTS = {name: Contract.load(SERVICES / name / "openapi.json") for name in ("api", "auth")}
# The clients the stand-in auth knows (tasks' own is its development default).
CLIENTS = {"tasks": "dev-tasks-secret", "api": "dev-api-secret", "auth": "dev-auth-secret"}


@pytest.fixture(params=database_backends())
def database_url(request, tmp_path):
    with migrated_database(request.param, "tasks", str(tmp_path), MIGRATIONS) as url:
        yield url


@pytest.fixture
def nowhere():
    """A URL where nothing listens (a service that is down)."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture
def auth():
    with StandInAuth(CLIENTS, contract=CONTRACTS["auth"]) as stand_in:
        yield stand_in
    assert not stand_in.problems, "\n".join(sorted(set(stand_in.problems)))


def tasks_token_for_api(auth: StandInAuth):
    """What api's internal routes take: tasks' service token for api, signed by `auth`
    (jwt.InvalidTokenError otherwise)."""

    def verify(token: str) -> None:
        claims = auth.verify(token)
        audiences = claims.get("aud")
        audiences = [audiences] if isinstance(audiences, str) else audiences or []
        if not (
            claims.get("scope") == "service"
            and claims.get("client_id") == "tasks"
            and "api" in audiences
        ):
            raise jwt.InvalidTokenError("not tasks' service token for api")

    return verify


@pytest.fixture
def api(auth):
    """shelf-kit's stand-in api; its internal routes take tasks' service token only."""
    with StandInApi(CONTRACTS["api"], verify=tasks_token_for_api(auth)) as stand_in:
        yield stand_in
    assert not stand_in.problems, "\n".join(sorted(set(stand_in.problems)))


def make_app(database_url, *, auth_url, api_url, **settings):
    return create_app(
        {
            "SHELF_ENV": "test",
            "SHELF_TASKS_DATABASE_URL": database_url,
            "SHELF_AUTH_URL": auth_url,
            "SHELF_API_URL": api_url,
            "SHELF_TASKS_TEST_HANDLERS": True,
            **settings,
        }
    )


@pytest.fixture
def app(database_url, nowhere):
    """The app with auth and api down."""
    app = make_app(database_url, auth_url=nowhere, api_url=nowhere)
    yield app
    app.extensions["shelf_db"].dispose()


@pytest.fixture
def connected_app(database_url, auth, api, tmp_path):
    """The app with a stand-in auth and api on loopback, fetching allowed on loopback."""
    app = make_app(
        database_url,
        auth_url=auth.url,
        api_url=api.url,
        SHELF_FETCH_ALLOW_PRIVATE=True,
        SHELF_BACKUP_DIR=str(tmp_path / "backups"),
    )
    yield app
    app.extensions["shelf_db"].dispose()


@pytest.fixture
def database(app):
    return get_database(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def site():
    site = Site()
    yield site
    site.stop()


@pytest.fixture
def work(connected_app):
    """work(job_id, **worker) -> the job's row once a worker has finished it."""
    database = get_database(connected_app)

    def work(job_id, **options):
        worker = Worker(
            database=database,
            poll_interval=0.05,
            concurrency=2,
            lease_seconds=30,
            registry=registry(connected_app),
            services=services(connected_app),
            config=connected_app.config,
            retry_base=0.05,
            retry_max=0.1,
            **options,
        )
        thread = threading.Thread(target=worker.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        try:
            while True:
                with database.sessions() as session:
                    job = session.get(Job, job_id)
                if job.state in DONE:
                    return job
                assert time.monotonic() < deadline, f"job {job_id} is still {job.state}"
                time.sleep(0.05)
        finally:
            worker.request_stop("test")
            thread.join(timeout=10)

    return work


@pytest.fixture
def run(connected_app, work):
    """run(kind, args, **job) -> the job's row once it finished (a worker runs it)."""
    database = get_database(connected_app)

    def run(kind, args=None, **values):
        with database.sessions() as session:
            job_id = jobs.enqueue(session, kind=kind, args=args or {}, **values)[0].id
        return work(job_id)

    return run

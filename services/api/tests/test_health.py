"""GET /health: linkding's health check, which linkding clients call first, without a token."""

import tomllib
from pathlib import Path

from conftest import make_app, nowhere
from shelf_api.linkding import LINKDING_API_VERSION

SHELF_VERSION = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())[
    "project"
]["version"]


def test_health_answers_linkdings_shape_without_credentials(client):
    answer = client.get("/health")
    assert answer.status_code == 200
    assert answer.mimetype == "application/json"
    assert answer.get_json() == {
        "version": LINKDING_API_VERSION,
        "status": "healthy",
        "shelf_version": SHELF_VERSION,
    }
    assert answer.headers["X-Shelf-Version"] == SHELF_VERSION


def test_the_version_satisfies_clients_that_require_linkding_1_22():
    """A widely used Python client refuses a server whose /health says less than 1.22.0."""
    assert tuple(map(int, LINKDING_API_VERSION.split("."))) >= (1, 22, 0)


def test_health_is_503_unhealthy_while_auth_is_down(client, auth_service):
    assert client.get("/health").status_code == 200
    auth_service.stop()
    try:
        answer = client.get("/health")
    finally:
        auth_service.start()
    assert answer.status_code == 503
    assert answer.get_json() == {
        "version": LINKDING_API_VERSION,
        "status": "unhealthy",
        "shelf_version": SHELF_VERSION,
    }
    assert client.get("/health").status_code == 200  # and healthy again once auth is back


def test_health_is_503_unhealthy_without_its_database(auth_service):
    app = make_app("postgresql+psycopg://postgres@127.0.0.1:1/nowhere", auth_service.url, nowhere())
    try:
        answer = app.test_client().get("/health")
    finally:
        app.extensions["shelf_db"].dispose()
    assert answer.status_code == 503
    assert answer.get_json()["status"] == "unhealthy"


def test_tasks_being_down_does_not_make_it_unhealthy(client):
    """tasks is reached through the outbox: its absence delays work, nothing more (the
    fixture's tasks URL answers nothing)."""
    assert client.get("/health").get_json()["status"] == "healthy"


def test_the_profile_names_the_same_linkding_version(ann):
    profile = ann.get("/api/user/profile/").get_json()
    assert (profile["version"], profile["shelf_version"]) == (LINKDING_API_VERSION, SHELF_VERSION)

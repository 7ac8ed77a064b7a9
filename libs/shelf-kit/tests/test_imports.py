"""What importing the kit loads: a gunicorn master reads `shelf_kit.gunicorn_conf` and must stay a
small process; a process that never migrates never loads Alembic; a service without a database
never loads SQLAlchemy (issue 15: each of these cost every process of `make run` memory)."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import version

import pytest

import shelf_kit

HEAVY = (
    "flask",
    "werkzeug",
    "sqlalchemy",
    "requests",
    "prometheus_client",
    "marshmallow",
    "flask_smorest",
    "alembic",
)


def loaded_after(code: str) -> set[str]:
    """The top-level packages among HEAVY that a fresh interpreter has loaded after `code`."""
    loaded = "{name.split('.')[0] for name in sys.modules}"
    probe = f"import sys, json\n{code}\nprint(json.dumps(sorted({loaded} & {set(HEAVY)!r})))"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    return set(json.loads(result.stdout.splitlines()[-1]))


def test_the_gunicorn_settings_load_no_framework_into_the_master():
    assert loaded_after("import shelf_kit.gunicorn_conf") == set()


def test_the_db_commands_load_alembic_only_when_one_runs():
    loaded = loaded_after("from shelf_kit.migrations import db_cli\ndb_cli('migrations')")
    assert "alembic" not in loaded
    assert "sqlalchemy" in loaded  # the database itself is needed, Alembic is not


def test_a_service_without_a_database_never_loads_sqlalchemy():
    loaded = loaded_after(
        "from shelf_kit import create_service_app\n"
        "create_service_app('ui', service='ui', version='1', settings={},"
        " test_config={'SHELF_ENV': 'test'})"
    )
    assert "flask" in loaded
    assert "sqlalchemy" not in loaded


@pytest.mark.parametrize("name", shelf_kit.__all__)
def test_every_public_name_is_there_when_used(name):
    assert getattr(shelf_kit, name) is not None
    assert name in dir(shelf_kit)


def test_a_name_the_kit_does_not_have_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no_such_thing"):
        shelf_kit.no_such_thing  # noqa: B018
    assert shelf_kit.__version__ == version("shelf-kit")

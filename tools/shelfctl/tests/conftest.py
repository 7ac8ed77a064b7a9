"""Fixtures: the whole of Shelf (the repository's tests/shelf_system.py, started once for the
session) and `ctl`, which runs the installed `shelfctl` console script against it as a real
process, the way an operator would."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_TESTS = Path(__file__).resolve().parents[3] / "tests"
sys.path.insert(0, str(REPO_TESTS))

from shelf_system import ShelfSystem  # noqa: E402  (found through the line above)

SHELFCTL = Path(sys.executable).parent / "shelfctl"
ADMIN = "operator"
ADMIN_PASSWORD = "operator-password-1"
RUNNING: list[ShelfSystem] = []  # the system, for the report of a failing test


@dataclass
class Run:
    code: int
    out: str
    err: str

    def __str__(self) -> str:  # what a failed assertion shows
        return f"exit {self.code}\n--- stdout\n{self.out}\n--- stderr\n{self.err}"


def clean_env(home: Path, **settings: str) -> dict[str, str]:
    """This machine's environment less any Shelf or shelfctl settings, with HOME (and so the
    default config file) in `home`, plus `settings`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SHELF_", "SHELFCTL_", "XDG_CONFIG_HOME"))
    }
    env["HOME"] = str(home)
    env.update(settings)
    return env


def run_ctl(
    env: dict[str, str],
    *args: str,
    input: str | None = None,
    cwd: Path | None = None,
    timeout: float = 60,
) -> Run:
    result = subprocess.run(
        [str(SHELFCTL), *args],
        env=env,
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        check=False,
    )
    return Run(result.returncode, result.stdout, result.stderr)


@pytest.fixture(scope="session")
def home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="session")
def shelf_system(tmp_path_factory) -> ShelfSystem:
    with ShelfSystem.running(tmp_path_factory.mktemp("shelf-system")) as system:
        system.command("auth", "create-admin", "--username", ADMIN, "--password", ADMIN_PASSWORD)
        RUNNING.append(system)
        yield system
        RUNNING.remove(system)


@pytest.fixture(scope="session")
def system_env(shelf_system, home) -> dict[str, str]:
    """shelfctl's settings for the running system, logged in as its admin."""
    urls = {f"SHELF_{service.upper()}_URL": url for service, url in shelf_system.urls.items()}
    return clean_env(home, **urls, SHELFCTL_USERNAME=ADMIN, SHELFCTL_PASSWORD=ADMIN_PASSWORD)


@pytest.fixture
def ctl(system_env) -> Callable[..., Run]:
    """`ctl(*args, env={...})`: shelfctl as the admin (or with `env` changed), its result."""

    def call(*args: str, env: dict[str, str] | None = None, **kwargs) -> Run:
        return run_ctl({**system_env, **(env or {})}, *args, **kwargs)

    return call


@pytest.fixture
def unique() -> Callable[[str], str]:
    return lambda prefix: f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed and RUNNING and "shelf_system" in getattr(item, "fixturenames", ()):
        report.sections.append(("Shelf system logs", RUNNING[0].report()))
    return report

"""What shelfctl does before or without a running Shelf: settings, usage errors, a Shelf that
is not there. Every failure is one line on stderr and exit code 1 or 2, never a traceback."""

from __future__ import annotations

import pytest

from conftest import clean_env, run_ctl
from shelf_kit.testing import free_port
from shelfctl import __version__
from shelfctl.config import Config
from shelfctl.errors import UsageProblem, problem_detail


def one_line(run) -> str:
    assert "Traceback" not in run.err, run
    lines = run.err.strip().splitlines()
    assert len(lines) == 1, run
    return lines[0]


@pytest.fixture
def nowhere(tmp_path):
    """Settings naming ports nobody listens on."""
    urls = {
        f"SHELF_{s.upper()}_URL": f"http://127.0.0.1:{free_port()}"
        for s in ("auth", "api", "tasks", "ui")
    }
    return clean_env(tmp_path, **urls, SHELFCTL_USERNAME="someone", SHELFCTL_PASSWORD="pw")


def test_version(tmp_path):
    run = run_ctl(clean_env(tmp_path), "--version")
    assert run.code == 0 and __version__ in run.out


def test_a_service_that_is_down_is_one_line_naming_it_and_its_url(nowhere):
    run = run_ctl(nowhere, "export")
    assert run.code == 1
    # logging in comes first: auth is the one that is down
    assert one_line(run) == (
        f"auth is unavailable at {nowhere['SHELF_AUTH_URL']}: connection refused"
    )

    run = run_ctl({**nowhere, "SHELFCTL_TOKEN": "a" * 40}, "export")  # no login needed
    assert run.code == 1
    assert one_line(run) == f"api is unavailable at {nowhere['SHELF_API_URL']}: connection refused"


def test_status_with_nothing_running_shows_every_service_down(nowhere):
    run = run_ctl(nowhere, "status")
    assert run.code == 1
    rows = {line.split()[0]: line for line in run.out.splitlines()[1:]}
    assert set(rows) == {"auth", "api", "tasks", "ui"}
    for service, line in rows.items():
        assert nowhere[f"SHELF_{service.upper()}_URL"] in line
        assert " down " in line and "connection refused" in line
    assert one_line(run) == "4 of 4 services are down or not ready: auth, api, tasks, ui"


def test_no_credentials_says_what_to_set(tmp_path):
    run = run_ctl(clean_env(tmp_path), "user", "list")
    assert run.code == 2
    assert one_line(run).startswith("no credentials: set SHELFCTL_USERNAME and SHELFCTL_PASSWORD")


def test_usage_errors_are_one_line_with_exit_code_2(tmp_path):
    run = run_ctl(clean_env(tmp_path), "jobs", "list", "--state", "bogus")
    assert run.code == 2
    assert "'bogus' is not one of" in one_line(run)
    run = run_ctl(clean_env(tmp_path), "import", str(tmp_path / "missing.html"))
    assert run.code == 2
    assert "does not exist" in one_line(run)
    run = run_ctl(clean_env(tmp_path), "frobnicate")
    assert run.code == 2
    assert "No such command 'frobnicate'" in one_line(run)


def test_a_bad_url_or_config_file_is_a_usage_error(tmp_path):
    run = run_ctl(clean_env(tmp_path, SHELF_API_URL="127.0.0.1:8002"), "status")
    assert run.code == 2
    assert one_line(run) == "SHELF_API_URL must be an absolute http(s) URL, got '127.0.0.1:8002'"

    run = run_ctl(clean_env(tmp_path), "--config", str(tmp_path / "nope.toml"), "status")
    assert run.code == 2
    assert one_line(run) == f"config file {tmp_path / 'nope.toml'} does not exist"

    bad = tmp_path / "bad.toml"
    bad.write_text('SHELF_API_URL = "http://x:1"\nSHELF_APP_URL = "http://y:2"\n')
    run = run_ctl(clean_env(tmp_path), "--config", str(bad), "status")
    assert run.code == 2
    assert one_line(run).startswith(f"config file {bad}: unknown key 'SHELF_APP_URL'")


def test_settings_come_from_the_environment_over_the_file(tmp_path):
    config_dir = tmp_path / ".config"
    config_dir.mkdir()
    (config_dir / "shelfctl.toml").write_text(
        'SHELF_API_URL = "http://files.example:9002/"\n'
        'SHELF_TASKS_URL = "http://files.example:9003"\n'
        'SHELFCTL_USERNAME = "from-file"\nSHELFCTL_PASSWORD = "secret"\nSHELFCTL_TIMEOUT = 3\n'
    )
    environ = {"HOME": str(tmp_path), "SHELF_TASKS_URL": "http://env.example:7003"}
    config = Config.load(environ=environ)
    assert config.urls == {
        "auth": "http://127.0.0.1:8001",
        "api": "http://files.example:9002",
        "tasks": "http://env.example:7003",
        "ui": "http://127.0.0.1:8000",
    }
    assert (config.username, config.password, config.token) == ("from-file", "secret", None)
    assert config.timeout == 3.0

    with pytest.raises(UsageProblem, match="SHELFCTL_TIMEOUT must be a positive number"):
        Config.load(environ={**environ, "SHELFCTL_TIMEOUT": "soon"})


def test_the_default_file_is_read_by_the_command(tmp_path, nowhere):
    """No environment at all: the URLs and credentials come from ~/.config/shelfctl.toml."""
    (tmp_path / ".config").mkdir()
    (tmp_path / ".config" / "shelfctl.toml").write_text(
        "".join(
            f'{key} = "{value}"\n'
            for key, value in nowhere.items()
            if key.startswith(("SHELF_", "SHELFCTL_"))
        )
    )
    run = run_ctl(clean_env(tmp_path), "user", "list")
    assert run.code == 1
    assert one_line(run) == (
        f"auth is unavailable at {nowhere['SHELF_AUTH_URL']}: connection refused"
    )


@pytest.mark.parametrize(
    ("problem", "expected"),
    [
        (
            {
                "type": "about:blank",
                "title": "Forbidden",
                "status": 403,
                "detail": "Only administrators may do this.",
            },
            "Only administrators may do this.",
        ),
        (
            {
                "type": "about:blank",
                "title": "Unprocessable Entity",
                "status": 422,
                "detail": "The request is invalid.",
                "errors": {"username": ["Already taken."]},
            },
            "The request is invalid. — username: Already taken.",
        ),
        ({"detail": "Not found."}, "Not found."),  # linkding's errors
        ({"file": ["Line 3: not a bookmark file."]}, "file: Line 3: not a bookmark file."),
        ("not a document", ""),
    ],
)
def test_problem_details_become_one_phrase(problem, expected):
    assert problem_detail(problem) == expected

"""The worker and the scheduler as real processes: they start, poll, and stop cleanly."""

import signal
import socket

import pytest
from processes import ServiceProcess


@pytest.fixture
def environment(database_url, nowhere, tmp_path):
    return {
        "SHELF_TASKS_DATABASE_URL": database_url,
        "SHELF_AUTH_URL": nowhere,
        "SHELF_API_URL": nowhere,
        "SHELF_DATA_DIR": str(tmp_path / "var"),
        "SHELF_LOG_LEVEL": "DEBUG",
        # Far longer than the test may take: stopping must not wait for the next poll.
        "SHELF_TASKS_POLL_INTERVAL": "30",
    }


COMMANDS = {
    # command: (what its first poll logs, the name of its id in the log)
    "worker": ("no jobs due", "worker_id"),
    "scheduler": ("0 schedules enabled", "scheduler_id"),
}


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
@pytest.mark.parametrize("command", COMMANDS)
def test_starts_polls_its_database_and_stops_cleanly(command, signum, environment, tmp_path):
    first_poll, id_field = COMMANDS[command]
    with ServiceProcess([command], env=environment, cwd=tmp_path) as process:
        started = process.wait_for_log(lambda line: line["message"] == f"{command} started")
        assert started[id_field] == f"{socket.gethostname()}:{process.pid}"
        assert started["service"] == "tasks"
        assert started["level"] == "info"
        process.wait_for_log(lambda line: line["message"] == first_poll)

        code, took = process.stop(signum)

        assert code == 0, process.output()
        assert took < 3, f"took {took:.1f} s to stop"
        [stopped] = process.logged(f"{command} stopped")
        assert stopped["reason"] == signum.name
        assert stopped[id_field] == started[id_field]
        assert not any(line.get("level") in ("warning", "error") for line in process.lines
                       if isinstance(line, dict)), process.output()


def test_worker_start_up_line_tells_how_it_is_configured(environment, tmp_path):
    environment |= {"SHELF_TASKS_WORKER_CONCURRENCY": "2", "SHELF_TASKS_LEASE_SECONDS": "90",
                    "SHELF_LOG_LEVEL": "INFO"}
    with ServiceProcess(["worker"], env=environment, cwd=tmp_path) as process:
        started = process.wait_for_log(lambda line: line["message"] == "worker started")
        configured = (started["concurrency"], started["lease_seconds"], started["interval"])
        assert configured == (2, 90, 30)
        code, _took = process.stop()
    assert code == 0
    assert process.logged("no jobs due") == []  # DEBUG lines stay out at INFO

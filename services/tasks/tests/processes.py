"""Run a `shelf-tasks` command as a real process and read its JSON log lines."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Self

# The console script of the environment running the tests (the service's .venv under `uv run`).
SCRIPT = Path(sys.executable).parent / "shelf-tasks"


class ServiceProcess:
    """`with ServiceProcess(["worker"], env={...}) as process:` starts it; leaving kills it if
    it is still running. Its stderr is read line by line in the background."""

    def __init__(self, args: list[str], *, env: Mapping[str, str], cwd: str | Path) -> None:
        assert SCRIPT.exists(), f"{SCRIPT} is missing: run `uv sync` in services/tasks"
        # Only what the test gives, so no SHELF_* variable of the developer's leaks in.
        environ = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONUNBUFFERED": "1", **env}
        self.popen = subprocess.Popen(
            [str(SCRIPT), *args],
            env=environ,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        self.lines: list[dict | str] = []
        self._incoming: queue.Queue[dict | str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        return self.popen.pid

    def _read(self) -> None:
        for raw in self.popen.stderr:
            try:
                line = json.loads(raw)
            except ValueError:
                line = raw.rstrip("\n")
            self._incoming.put(line)
        self._incoming.put(None)  # end of stream: the process closed stderr

    def wait_for_log(self, predicate: Callable[[dict], bool], timeout: float = 15.0) -> dict:
        """The first JSON line (seen so far or coming) for which `predicate` is true."""
        for line in self.lines:
            if isinstance(line, dict) and predicate(line):
                return line
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._incoming.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                self._incoming.put(None)
                raise AssertionError(f"the process ended first: {self.output()}")
            self.lines.append(line)
            if isinstance(line, dict) and predicate(line):
                return line
        raise AssertionError(f"no such log line within {timeout} s: {self.output()}")

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 10.0) -> int:
        """Send `signum`; return the exit code. Raises subprocess.TimeoutExpired when it is
        still running after `timeout` seconds: by default docker's grace between SIGTERM and
        SIGKILL, so a process that passes has stopped by itself before a supervisor would kill
        it."""
        self.popen.send_signal(signum)
        code = self.popen.wait(timeout=timeout)
        self._reader.join(timeout=5)
        while (line := self._drain()) is not None:
            self.lines.append(line)
        return code

    def _drain(self) -> dict | str | None:
        try:
            return self._incoming.get_nowait()
        except queue.Empty:
            return None

    def logged(self, message: str) -> list[dict]:
        return [
            line for line in self.lines if isinstance(line, dict) and line["message"] == message
        ]

    def output(self) -> str:
        return "\n".join(
            json.dumps(line) if isinstance(line, dict) else line for line in self.lines
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc) -> None:
        if self.popen.poll() is None:
            self.popen.kill()  # only our own child, by its pid
            self.popen.wait(timeout=10)
        self._reader.join(timeout=5)
        self.popen.stderr.close()

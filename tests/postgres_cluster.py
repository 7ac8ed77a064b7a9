"""A throwaway Postgres cluster of the test's own, to stop and start under a running system.

The shared server (SHELF_TEST_POSTGRES_URL) must never be restarted: other runs use it. This
makes a new cluster with the machine's Postgres binaries in a fresh temporary folder, on a free
port, with trust authentication and fsync off (its data is thrown away), and removes it at
the end, whatever happened.

    with PostgresCluster.running() as cluster:
        url = cluster.url("postgres")       # postgresql+psycopg://postgres@127.0.0.1:PORT/...
        cluster.restart()                   # pg_ctl restart -m fast
        cluster.stop("immediate")           # as a crash: no checkpoint, connections cut
        cluster.start()                     # crash recovery, then accepting connections

Run as root (as here), `initdb` and `pg_ctl` refuse to run: they run as the `postgres` user
through `runuser`, in a folder that user owns (pytest's tmp_path is under a root-only folder).
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from shelf_kit.testing import free_port

POSTGRES_BIN = Path(os.environ.get("SHELF_TEST_POSTGRES_BIN", "/usr/lib/postgresql/15/bin"))
OWNER = "postgres"
PG_CTL_WAIT = 60  # seconds pg_ctl waits for a start or a stop


class PostgresClusterError(RuntimeError):
    pass


def unavailable_reason() -> str | None:
    """Why no throwaway cluster can be made here, or None when one can."""
    for program in ("initdb", "pg_ctl"):
        if not (POSTGRES_BIN / program).exists():
            return f"{POSTGRES_BIN / program} is missing (Postgres server binaries)"
    try:
        pwd.getpwnam(OWNER)
    except KeyError:
        return f"there is no {OWNER!r} user to run the cluster as"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "runuser is missing (root cannot run initdb itself)"
    return None


class PostgresCluster:
    def __init__(self, folder: Path, port: int) -> None:
        self.folder = folder
        self.data = folder / "data"
        self.log_path = folder / "postgres.log"
        self.port = port

    # -- set-up ------------------------------------------------------------------------------

    @classmethod
    @contextmanager
    def running(cls) -> Iterator[PostgresCluster]:
        """A new cluster, started; stopped (immediately) and deleted afterwards."""
        reason = unavailable_reason()
        if reason:
            raise PostgresClusterError(reason)
        folder = Path(tempfile.mkdtemp(prefix="shelf-pg-"))
        try:
            owner = pwd.getpwnam(OWNER)
            if os.geteuid() == 0:
                os.chown(folder, owner.pw_uid, owner.pw_gid)
            cluster = cls(folder, free_port())
            cluster._init()
            try:
                cluster.start()
                yield cluster
            finally:
                cluster.stop("immediate", missing_ok=True)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def _init(self) -> None:
        self._run(
            POSTGRES_BIN / "initdb",
            "-D",
            self.data,
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--no-instructions",
            "--no-sync",
        )
        # In the configuration, so that pg_ctl restart keeps them. fsync off only skips the
        # flush to disk, which matters when the machine crashes, not the server: a commit is
        # still in the kernel's hands before it is answered. (synchronous_commit off would
        # answer commits an immediate stop then loses.)
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"\n# shelf tests\nport = {self.port}\n"
                "listen_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.folder}'\n"
                "fsync = off\n"
            )

    # -- control -----------------------------------------------------------------------------

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        """Start and wait until it accepts connections (after crash recovery, if any)."""
        self._pg_ctl("start", "-l", self.log_path)

    def stop(self, mode: str = "fast", *, missing_ok: bool = False) -> None:
        """`fast`: connections are ended, a checkpoint is written; `immediate`: as a crash."""
        if missing_ok and not self.is_running():
            return
        self._pg_ctl("stop", "-m", mode)

    def restart(self, mode: str = "fast") -> None:
        self._pg_ctl("restart", "-m", mode, "-l", self.log_path)

    def is_running(self) -> bool:
        result = self._run(POSTGRES_BIN / "pg_ctl", "status", "-D", self.data, check=False)
        return result.returncode == 0

    def log_tail(self, lines: int = 30) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def _pg_ctl(self, action: str, *args: object) -> None:
        self._run(
            POSTGRES_BIN / "pg_ctl", action, "-D", self.data, "-w", "-t", str(PG_CTL_WAIT), *args
        )

    def _run(self, *argv: object, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(part) for part in argv]
        if os.geteuid() == 0:
            command = ["runuser", "-u", OWNER, "--", *command]
        result = subprocess.run(
            command,
            cwd=self.folder,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=PG_CTL_WAIT + 30,
            check=False,
        )
        if check and result.returncode != 0:
            raise PostgresClusterError(
                f"`{' '.join(command)}` failed ({result.returncode}):\n{result.stdout}"
                f"{result.stderr}\n{self.log_tail()}"
            )
        return result

"""Shelf's benchmarks: one command, tables of figures, never a timed assertion.

    cd bench && uv run --frozen python run.py            # full: 100,000 bookmarks (~10 min)
    cd bench && uv run --frozen python run.py --quick    # 5,000 bookmarks, short runs

The whole system is started as real processes (tests/shelf_system.py, reused: the processes
`make run` starts, every service under its own gunicorn with one worker and threads, tasks'
worker with its scheduler thread, the gateway), on SQLite and, when SHELF_TEST_POSTGRES_URL is
set, again on Postgres. Beside it runs the floor: a trivial WSGI app (floor.py) under the same
gunicorn with the same settings, measured by the same client in the same run; every table
quotes its figures as ratios to the floor. The memory floors (floor.py's Flask apps) are
measured once. Last for each backend, issue 15's three figures beside their targets and
linkding's. README.md says what each figure means.
"""

from __future__ import annotations

import argparse
import contextlib
import html
import itertools
import json
import math
import os
import platform
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import requests

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT / "tests"))  # reuse the system tests' fixture, not a copy of it

from shelf_kit.testing import POSTGRES_ENV, free_port  # noqa: E402
from shelf_system import WORKERS, ProcessSpec, ShelfSystem, venv_bin  # noqa: E402

PASSWORD = "a long bench passphrase"
TIMEOUT = (5, 120)
# Settings the benchmark changes from what tests/shelf_system.py gives every process:
BENCH_ENV = {
    # api's outbox relay would otherwise send tasks one fetch_metadata job per generated
    # bookmark (100,000), and tasks' worker would fetch 100,000 made-up pages while we measure.
    # The messages are still written (imports pay for them); they are just not delivered.
    "SHELF_API_OUTBOX_RELAY": "false",
    # The no-op job kinds ("noop", "record") for the queue's figures.
    "SHELF_TASKS_TEST_HANDLERS": "true",
}
# The floors' gunicorn: the Procfile's settings for a service (one worker), with as many threads
# as the client has (4).
FLOOR_THREADS = 4
# The searches (linkding's search language): a word, a rare word, a tag, and a phrase with
# or/not. The rare word is one of the generator's made-up words (in about 0.5 % of bookmarks).
SEARCHES = {
    "word": "python",
    "rare word": "babotalu",
    "tag": "#reading",
    "phrase or/not": '"machine learning" or rust not #archive',
}


class BenchSystem(ShelfSystem):
    """The test fixture's system with the benchmark's settings (BENCH_ENV, and imports of any
    size done at once rather than by a tasks job)."""

    import_threshold = 10_000

    def _common_env(self) -> dict[str, str]:
        env = super()._common_env()
        env.update(BENCH_ENV)
        env["SHELF_API_IMPORT_JOB_THRESHOLD"] = str(self.import_threshold)
        return env


# -- the load client ------------------------------------------------------------------------


@dataclass
class Figures:
    """What one measurement gave: latencies in seconds, requests per second."""

    label: str
    latencies: list[float]
    elapsed: float
    errors: int = 0
    first_error: str = ""
    note: str = ""
    cpu: float | None = None  # CPU seconds the servers spent per measured request

    @property
    def count(self) -> int:
        return len(self.latencies)

    @property
    def median(self) -> float:
        return statistics.median(self.latencies)

    @property
    def p99(self) -> float:
        ordered = sorted(self.latencies)
        return ordered[max(math.ceil(0.99 * len(ordered)) - 1, 0)]

    @property
    def rps(self) -> float:
        return self.count / self.elapsed if self.elapsed else 0.0


def hammer(
    label: str,
    url: str,
    *,
    threads: int,
    seconds: float | None = None,
    total: int | None = None,
    method: str = "GET",
    headers: dict | None = None,
    cookies: dict | None = None,
    body: dict | None = None,
    warmup: int = 5,
    expect: tuple[int, ...] = (200,),
    note: str = "",
    cpu_of: dict[str, int] | None = None,
) -> Figures:
    """`threads` threads, each with its own requests.Session (keep-alive), sending the same
    request for `seconds` seconds or until `total` requests were sent between them, after
    `warmup` unmeasured requests each. Every answer is read whole. With `cpu_of`, the CPU time
    those processes (and their children) spent on the measured requests, per request."""
    latencies: list[list[float]] = [[] for _ in range(threads)]
    errors = [0] * threads
    first_error: list[str] = []
    start_line = threading.Barrier(threads + 1)
    tickets = itertools.count()  # total mode: next() is atomic under the GIL
    deadline = [math.inf]

    def send(client: requests.Session) -> str | None:
        try:
            answer = client.request(method, url, json=body, timeout=TIMEOUT)
        except requests.RequestException as error:
            return f"{type(error).__name__}: {error}"
        if answer.status_code not in expect:
            return f"{answer.status_code} {answer.text[:300]}"
        return None

    def run(n: int) -> None:
        with requests.Session() as client:
            client.headers.update(headers or {})
            client.cookies.update(cookies or {})
            for _ in range(warmup):
                send(client)
            start_line.wait()
            mine = latencies[n]
            while True:
                if total is not None:
                    if next(tickets) >= total:
                        break
                elif time.perf_counter() >= deadline[0]:
                    break
                began = time.perf_counter()
                problem = send(client)
                mine.append(time.perf_counter() - began)
                if problem is not None:
                    errors[n] += 1
                    if not first_error:
                        first_error.append(problem)

    workers = [threading.Thread(target=run, args=(n,), daemon=True) for n in range(threads)]
    for worker in workers:
        worker.start()
    if seconds is not None:
        deadline[0] = time.perf_counter() + seconds + 0.001
    start_line.wait()
    cpu_before = cpu_seconds(cpu_of) if cpu_of else 0.0
    started = time.perf_counter()
    if seconds is not None:
        deadline[0] = started + seconds
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    measured = [x for mine in latencies for x in mine]
    cpu = (cpu_seconds(cpu_of) - cpu_before) / len(measured) if cpu_of and measured else None
    return Figures(
        label,
        measured,
        elapsed,
        sum(errors),
        first_error[0] if first_error else "",
        note,
        cpu,
    )


# -- tables ---------------------------------------------------------------------------------


@dataclass
class Section:
    title: str
    lines: list[str] = field(default_factory=list)

    def print(self) -> None:
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"\n### {self.title}\n\n(load average as it was printed: {load})\n", flush=True)
        for line in self.lines:
            print(line, flush=True)


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows, strict=True)]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    return [
        line(header),
        "|" + "|".join("-" * (w + 2) for w in widths) + "|",
        *(line(row) for row in rows),
    ]


def latency_table(figures: list[Figures], floor: Figures) -> list[str]:
    rows = []
    for f in figures:
        if f.count == 0:
            rows.append([f.label, "0", str(f.errors), "-", "-", "-", "-", "-", "-", "-", f.note])
            continue
        rows.append(
            [
                f.label,
                str(f.count),
                str(f.errors),
                f"{f.median * 1000:.1f}",
                f"{f.p99 * 1000:.1f}",
                f"{f.rps:.0f}",
                f"x{f.median / floor.median:.1f}",
                f"{f.rps / floor.rps:.3f}",
                f"{f.cpu * 1000:.2f}" if f.cpu is not None else "-",
                f"x{f.cpu / floor.cpu:.1f}" if f.cpu is not None and floor.cpu else "-",
                f.note,
            ]
        )
    lines = table(
        [
            "measurement",
            "requests",
            "errors",
            "median ms",
            "p99 ms",
            "req/s",
            "median / floor",
            "req/s / floor",
            "CPU ms / request",
            "CPU / floor",
            "note",
        ],
        rows,
    )
    for f in figures:
        if f.errors:
            lines.append(f"- {f.label}: {f.errors} unexpected answers; first: {f.first_error}")
    return lines


def not_measured(why: str) -> str:
    return f"not measured: {why}"


# -- generated bookmarks --------------------------------------------------------------------

# Made-up words of consonant-vowel syllables: none contains a searched word ("python", "rust",
# "machine learning" all need two consonants or two vowels in a row), so every match is one
# the generator put there on purpose, at a known rate.
SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]


class Generator:
    """Deterministic bookmarks: bookmark i is the same in every run."""

    def __init__(self, seed: int = 7) -> None:
        rng = random.Random(seed)
        words: set[str] = set()
        while len(words) < 3000:
            words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
        self.words = sorted(words)
        self.hosts = [f"{w}.example" for w in self.words[:2000]]
        self.tags = [f"t-{w}" for w in self.words[-200:]]
        self.seed = seed

    def _text(self, rng: random.Random, low: int, high: int, rate: float) -> str:
        words = [rng.choice(self.words) for _ in range(rng.randint(low, high))]
        for phrase, share in (
            ("Python", 2 * rate),
            ("machine learning", rate),
            ("Rust", 1.5 * rate),
        ):
            if rng.random() < share:
                words.insert(rng.randrange(len(words) + 1), phrase)
        return " ".join(words)

    def entry(self, i: int) -> str:
        rng = random.Random(self.seed * 1_000_003 + i)
        url = (
            f"https://{rng.choice(self.hosts)}/{rng.choice(self.words)}/"
            f"{rng.choice(self.words)}-{i}"
        )
        title = self._text(rng, 3, 7, 0.02).capitalize()
        description = self._text(rng, 8, 20, 0.01)
        tags = rng.sample(self.tags, rng.randint(0, 3))
        if rng.random() < 0.05:
            tags.append("reading")
        if rng.random() < 0.03:
            tags.append("archive")
        added = 1_600_000_000 + i * 60
        return (
            f'<DT><A HREF="{html.escape(url)}" ADD_DATE="{added}" '
            f'TAGS="{",".join(tags)}">{html.escape(title)}</A>\n'
            f"<DD>{html.escape(description)}\n"
        )

    def netscape(self, start: int, stop: int) -> bytes:
        parts = [
            "<!DOCTYPE NETSCAPE-Bookmark-file-1>\n"
            '<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=UTF-8">\n'
            "<TITLE>Bookmarks</TITLE>\n<H1>Bookmarks</H1>\n<DL><p>\n"
        ]
        parts.extend(self.entry(i) for i in range(start, stop))
        parts.append("</DL><p>\n")
        return "".join(parts).encode()


# -- people ---------------------------------------------------------------------------------


def log_in(system: ShelfSystem, username: str) -> str:
    answer = requests.post(
        system.urls["auth"] + "/v1/sessions",
        timeout=TIMEOUT,
        json={"username": username, "password": PASSWORD},
    )
    answer.raise_for_status()
    return answer.json()["access_token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def make_people(system: ShelfSystem) -> dict[str, str]:
    """An admin (management command) and two users the admin made: `reader` holds the
    generated bookmarks, `importer` starts empty and imports one file. Returns usernames and
    the reader's API key."""
    system.command("auth", "create-admin", "--username", "benchadmin", "--password", PASSWORD)
    admin = log_in(system, "benchadmin")
    for name in ("reader", "importer"):
        made = requests.post(
            system.urls["auth"] + "/v1/admin/users",
            timeout=TIMEOUT,
            headers=bearer(admin),
            json={"username": name, "password": PASSWORD},
        )
        made.raise_for_status()
    key = requests.post(
        system.urls["auth"] + "/v1/api-key",
        timeout=TIMEOUT,
        headers=bearer(log_in(system, "reader")),
    )
    key.raise_for_status()
    return {"api_key": key.json()["key"]}


def service_token(system: ShelfSystem) -> str:
    """A service token for api's client (the service that enqueues jobs in Shelf)."""
    answer = requests.post(
        system.urls["auth"] + "/v1/service-tokens",
        timeout=TIMEOUT,
        json={"client_id": "api", "client_secret": "dev-api-secret"},
    )
    answer.raise_for_status()
    return answer.json()["access_token"]


def ui_cookies(system: ShelfSystem, username: str) -> dict[str, str]:
    """Log in through the ui's form (CSRF token included): its session cookie."""
    with requests.Session() as browser:
        page = browser.get(system.urls["ui"] + "/login", timeout=TIMEOUT)
        page.raise_for_status()
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text) or re.search(
            r'value="([^"]+)"[^>]*name="csrf_token"', page.text
        )
        if match is None:
            raise RuntimeError("the ui's login page has no csrf_token field")
        answer = browser.post(
            system.urls["ui"] + "/login",
            timeout=TIMEOUT,
            allow_redirects=False,
            data={
                "csrf_token": match.group(1),
                "username": username,
                "password": PASSWORD,
                "next": "",
            },
        )
        if answer.status_code != 302:
            raise RuntimeError(f"ui login answered {answer.status_code}: {answer.text[:300]}")
        return {cookie.name: cookie.value for cookie in browser.cookies if cookie.value is not None}


# -- memory ---------------------------------------------------------------------------------


def _proc_field(path: Path, name: str) -> int:
    """A `Name:   123 kB` field of a /proc file, in KiB (0 when the process is gone)."""
    try:
        for line in path.read_text().splitlines():
            if line.startswith(name + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def process_tree(pid: int) -> list[int]:
    """pid and every descendant (a gunicorn master and its workers)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            with contextlib.suppress(OSError):
                todo.extend(int(c) for c in (task / "children").read_text().split())
    return found


@dataclass
class Memory:
    """RSS and PSS (KiB) of a group of processes."""

    processes: int
    rss: int
    pss: int

    @staticmethod
    def of(pid: int) -> Memory:
        """A process and its descendants (a gunicorn master and its workers)."""
        tree = process_tree(pid)
        return Memory(
            len(tree),
            sum(_proc_field(Path(f"/proc/{p}/status"), "VmRSS") for p in tree),
            sum(_proc_field(Path(f"/proc/{p}/smaps_rollup"), "Pss") for p in tree),
        )

    def __add__(self, other: Memory) -> Memory:
        return Memory(self.processes + other.processes, self.rss + other.rss, self.pss + other.pss)

    def row(self, name: str) -> list[str]:
        return [name, str(self.processes), mib(self.rss), mib(self.pss)]


def mib(kib: float) -> str:
    return f"{kib / 1024:.1f}"


MEMORY_HEADER = ["process", "processes", "RSS MiB", "PSS MiB"]
MEMORY_NOTE = (
    "RSS sums /proc/<pid>/status VmRSS over a gunicorn master and its worker (pages "
    "shared between them count once per process); PSS (/proc/<pid>/smaps_rollup) "
    "shares them out, so PSS adds up to what the machine really spends."
)


def shelf_pids(system: ShelfSystem) -> dict[str, int]:
    """Shelf's processes, as `make run` starts them (the mail sink aside: the tests have their
    own SMTP server): the gateway, a gunicorn per web service, the worker."""
    return {
        name: process.pid
        for name, process in system.processes.items()
        if process is not None and process.poll() is None
    }


def memory_section(title: str, system: ShelfSystem) -> tuple[Section, Memory]:
    labels = {"gateway": "gateway (Caddy)", "tasks": "tasks (and its job worker and scheduler)"}
    total, rows = Memory(0, 0, 0), []
    for name, pid in shelf_pids(system).items():
        memory = Memory.of(pid)
        total += memory
        rows.append(memory.row(labels.get(name, name)))
    rows.append(total.row("Shelf, all of the above"))
    return Section(title, [*table(MEMORY_HEADER, rows), "", MEMORY_NOTE]), total


# -- the floors -----------------------------------------------------------------------------


def gunicorn_argv(target: str, port: int) -> list[str]:
    """bench/floor.py's `target` under gunicorn as the Procfile runs a service (shelf-kit's
    gunicorn settings, one worker with threads)."""
    return [
        str(BENCH / ".venv" / "bin" / "gunicorn"),
        "-c",
        "python:shelf_kit.gunicorn_conf",
        "--no-control-socket",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(WORKERS),
        "--threads",
        str(FLOOR_THREADS),
        target,
    ]


@contextlib.contextmanager
def floor_process(
    folder: Path, name: str, argv: list[str], ready: Callable[[], bool]
) -> Iterator[subprocess.Popen]:
    """A floor started from bench/, its output in FOLDER/NAME.log; stopped afterwards."""
    log = (folder / f"{name}.log").open("wb")
    process = subprocess.Popen(
        argv,
        cwd=BENCH,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env=os.environ | {"SHELF_BENCH_FLOOR_DIR": str(folder)},
    )
    try:
        deadline = time.monotonic() + 30
        while not ready():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start; see {folder}/{name}.log")
            time.sleep(0.1)
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def answers(url: str) -> Callable[[], bool]:
    def check() -> bool:
        with contextlib.suppress(requests.RequestException):
            return requests.get(url, timeout=1).status_code == 200
        return False

    return check


@contextlib.contextmanager
def floor_server(
    folder: Path, target: str = "floor:app", name: str = "floor"
) -> Iterator[tuple[str, subprocess.Popen]]:
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    with floor_process(folder, name, gunicorn_argv(target, port), answers(url)) as process:
        yield url, process


@dataclass
class Floors:
    """The memory floors (bench/floor.py) and what they add up to for Shelf's process model."""

    flask: Memory
    service: Memory
    worker: Memory

    def design(self, gateway: Memory) -> Memory:
        """The least `make run`'s processes can weigh with these libraries: the gateway as
        measured, three services with a database (auth, api, tasks), the ui (Flask alone; it
        has no database); tasks' web process runs its jobs too."""
        return gateway + self.service + self.service + self.service + self.flask


def measure_floors(folder: Path) -> Floors:
    found = {}
    for name, target in (("flask", "floor:flask_app()"), ("service", "floor:service_app()")):
        with floor_server(folder, target, f"floor-{name}") as (_url, process):
            time.sleep(1)  # the worker has logged "Worker ready"; let it settle
            found[name] = Memory.of(process.pid)
    marker = folder / "floor-worker.ready"
    argv = [str(BENCH / ".venv" / "bin" / "python"), "floor.py", "worker", str(folder)]
    with floor_process(folder, "floor-worker", argv, marker.exists) as process:
        time.sleep(1)
        found["worker"] = Memory.of(process.pid)
    return Floors(**found)


def floors_section(floors: Floors, gateway: Memory) -> Section:
    rows = [
        floors.flask.row("gunicorn + Flask (a web service's framework alone)"),
        floors.service.row(
            "gunicorn + Flask, SQLAlchemy ORM, requests, PyJWT/cryptography "
            "(what a service with a database loads)"
        ),
        floors.worker.row(
            "Python + the same, no gunicorn (a worker process's floor, as compose runs "
            "them; make run has none)"
        ),
        floors.design(gateway).row(
            "make run's process model at its floor: the gateway as "
            "measured + 3 services with a database + the ui (Flask alone)"
        ),
    ]
    return Section(
        "The memory floors (bench/floor.py; same gunicorn settings as the Procfile)",
        [
            *table(MEMORY_HEADER, rows),
            "",
            "Each floor uses its libraries once, as a service does (a SQLite query "
            "through the ORM, a requests session, an ES256 token signed and verified). "
            "Shelf's own code, templates, schemas and other libraries come on top.",
            MEMORY_NOTE,
        ],
    )


# -- CPU ------------------------------------------------------------------------------------


def cpu_seconds(pids: dict[str, int]) -> float:
    """User + system CPU time of processes and their descendants, every thread included."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids.values():
        for member in process_tree(pid):
            with contextlib.suppress(OSError, ValueError, IndexError):
                # after the command's closing parenthesis: state is field 3, utime 14, stime 15
                fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
    return total / ticks


# -- the benchmarks -------------------------------------------------------------------------


@dataclass
class Options:
    bookmarks: int
    import_size: int
    seed_file: int
    seconds: float
    threads: int
    jobs: int
    run_at_jobs: int
    cron_fires: int


def import_file(system: ShelfSystem, token: str, data: bytes, name: str) -> tuple[float, dict]:
    began = time.perf_counter()
    answer = requests.post(
        system.urls["api"] + "/api/bookmarks/import/",
        headers=bearer(token),
        files={"file": (name, data, "text/html")},
        timeout=(5, 600),
    )
    elapsed = time.perf_counter() - began
    if answer.status_code != 201:
        raise RuntimeError(f"import of {name} answered {answer.status_code}: {answer.text[:300]}")
    return elapsed, answer.json()


def analyze(system: ShelfSystem, service: str = "api") -> float | None:
    """Postgres: VACUUM ANALYZE a service's database, as autovacuum does after a bulk insert:
    the planner's statistics, and the GIN trigram indexes' pending lists merged into the
    indexes (left pending, every search scans them); seconds taken. None on SQLite."""
    url = system.database_urls[service]
    if not url.startswith("postgresql"):
        return None
    import psycopg

    began = time.perf_counter()
    with psycopg.connect(
        url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True
    ) as connection:
        connection.execute("VACUUM ANALYZE")
    return time.perf_counter() - began


def postgres_autovacuum(url: str) -> str:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as connection:
        row = connection.execute("SHOW autovacuum").fetchone()
        if row is None:
            raise RuntimeError("SHOW autovacuum answered no row")
        return row[0]


@dataclass
class ImportFigures:
    """The import into an empty account: its size, the client's time, and the CPU time every
    Shelf process spent meanwhile."""

    bookmarks: int
    wall: float
    cpu: float


def bench_imports(
    system: ShelfSystem, options: Options, generator: Generator
) -> tuple[Section, ImportFigures]:
    section = Section("api: imports (one request each, Bearer token)")
    analyzing = 0.0
    # The reader's bookmarks first, in files of seed_file bookmarks: the first file lands on a
    # cold api worker (empty caches), so it is listed apart.
    token = log_in(system, "reader")
    began = time.perf_counter()
    timings = []
    for start in range(0, options.bookmarks, options.seed_file):
        stop = min(start + options.seed_file, options.bookmarks)
        seconds, answer = import_file(
            system, token, generator.netscape(start, stop), f"seed-{start}.html"
        )
        if answer["created"] != stop - start:
            raise RuntimeError(f"seed file {start}-{stop} created {answer['created']}")
        timings.append((start, stop, seconds))
        print(
            f"  (generated {stop:,} of {options.bookmarks:,} bookmarks)",
            file=sys.stderr,
            flush=True,
        )
        analyzing += analyze(system) or 0.0
    total = time.perf_counter() - began - analyzing
    # Then the figure DESIGN.md and issue 15 ask for: one file into an empty account, on warm
    # workers, with the CPU time of every Shelf process. Its bookmarks are not the reader's, so
    # the reader's searches see only their own.
    offset = 10_000_000
    data = generator.netscape(offset, offset + options.import_size)
    importer = log_in(system, "importer")
    time.sleep(1)  # what logging in cost settles before the CPU count starts
    cpu_before = cpu_seconds(shelf_pids(system))
    seconds, answer = import_file(system, importer, data, "import.html")
    cpu = cpu_seconds(shelf_pids(system)) - cpu_before
    figures = ImportFigures(answer["created"], seconds, cpu)
    rows = [
        [
            f"{options.import_size:,}-bookmark Netscape file into an empty account",
            f"{len(data) / 1e6:.1f} MB",
            f"{seconds:.2f}",
            f"{answer['created'] / seconds:,.0f}",
            f"{figures.cpu:.2f}",
        ],
        [
            f"generating the reader's {options.bookmarks:,} bookmarks: {len(timings)} "
            f"file(s) of up to {options.seed_file:,}",
            "",
            f"{total:.2f}",
            f"{options.bookmarks / total:,.0f}",
            "",
        ],
    ]
    start, stop, seconds = timings[0]
    rows.append(
        [
            f"  of which the first file ({stop - start:,}; a cold api worker)",
            "",
            f"{seconds:.2f}",
            f"{(stop - start) / seconds:,.0f}",
            "",
        ]
    )
    if len(timings) > 1:
        start, stop, seconds = timings[-1]
        rows.append(
            [
                f"  of which the last file ({stop - start:,}) into an account holding {start:,}",
                "",
                f"{seconds:.2f}",
                f"{(stop - start) / seconds:,.0f}",
                "",
            ]
        )
    section.lines = table(["import", "file", "seconds", "bookmarks/s", "CPU s, all of Shelf"], rows)
    section.lines.append("")
    section.lines.append(
        "Each import is one request, timed by the client, written 500 "
        "bookmarks a transaction; each transaction also writes one outbox "
        "message (fetch_metadata) for its new bookmarks' pages, left "
        "undelivered here (SHELF_API_OUTBOX_RELAY=false). CPU: user + "
        "system time of every Shelf process (/proc/<pid>/stat, all threads) "
        "while the request ran."
    )
    if system.database_urls["api"].startswith("postgresql"):
        section.lines.append(
            f"Postgres: VACUUM ANALYZE ran after each file ({analyzing:.1f} s "
            "in all, not counted above), as autovacuum does after a bulk insert."
        )
    return section, figures


@dataclass
class DiskFigures:
    bookmarks: int
    size: int  # bytes of api's database file after the checkpoint
    wal: int  # bytes left in its write-ahead log (0 when the checkpoint could truncate it)

    @property
    def per_bookmark(self) -> float:
        return self.size / self.bookmarks if self.bookmarks else math.nan


def sqlite_disk(system: ShelfSystem) -> DiskFigures | None:
    """api's SQLite file after a WAL checkpoint, per bookmark it holds (None on Postgres)."""
    url = system.database_urls["api"]
    if not url.startswith("sqlite:///"):
        return None
    import sqlite3

    path = Path(url.removeprefix("sqlite:///"))
    wal = path.with_name(path.name + "-wal")
    with contextlib.closing(sqlite3.connect(path, timeout=30)) as connection:
        for _ in range(50):  # a reader in the middle of a transaction makes it busy: again
            busy, _log, _moved = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if not busy:
                break
            time.sleep(0.1)
        bookmarks = connection.execute("SELECT count(*) FROM bookmarks").fetchone()[0]
    return DiskFigures(bookmarks, path.stat().st_size, wal.stat().st_size if wal.exists() else 0)


def bench_api(
    system: ShelfSystem,
    options: Options,
    api_key: str,
    floor: Figures,
    floor_url: str,
    floor_pid: int,
) -> Section:
    token = log_in(system, "reader")
    base = system.urls["api"] + "/api/bookmarks/"
    queries = {"list": ""} | {f"search: {k}": v for k, v in SEARCHES.items()}
    figures = []
    for label, q in queries.items():
        params = {"limit": "100"} | ({"q": q} if q else {})
        url = f"{base}?{urlencode(params)}"
        probe = requests.get(url, headers=bearer(token), timeout=TIMEOUT)
        count = probe.json().get("count") if probe.status_code == 200 else probe.status_code
        for scheme, headers in (
            ("Bearer", bearer(token)),
            ("API key", {"Authorization": f"Token {api_key}"}),
        ):
            figures.append(
                hammer(
                    f"{label} ({scheme})",
                    url,
                    threads=options.threads,
                    seconds=options.seconds,
                    headers=headers,
                    note=f"{count:,} match" if isinstance(count, int) else "",
                    cpu_of=shelf_pids(system),
                )
            )
    after = hammer(
        "floor again, after the rows above",
        floor_url,
        threads=options.threads,
        seconds=options.seconds,
        note="drift: how much the machine changed meanwhile",
        cpu_of={"floor": floor_pid},
    )
    section = Section(f"api: GET /api/bookmarks/?limit=100 on {options.bookmarks:,} bookmarks")
    section.lines = [
        "`q` for the searches: " + "; ".join(f"{k}: `{v}`" for k, v in SEARCHES.items()),
        "",
        *latency_table([floor, *figures, after], floor),
    ]
    return section


def bench_ui(system: ShelfSystem, options: Options, floor: Figures) -> Section:
    cookies = ui_cookies(system, "reader")
    check = requests.get(system.urls["ui"] + "/bookmarks", cookies=cookies, timeout=TIMEOUT)
    if check.status_code != 200 or "/login" in check.url:
        raise RuntimeError(f"the ui's bookmark list answered {check.status_code} at {check.url}")
    page = hammer(
        "GET /bookmarks (ui, session cookie)",
        system.urls["ui"] + "/bookmarks",
        threads=options.threads,
        seconds=options.seconds,
        cookies=cookies,
        note="ui -> api (Bearer) -> database; 20 a page",
        cpu_of=shelf_pids(system),
    )
    section = Section("The whole system: a page of the bookmark list through the ui")
    section.lines = latency_table([floor, page], floor)
    return section


WORKER_PROCESSES = ("worker", "worker2")


@contextlib.contextmanager
def worker_processes(system: ShelfSystem) -> Iterator[None]:
    """Jobs run by worker processes (`shelf-tasks worker`, as compose runs them) rather than
    by tasks' web process (make run's way), so the figures can be taken with one and two;
    make run's way is back afterwards."""
    for name in WORKER_PROCESSES:
        system.specs[name] = ProcessSpec(
            name, "tasks", (str(venv_bin("tasks", "shelf-tasks")), "worker")
        )
        system.processes[name] = None
        system.log_paths[name] = system.log_dir / f"{name}.log"
    system.env["SHELF_TASKS_WEB_RUNS_JOBS"] = "false"
    system.stop("tasks")
    system.start("tasks")
    try:
        yield
    finally:
        for name in WORKER_PROCESSES:
            if system.is_running(name):
                system.stop(name)
            del system.specs[name], system.processes[name]
        system.env["SHELF_TASKS_WEB_RUNS_JOBS"] = "true"
        system.stop("tasks")
        system.start("tasks")


def noop_completed(system: ShelfSystem, headers: dict) -> int:
    answer = requests.get(system.urls["tasks"] + "/v1/stats", headers=headers, timeout=TIMEOUT)
    answer.raise_for_status()
    return answer.json()["by_kind"].get("noop", {}).get("completed", 0)


def throughput(system: ShelfSystem, options: Options, headers: dict, workers: list[str]) -> str:
    """Stop the workers, enqueue `jobs` no-op jobs, start `workers` at once, and time the
    completions (from the first seen to the last, so start-up is not counted)."""
    for name in WORKER_PROCESSES:
        if system.is_running(name):
            system.stop(name)
    before = noop_completed(system, headers)
    enqueued = hammer(
        "enqueue",
        system.urls["tasks"] + "/v1/jobs",
        method="POST",
        threads=options.threads,
        total=options.jobs,
        headers=headers,
        body={"kind": "noop"},
        warmup=0,
        expect=(201,),
    )
    if enqueued.errors:
        raise RuntimeError(f"enqueueing failed: {enqueued.first_error}")
    analyze(system, "tasks")
    started = time.perf_counter()
    for name in workers:
        system.start(name)
    first: tuple[float, int] | None = None
    deadline = started + 300
    while True:
        done = noop_completed(system, headers) - before
        now = time.perf_counter()
        if first is None and done > 0:
            first = (now, done)
        if done >= options.jobs:
            break
        if now > deadline:
            raise RuntimeError(f"only {done} of {options.jobs} jobs completed in 300 s")
        time.sleep(0.05)
    if first is None:  # only when no job was asked for
        raise RuntimeError(f"no job completed ({options.jobs} asked for)")
    rate = (options.jobs - first[1]) / (now - first[0]) if now > first[0] else math.inf
    return f"{rate:,.0f} jobs/s ({options.jobs:,} jobs; {now - started:.1f} s from start)"


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def wait_jobs(system: ShelfSystem, headers: dict, ids: list[int], timeout: float) -> list[dict]:
    deadline = time.monotonic() + timeout
    jobs: dict[int, dict] = {}
    while len(jobs) < len(ids):
        for job_id in ids:
            if job_id in jobs:
                continue
            job = requests.get(
                f"{system.urls['tasks']}/v1/jobs/{job_id}", headers=headers, timeout=TIMEOUT
            ).json()
            if job["state"] in ("completed", "discarded", "cancelled"):
                jobs[job_id] = job
        if time.monotonic() > deadline:
            raise RuntimeError(f"{len(ids) - len(jobs)} jobs did not finish in {timeout:.0f} s")
        time.sleep(0.2)
    return [jobs[i] for i in ids]


def run_at_delays(system: ShelfSystem, options: Options, headers: dict) -> list[float]:
    """`record` jobs due at staggered times; each writes the time it started to a file."""
    path = system.folder / f"record-{time.time_ns()}.jsonl"
    now = datetime.now(UTC)
    due = {}
    for n in range(options.run_at_jobs):
        run_at = now + timedelta(seconds=2 + n * 0.37)
        made = requests.post(
            system.urls["tasks"] + "/v1/jobs",
            headers=headers,
            timeout=TIMEOUT,
            json={"kind": "record", "args": {"path": str(path)}, "run_at": run_at.isoformat()},
        )
        made.raise_for_status()
        due[made.json()["id"]] = run_at.timestamp()
    wait_jobs(system, headers, list(due), timeout=60 + options.run_at_jobs)
    starts: dict[int, float] = {}
    for line in path.read_text().splitlines():
        entry = json.loads(line)
        if entry["event"] == "start":
            starts.setdefault(entry["job"], entry["at"])
    return [starts[job_id] - at for job_id, at in due.items()]


def cron_delays(system: ShelfSystem, options: Options, headers: dict) -> list[tuple[float, float]]:
    """Make the `purge` schedule fire every minute, wait for `cron_fires` fires, put it back.
    For each fire: seconds from the fire time to its job being made, and to it finishing."""
    schedules = requests.get(
        system.urls["tasks"] + "/v1/schedules", headers=headers, timeout=TIMEOUT
    )
    schedules.raise_for_status()
    listed = schedules.json()
    listed = listed.get("results", listed) if isinstance(listed, dict) else listed
    purge = next(s for s in listed if s["name"] == "purge")
    url = f"{system.urls['tasks']}/v1/schedules/{purge['id']}"
    requests.patch(
        url, headers=headers, json={"cron": "* * * * *"}, timeout=TIMEOUT
    ).raise_for_status()
    delays: list[tuple[float, float]] = []
    seen = purge.get("last_job_id")
    try:
        deadline = time.monotonic() + 75 * options.cron_fires
        while len(delays) < options.cron_fires:
            if time.monotonic() > deadline:
                raise RuntimeError("the purge schedule did not fire within a minute and a bit")
            time.sleep(0.5)
            schedule = requests.get(url, headers=headers, timeout=TIMEOUT).json()
            if schedule.get("last_job_id") in (None, seen):
                continue
            seen = schedule["last_job_id"]
            (job,) = wait_jobs(system, headers, [seen], timeout=60)
            fire = parse_time(schedule["last_fire_at"])
            delays.append(
                (
                    (parse_time(job["created_at"]) - fire).total_seconds(),
                    (parse_time(job["finished_at"]) - fire).total_seconds(),
                )
            )
    finally:
        requests.patch(url, headers=headers, json={"cron": purge["cron"]}, timeout=TIMEOUT)
    return delays


def bench_tasks(system: ShelfSystem, options: Options, floor: Figures) -> list[Section]:
    headers = bearer(service_token(system))
    probe = requests.post(
        system.urls["tasks"] + "/v1/jobs", headers=headers, timeout=TIMEOUT, json={"kind": "noop"}
    )
    if probe.status_code != 201:
        why = (
            f"tasks answered POST /v1/jobs {{kind: noop}} with {probe.status_code} "
            f"({probe.text[:200]}): its job queue or the test-only no-op kind is missing"
        )
        return [Section("tasks: the job queue", [not_measured(why)])]
    enqueue = hammer(
        "POST /v1/jobs {kind: noop} (service token)",
        system.urls["tasks"] + "/v1/jobs",
        method="POST",
        threads=options.threads,
        seconds=options.seconds,
        headers=headers,
        body={"kind": "noop"},
        expect=(201,),
        note="the worker consuming meanwhile",
    )
    http = Section("tasks: enqueueing over HTTP", latency_table([floor, enqueue], floor))
    rows = []
    with worker_processes(system):
        for label, workers in (
            ("one worker process", ["worker"]),
            ("two worker processes", list(WORKER_PROCESSES)),
        ):
            try:
                rows.append(
                    [
                        f"no-op jobs through {label} (4 threads each)",
                        throughput(system, options, headers, workers),
                    ]
                )
            except Exception as error:
                rows.append([f"no-op jobs through {label}", not_measured(repr(error))])
    try:
        delays = run_at_delays(system, options, headers)
        rows.append(
            [
                f"run_at -> job started ({len(delays)} `record` jobs, tasks' web process idle)",
                f"median {statistics.median(delays) * 1000:.0f} ms, "
                f"max {max(delays) * 1000:.0f} ms",
            ]
        )
    except Exception as error:
        rows.append(["run_at -> job started", not_measured(repr(error))])
    if options.cron_fires:
        try:
            fires = cron_delays(system, options, headers)
            made = [a for a, _ in fires]
            done = [b for _, b in fires]
            rows.append(
                [
                    f"cron fire -> job made ({len(fires)} fire(s) of `purge`, every minute)",
                    f"median {statistics.median(made) * 1000:.0f} ms, "
                    f"max {max(made) * 1000:.0f} ms",
                ]
            )
            rows.append(
                [
                    "cron fire -> that job finished (an upper bound on its start)",
                    f"median {statistics.median(done) * 1000:.0f} ms, "
                    f"max {max(done) * 1000:.0f} ms",
                ]
            )
        except Exception as error:
            rows.append(["cron fire -> job started", not_measured(repr(error))])
    else:
        rows.append(["cron fire -> job started", not_measured("--cron-fires 0")])
    queue = Section(
        "tasks: the queue (no-op jobs; defaults: 4 threads a worker, polls every 1 s, "
        "scheduler looks every 5 s)",
        table(["measurement", "figure"], rows),
    )
    return [http, queue]


def guarded(title: str, step: Callable[[], Section | list[Section]]) -> list[Section]:
    try:
        result = step()
    except Exception as error:
        return [Section(title, [not_measured(f"{type(error).__name__}: {error}")])]
    return result if isinstance(result, list) else [result]


def run_backend(
    backend: str,
    options: Options,
    folder: Path,
    floor_url: str,
    floor_pid: int,
    floors: Floors | None,
) -> None:
    generator = Generator()
    BenchSystem.import_threshold = max(options.import_size, options.seed_file)
    began = time.perf_counter()
    with BenchSystem.running(folder / backend, jobs_in_web=True) as system:
        print(
            f"\n## {backend}: system started in {time.perf_counter() - began:.1f} s "
            f"(folder {system.folder})",
            flush=True,
        )
        api_key = make_people(system)["api_key"]
        time.sleep(2)
        section, at_rest = memory_section(
            "Memory at rest, just started (after start-up and creating the users)", system
        )
        section.print()
        if floors is not None:
            floors_section(floors, Memory.of(system.processes["gateway"].pid)).print()
        imports = disk = None
        try:
            section, imports = bench_imports(system, options, generator)
            disk = sqlite_disk(system)
        except Exception as error:
            section = Section("api: imports", [not_measured(f"{type(error).__name__}: {error}")])
        section.print()
        floor = hammer(
            "floor: GET / (bench/floor.py)",
            floor_url,
            cpu_of={"floor": floor_pid},
            threads=options.threads,
            seconds=options.seconds,
            note="measured again, just before",
        )
        steps: list[tuple[str, Callable[[], Section | list[Section]]]] = [
            (
                "api: list and searches",
                lambda: bench_api(system, options, api_key, floor, floor_url, floor_pid),
            ),
            ("The whole system: ui", lambda: bench_ui(system, options, floor)),
            ("tasks", lambda: bench_tasks(system, options, floor)),
        ]
        for title, step in steps:
            for section in guarded(title, step):
                section.print()
        time.sleep(3)
        section, after = memory_section("Memory at rest after the benchmarks (3 s idle)", system)
        section.print()
        issue_15_section(backend, at_rest, after, imports, disk).print()


# Issue 15's figures for linkding 1.46 (gunicorn, 2 workers x 4 threads, SQLite, the same
# generated bookmarks, on this machine kind). The bench cannot run linkding: they are quoted.
LINKDING_MEMORY = "294 / 248 MiB (4 processes)"
LINKDING_IMPORT = (6.2, 3.3)  # seconds: wall, CPU
LINKDING_BYTES = "~460 bytes"
# Issue 15's targets.
TARGET_RSS_MIB = 440
TARGET_IMPORT_CPU = 1.6  # seconds, every Shelf process together
TARGET_IMPORT_WALL = LINKDING_IMPORT[0] / 2
TARGET_BYTES = 700
TARGET_IMPORT_SIZE = 10_000


def met(ok: bool) -> str:
    return "yes" if ok else "no"


HOW_ISSUE_15_IS_MEASURED = re.sub(
    r"\s+",
    " ",
    """
Memory: the table "Memory at rest, just started" above (Shelf's processes as `make run` starts
them; the bench's floor servers and a Postgres server are not counted). Import: the
10,000-bookmark file of "api: imports", the client's time, and the CPU time of every Shelf
process meanwhile (its outbox messages are left undelivered, so no page is fetched). Disk:
api's database file after `PRAGMA wal_checkpoint(TRUNCATE)`, divided by the bookmarks it holds
(the reader's and the importer's; no page was fetched, so no page text). linkding's figures are
issue 15's, measured on this machine kind with linkding 1.46 under gunicorn (2 workers x 4
threads) on SQLite; the bench cannot start linkding, so they stay as they were measured.
""",
).strip()


def issue_15_section(
    backend: str,
    at_rest: Memory,
    after: Memory,
    imports: ImportFigures | None,
    disk: DiskFigures | None,
) -> Section:
    rss = at_rest.rss / 1024
    rows = [
        [
            "memory at rest, the default `make run` processes (mail sink aside), RSS / PSS",
            f"{rss:,.0f} / {at_rest.pss / 1024:,.0f} MiB ({at_rest.processes} processes; after "
            f"the benchmarks {after.rss / 1024:,.0f} / {after.pss / 1024:,.0f})",
            f"<= {TARGET_RSS_MIB} MiB RSS",
            met(rss <= TARGET_RSS_MIB),
            LINKDING_MEMORY,
        ]
    ]
    label = (
        f"import of {TARGET_IMPORT_SIZE:,} bookmarks into an empty account: wall / CPU of "
        "all Shelf processes"
    )
    target = f"<= {TARGET_IMPORT_WALL:g} s wall (half linkding's), <= {TARGET_IMPORT_CPU:g} s CPU"
    linkding = f"{LINKDING_IMPORT[0]:g} s / {LINKDING_IMPORT[1]:g} s"
    if imports is None:
        rows.append([label, not_measured("the import failed (above)"), target, "-", linkding])
    elif imports.bookmarks != TARGET_IMPORT_SIZE:
        rows.append(
            [
                label,
                f"{imports.wall:.2f} s / {imports.cpu:.2f} s, but of "
                f"{imports.bookmarks:,} bookmarks (--import-size)",
                target,
                "-",
                linkding,
            ]
        )
    else:
        rows.append(
            [
                label,
                f"{imports.wall:.2f} s / {imports.cpu:.2f} s",
                target,
                met(imports.wall <= TARGET_IMPORT_WALL and imports.cpu <= TARGET_IMPORT_CPU),
                linkding,
            ]
        )
    label = "SQLite database per bookmark (after a WAL checkpoint, no page text)"
    if disk is None:
        rows.append(
            [
                label,
                "not measured: SQLite only"
                if backend != "sqlite"
                else not_measured("the import failed (above)"),
                f"<= {TARGET_BYTES} bytes",
                "-",
                LINKDING_BYTES,
            ]
        )
    else:
        wal = f", {disk.wal:,} bytes left in the WAL" if disk.wal else ""
        rows.append(
            [
                label,
                f"{disk.per_bookmark:,.0f} bytes ({disk.size / 1e6:.1f} MB, "
                f"{disk.bookmarks:,} bookmarks{wal})",
                f"<= {TARGET_BYTES} bytes",
                met(disk.per_bookmark <= TARGET_BYTES),
                LINKDING_BYTES,
            ]
        )
    lines = table(
        [
            "figure",
            f"Shelf, this run ({backend})",
            "target",
            "met",
            "linkding 1.46 (issue 15; measured elsewhere, not re-measured)",
        ],
        rows,
    )
    return Section(
        "Issue 15: Shelf's figures against their targets, linkding's beside them",
        [
            *lines,
            "",
            HOW_ISSUE_15_IS_MEASURED,
        ],
    )


@contextlib.contextmanager
def backend_environment(backend: str, postgres_url: str | None) -> Iterator[None]:
    saved = os.environ.get(POSTGRES_ENV)
    if backend == "postgres":
        os.environ[POSTGRES_ENV] = postgres_url or ""
    else:
        os.environ.pop(POSTGRES_ENV, None)
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(POSTGRES_ENV, None)
        else:
            os.environ[POSTGRES_ENV] = saved


def machine() -> str:
    cpu = ""
    with contextlib.suppress(OSError):
        cpu = next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            "",
        )
    memory = _proc_field(Path("/proc/meminfo"), "MemTotal") / 1024 / 1024
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} cores ({cpu or platform.machine()}), {memory:.1f} GiB, "
        f"Linux {platform.release()}, Python {platform.python_version()}; "
        f"load average at start {load}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="5,000 bookmarks, 3 s a measurement, 1,000 jobs"
    )
    parser.add_argument("--bookmarks", type=int, help="bookmarks to generate (100000)")
    parser.add_argument("--import-size", type=int, help="bookmarks in the import file (10000)")
    parser.add_argument(
        "--seed-file", type=int, default=10_000, help="bookmarks per file when generating (10000)"
    )
    parser.add_argument("--seconds", type=float, help="seconds per HTTP measurement (5)")
    parser.add_argument(
        "--threads", type=int, default=4, help="client threads, one keep-alive session each (4)"
    )
    parser.add_argument("--jobs", type=int, help="no-op jobs per throughput run (2000)")
    parser.add_argument("--cron-fires", type=int, help="cron fires to wait for (1; 0 skips)")
    parser.add_argument(
        "--backend",
        choices=["auto", "sqlite", "postgres"],
        default="auto",
        help=f"auto: SQLite, then Postgres when {POSTGRES_ENV} is set",
    )
    parser.add_argument("--folder", type=Path, help="where the systems' logs and data go")
    args = parser.parse_args(argv)
    quick = args.quick
    options = Options(
        bookmarks=args.bookmarks or (5_000 if quick else 100_000),
        import_size=args.import_size or 10_000,
        seed_file=args.seed_file,
        seconds=args.seconds or (3.0 if quick else 5.0),
        threads=args.threads,
        jobs=args.jobs or (1_000 if quick else 2_000),
        run_at_jobs=5 if quick else 10,
        cron_fires=1 if args.cron_fires is None else args.cron_fires,
    )
    postgres_url = os.environ.get(POSTGRES_ENV) or None
    if args.backend == "auto":
        backends = ["sqlite"] + (["postgres"] if postgres_url else [])
    elif args.backend == "postgres" and not postgres_url:
        parser.error(f"--backend postgres needs {POSTGRES_ENV}")
    else:
        backends = [args.backend]
    folder = args.folder or Path(tempfile.mkdtemp(prefix="shelf-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(
        f"# Shelf benchmarks, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC "
        f"({'quick' if quick else 'full'} run)\n"
    )
    print(f"- machine: {machine()}")
    print(
        f"- client: Python, {options.threads} threads, a requests.Session (keep-alive) each, "
        f"{options.seconds:g} s a measurement after 5 warm-up requests a thread; it shares "
        "the cores with the servers, so its own ceiling is in the floor's figures"
    )
    print(f"- backends: {', '.join(backends)}; logs and data under {folder}")
    if "postgres" in backends and postgres_url:
        print(f"- Postgres: autovacuum {postgres_autovacuum(postgres_url)} on this server")
    not_postgres = "" if postgres_url else f" ({POSTGRES_ENV} is not set: no Postgres run)"
    print(
        f"- settings changed from tests/shelf_system.py: "
        f"{', '.join(f'{k}={v}' for k, v in BENCH_ENV.items())}, "
        f"SHELF_API_IMPORT_JOB_THRESHOLD={max(options.import_size, options.seed_file)}"
        f"{not_postgres}",
        flush=True,
    )
    began = time.perf_counter()
    try:
        floors = measure_floors(folder)
    except Exception as error:  # the figures of Shelf itself are still worth printing
        print(f"\n(the memory floors: {not_measured(f'{type(error).__name__}: {error}')})")
        floors = None
    with floor_server(folder) as (floor_url, floor_process):
        for backend in backends:
            with backend_environment(backend, postgres_url):
                run_backend(backend, options, folder, floor_url, floor_process.pid, floors)
    print(f"\nDone in {time.perf_counter() - began:.0f} s.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

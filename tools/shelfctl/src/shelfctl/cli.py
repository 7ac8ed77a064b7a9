"""`shelfctl`: the command group, `status`, and the one place errors become one line."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import click

from shelf_http import ServiceClient, ServiceError, ServiceUnavailable

from . import __version__
from .config import SERVICES, Config
from .errors import CtlError, from_service_error, one_line
from .output import echo_json, echo_table
from .shelf import CONNECT_TIMEOUT, Shelf


class Context:
    """What every command shares: the settings (read when first needed) and the Shelf."""

    def __init__(self, config_path: str | None) -> None:
        self.config_path = config_path
        self._config: Config | None = None
        self._shelf: Shelf | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = Config.load(self.config_path)
        return self._config

    @property
    def shelf(self) -> Shelf:
        if self._shelf is None:
            self._shelf = Shelf(self.config)
        return self._shelf

    def close(self) -> None:
        if self._shelf is not None:
            self._shelf.close()


pass_context = click.make_pass_decorator(Context)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--config",
    "config_path",
    envvar="SHELFCTL_CONFIG",
    metavar="FILE",
    type=click.Path(dir_okay=False),
    help="TOML file with the settings (default: ~/.config/shelfctl.toml); the "
    "environment wins over it.",
)
@click.version_option(__version__, prog_name="shelfctl")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None) -> None:
    """Operate a Shelf installation over HTTP: status, users, import/export, jobs, schedules.

    \b
    Settings (environment variables, or the same keys in the config file):
      SHELF_AUTH_URL, SHELF_API_URL, SHELF_TASKS_URL, SHELF_UI_URL
                       where the services are (default http://127.0.0.1:8001/8002/8003/8000)
      SHELFCTL_USERNAME, SHELFCTL_PASSWORD
                       an account to log in with at auth (admin commands need an admin)
      SHELFCTL_TOKEN   or an access token (Bearer) instead of a password
      SHELFCTL_TIMEOUT seconds to wait for an answer (default 10)

    Exit codes: 0 done, 1 Shelf refused or is unreachable, 2 wrong command line or settings.
    """
    context = Context(config_path)
    ctx.obj = context
    ctx.call_on_close(context.close)


# -- status ------------------------------------------------------------------------------------


def probe(service: str, url: str, timeout: float) -> dict[str, Any]:
    """One service's /healthz and /readyz, as a row of the status table."""
    row: dict[str, Any] = {
        "service": service,
        "url": url,
        "health": "down",
        "ready": None,
        "version": None,
        "detail": None,
    }
    with ServiceClient(
        service,
        url,
        connect_timeout=min(CONNECT_TIMEOUT, timeout),
        read_timeout=timeout,
        retries=0,
        user_agent=f"shelfctl/{__version__}",
    ) as client:
        try:
            health = client.get("/healthz").json()
        except (ServiceError, ValueError) as error:
            row["detail"] = _why(error, url)
            return row
        row["health"] = health.get("status", "ok") if isinstance(health, dict) else "ok"
        row["version"] = health.get("version") if isinstance(health, dict) else None
        try:
            ready = client.get("/readyz").json()
            row["ready"] = ready.get("status", "ready")
        except ServiceUnavailable as error:
            ready = error.problem if isinstance(error.problem, dict) else {}
            row["ready"] = "not ready" if error.status == 503 else "down"
            row["detail"] = None if ready.get("checks") else _why(error, url)
        except (ServiceError, ValueError) as error:
            ready, row["ready"], row["detail"] = {}, "unknown", _why(error, url)
        failing = [
            f"{name}: {check.get('detail') or 'failing'}"
            for name, check in (ready.get("checks") or {}).items()
            if isinstance(check, dict) and not check.get("ok", True)
        ]
        if failing:
            row["detail"] = one_line("; ".join(failing), 200)
    return row


def _why(error: Exception, url: str) -> str:
    if isinstance(error, ServiceError):
        message = from_service_error(error, url).message
        head = f"{error.service} is unavailable at {url}: "
        return message[len(head) :] if message.startswith(head) else message
    return "answered something other than JSON"


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@pass_context
def status(context: Context, as_json: bool) -> None:
    """Every service's health, readiness and version, in one table.

    Exits with 1 when a service is down or not ready."""
    config = context.config
    with ThreadPoolExecutor(max_workers=len(SERVICES)) as pool:
        futures = [pool.submit(probe, s, config.urls[s], config.timeout) for s in SERVICES]
        rows = [future.result() for future in futures]
    if as_json:
        echo_json(rows)
    else:
        echo_table(
            ["SERVICE", "URL", "HEALTH", "READY", "VERSION", "DETAIL"],
            [
                [r["service"], r["url"], r["health"], r["ready"], r["version"], r["detail"]]
                for r in rows
            ],
        )
    broken = [
        r["service"] for r in rows if r["health"] != "ok" or r["ready"] not in ("ready", "degraded")
    ]
    if broken:
        verb = "is" if len(broken) == 1 else "are"
        click.echo(
            f"{len(broken)} of {len(rows)} services {verb} down or not ready: {', '.join(broken)}",
            err=True,
        )
        raise click.exceptions.Exit(1)


# -- the other commands ------------------------------------------------------------------------

from . import jobs, transfer, users  # noqa: E402  (they add their commands to `cli`)

__all__ = ["cli", "jobs", "main", "transfer", "users"]


# -- running -----------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> None:
    """The console script: run `cli`, and turn every failure into one line on stderr."""
    code = run(argv)
    sys.exit(code)


def run(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        result = cli.main(args=args, prog_name="shelfctl", standalone_mode=False)
    except click.UsageError as error:
        command = error.ctx.command_path if error.ctx is not None else "shelfctl"
        _fail(f"{error.format_message()} (see `{command} --help`)")
        return 2
    except click.ClickException as error:
        _fail(error.format_message())
        return error.exit_code if error.exit_code else 1
    except CtlError as error:
        _fail(error.message)
        return error.exit_code
    except (click.Abort, KeyboardInterrupt):
        _fail("interrupted")
        return 1
    except BrokenPipeError:
        _quiet_stdout()
        return 1
    except Exception as error:  # a bug in shelfctl: still one line, unless asked for more
        if os.environ.get("SHELFCTL_DEBUG"):
            raise
        _fail(
            f"internal error: {type(error).__name__}: {error} "
            "(run with SHELFCTL_DEBUG=1 for the traceback)"
        )
        return 1
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_stdout()
        return 1
    return result if isinstance(result, int) else 0


def _fail(message: str) -> None:
    click.echo(one_line(message), err=True)


def _quiet_stdout() -> None:
    """The reader of stdout went away (`shelfctl export | head`): stop writing, quietly."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())

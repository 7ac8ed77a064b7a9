"""Configuration from environment variables.

Each service declares its settings as a mapping of environment variable name to `Setting`.
The variable's name is also its key in `app.config`, so a value can be traced from the
environment to the code with one grep. Defaults work on a developer's machine; a secret's
default is used only by tests (SHELF_ENV=test): everywhere else, development included, a missing
secret stops start-up. (`make run` makes each installation's own secrets and gives them to
every process, so no two installations share one.)
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

DEVELOPMENT_ENVS = frozenset({"development", "test"})
# Where a secret's default (a value anyone can read in the source) may be used.
SECRET_DEFAULT_ENVS = frozenset({"test"})


class ConfigError(RuntimeError):
    """A setting is missing or cannot be read; the message names the variable."""


@dataclass(frozen=True)
class Setting:
    """One environment variable.

    `default` may be a callable taking the settings read so far (for defaults built from
    other settings, such as a database file under the data folder). The value's type is the
    default's type unless `type` says otherwise.
    """

    default: Any = None
    type: type | None = None
    secret: bool = False
    help: str = ""


COMMON_SETTINGS: dict[str, Setting] = {
    "SHELF_ENV": Setting("development", help="development, test or production"),
    "SHELF_DATA_DIR": Setting("var", help="folder for SQLite files and other local data"),
    "SHELF_LOG_LEVEL": Setting("INFO", help="DEBUG, INFO, WARNING or ERROR"),
    "SHELF_MAX_BODY_BYTES": Setting(
        1024 * 1024,
        help="the largest request body a route takes (JSON, forms), unless it declares more",
    ),
    "SHELF_METRICS_TOKEN": Setting(
        "", help="a bearer token that may read /metrics from anywhere; empty: loopback only"
    ),
}


def _convert(name: str, raw: str, kind: type) -> Any:
    if kind is bool:
        lowered = raw.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off", ""}:
            return False
        raise ConfigError(f"{name} must be true or false, not {raw!r}")
    if kind in (int, float):
        try:
            return kind(raw)
        except ValueError:
            raise ConfigError(f"{name} must be a number, not {raw!r}") from None
    return raw


def read_settings(
    settings: Mapping[str, Setting],
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Read `COMMON_SETTINGS` and `settings` from `environ`, then apply `overrides`."""
    environ = os.environ if environ is None else environ
    overrides = dict(overrides or {})
    values: dict[str, Any] = {}
    declared = {**COMMON_SETTINGS, **settings}
    for name, setting in declared.items():
        if name in overrides:
            values[name] = overrides.pop(name)
            continue
        default = setting.default(values) if callable(setting.default) else setting.default
        kind = setting.type or (type(default) if default is not None else str)
        if name in environ:
            values[name] = _convert(name, environ[name], kind)
        elif setting.secret and values["SHELF_ENV"] not in SECRET_DEFAULT_ENVS:
            what = setting.help or "a secret"
            raise ConfigError(f"{name} must be set when SHELF_ENV={values['SHELF_ENV']} ({what})")
        else:
            values[name] = default
    values.update(overrides)
    return values


def sqlite_default(filename: str) -> Callable[[Mapping[str, Any]], str]:
    """A default database URL: a SQLite file under SHELF_DATA_DIR."""

    def default(values: Mapping[str, Any]) -> str:
        return f"sqlite:///{os.path.join(values['SHELF_DATA_DIR'], filename)}"

    return default


def service_url_default(port: int) -> str:
    return f"http://127.0.0.1:{port}"

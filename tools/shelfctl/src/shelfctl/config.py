"""Where the services are and who is calling: the environment, then a TOML file, then defaults.

The file (``~/.config/shelfctl.toml``, or ``$XDG_CONFIG_HOME/shelfctl.toml``, or ``--config``)
uses the environment variables' names as its keys::

    SHELF_API_URL = "https://shelf.example.org:8002"
    SHELFCTL_USERNAME = "admin"
    SHELFCTL_PASSWORD = "..."

A variable set in the environment wins over the same key in the file.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from .errors import UsageProblem

SERVICES = ("auth", "api", "tasks", "ui")
DEFAULT_PORTS = {"ui": 8000, "auth": 8001, "api": 8002, "tasks": 8003}
URL_KEYS = {service: f"SHELF_{service.upper()}_URL" for service in SERVICES}
CREDENTIAL_KEYS = ("SHELFCTL_USERNAME", "SHELFCTL_PASSWORD", "SHELFCTL_TOKEN")
KEYS = (*URL_KEYS.values(), *CREDENTIAL_KEYS, "SHELFCTL_TIMEOUT")
DEFAULT_TIMEOUT = 10.0  # seconds to wait for an answer (connecting: at most 2 s)


def default_config_path(environ: Mapping[str, str] | None = None) -> Path:
    environ = os.environ if environ is None else environ
    if environ.get("XDG_CONFIG_HOME"):
        return Path(environ["XDG_CONFIG_HOME"]) / "shelfctl.toml"
    home = Path(environ["HOME"]) if environ.get("HOME") else Path.home()
    return home / ".config" / "shelfctl.toml"


@dataclass(frozen=True)
class Config:
    urls: dict[str, str] = field(
        default_factory=lambda: {
            service: f"http://127.0.0.1:{port}" for service, port in DEFAULT_PORTS.items()
        }
    )
    username: str | None = None
    password: str | None = None
    token: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    source: str = "defaults"  # where the settings came from, for error messages

    @classmethod
    def load(
        cls, path: str | Path | None = None, environ: Mapping[str, str] | None = None
    ) -> Config:
        """The settings from `environ` (os.environ) over the file at `path` (or the default
        file when it exists) over the defaults. A `path` given explicitly must exist."""
        environ = os.environ if environ is None else environ
        values: dict[str, str] = {}
        sources = []
        if path is not None:
            values.update(read_file(Path(path), required=True))
            sources.append(str(path))
        else:
            default = default_config_path(environ)
            if default.exists():
                values.update(read_file(default, required=False))
                sources.append(str(default))
        for key in KEYS:
            if environ.get(key):
                values[key] = environ[key]
                if "environment" not in sources:
                    sources.append("environment")
        urls = {}
        for service, key in URL_KEYS.items():
            url = values.get(key) or f"http://127.0.0.1:{DEFAULT_PORTS[service]}"
            urls[service] = check_url(key, url)
        timeout = DEFAULT_TIMEOUT
        if values.get("SHELFCTL_TIMEOUT"):
            try:
                timeout = float(values["SHELFCTL_TIMEOUT"])
            except ValueError:
                timeout = -1
            if not timeout > 0:
                raise UsageProblem(
                    f"SHELFCTL_TIMEOUT must be a positive number of seconds, "
                    f"got {values['SHELFCTL_TIMEOUT']!r}"
                )
        return cls(
            urls=urls,
            username=values.get("SHELFCTL_USERNAME") or None,
            password=values.get("SHELFCTL_PASSWORD") or None,
            token=values.get("SHELFCTL_TOKEN") or None,
            timeout=timeout,
            source=" and ".join(sources) or "defaults",
        )


def read_file(path: Path, *, required: bool) -> dict[str, str]:
    try:
        with path.open("rb") as file:
            data = tomllib.load(file)
    except FileNotFoundError:
        if required:
            raise UsageProblem(f"config file {path} does not exist") from None
        return {}
    except OSError as error:
        raise UsageProblem(f"config file {path} cannot be read: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise UsageProblem(f"config file {path} is not valid TOML: {error}") from None
    values = {}
    for key, value in data.items():
        if key not in KEYS:
            raise UsageProblem(
                f"config file {path}: unknown key {key!r} (known: {', '.join(KEYS)})"
            )
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise UsageProblem(f"config file {path}: {key} must be a string")
        values[key] = str(value)
    return values


def check_url(key: str, url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise UsageProblem(f"{key} must be an absolute http(s) URL, got {url!r}")
    return url.rstrip("/")

"""Reading a job's arguments: a job whose arguments are wrong can never run."""

from __future__ import annotations

from typing import Any

from ..registry import PermanentError


def int_arg(args: dict[str, Any], name: str) -> int:
    """A required integer argument; a job without it can never run (discarded at once)."""
    value = args.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise PermanentError(f"args.{name} must be an integer, not {value!r}")
    return value


def str_arg(args: dict[str, Any], name: str, *, required: bool = True) -> str:
    value = args.get(name, None if required else "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise PermanentError(f"args.{name} must be a non-empty string, not {value!r}")
    return value

"""Plain-text tables and values: readable in a terminal, greppable in a pipe."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import click


def cell(value: Any) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == "T":
        return when(value)
    return " ".join(str(value).split())


def when(value: str | None) -> str:
    """ISO 8601 from the services ('2026-11-24T10:00:00.123456+00:00') as '2026-11-24 10:00:00'
    (the services answer in UTC)."""
    if not value:
        return "-"
    return value[:19].replace("T", " ")


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, limit: int = 60) -> str:
    """Columns padded to their widest cell (each cell cut at `limit` characters)."""
    text_rows = [[_cut(cell(value), limit) for value in row] for row in rows]
    widths = [len(header) for header in headers]
    for row in text_rows:
        widths = [max(width, len(value)) for width, value in zip(widths, row, strict=True)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines += [
        "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip()
        for row in text_rows
    ]
    return "\n".join(lines)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def echo_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    click.echo(table(headers, rows))


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=True))


def fields(pairs: Sequence[tuple[str, Any]]) -> str:
    """`name: value` lines, the names aligned."""
    width = max(len(name) for name, _ in pairs)
    return "\n".join(f"{name + ':':<{width + 1}} {cell(value)}" for name, value in pairs)


def size(count: int) -> str:
    if count < 1024:
        return f"{count} bytes"
    if count < 1024 * 1024:
        return f"{count / 1024:.1f} KiB"
    return f"{count / 1024 / 1024:.1f} MiB"

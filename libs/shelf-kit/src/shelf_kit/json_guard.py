"""JSON bodies a schema can safely be given, and query strings without NULs (contract C5).

Before any view sees a JSON body, it is parsed once and refused with a 400 naming the field
when it holds

- nesting deeper than MAX_DEPTH (32) levels (1,000 levels made Python's parser raise
  RecursionError: a 500);
- an object of more than MAX_KEYS (1,000) keys (marshmallow builds an error for each unknown
  key: millions of keys held a worker for seconds);
- a lone surrogate (`"\\ud800"`), which no database or encoder can store;
- a NUL character, which Postgres cannot store in text.

The body is at most the route's limit (`bodies`), so this one pass is bounded too. NULs in the
query string are refused as well. File uploads (multipart) are left alone: files may hold any
bytes. A service that refuses NULs itself, in its own error shape, lists those paths in
`kit(app).text_guard_skip`; the other checks apply there too.

`loads(data)` does the same for JSON a service reads from elsewhere (an uploaded file).
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask, current_app, request

from .problems import Problem

MAX_DEPTH = 32
MAX_KEYS = 1000
BODY = "body"  # the field named when the trouble is the body itself
_FIELD_CHARS = 200  # of a field's name, in an error

NUL = "Text may not contain NUL characters."
SURROGATE = "Text may not contain lone surrogates (\\ud800 to \\udfff)."
TOO_DEEP = f"JSON may not be nested deeper than {MAX_DEPTH} levels."
TOO_MANY_KEYS = f"An object may not have more than {MAX_KEYS} keys."

_SURROGATES = re.compile("[\ud800-\udfff]")  # after parsing, any left is a lone one


class JsonRefused(ValueError):
    """JSON that Shelf does not take: `field` (a dotted path, or "body") and why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _text_problem(text: str, *, nul: bool) -> str | None:
    if nul and "\x00" in text:
        return NUL
    if _SURROGATES.search(text):
        return SURROGATE
    return None


def _field(parent: str, key: Any) -> str:
    return (f"{parent}.{key}" if parent else str(key))[:_FIELD_CHARS]


def check(value: Any, *, nul: bool = True) -> None:
    """Raise JsonRefused for the first thing in `value` (parsed JSON) Shelf does not take.
    Iterative, so no depth can exhaust the stack; each value is visited once."""
    pending: list[tuple[Any, str, int]] = [(value, "", 1)]
    while pending:
        item, field, depth = pending.pop()
        if isinstance(item, str):
            problem = _text_problem(item, nul=nul)
            if problem:
                raise JsonRefused(field or BODY, problem)
        elif isinstance(item, dict | list):
            if depth > MAX_DEPTH:
                raise JsonRefused(field or BODY, TOO_DEEP)
            if isinstance(item, list):
                pending.extend((inner, field, depth + 1) for inner in reversed(item))
                continue
            if len(item) > MAX_KEYS:
                raise JsonRefused(field or BODY, TOO_MANY_KEYS)
            for key in item:
                problem = _text_problem(str(key), nul=nul)
                if problem:
                    raise JsonRefused(field or BODY, problem)
            pending.extend(
                (inner, _field(field, key), depth + 1) for key, inner in reversed(item.items())
            )


def loads(data: str | bytes, *, nul: bool = True) -> Any:
    """Parse JSON and check it (see `check`); ValueError when it is not JSON at all."""
    try:
        value = json.loads(data)
    except RecursionError:  # deeper than Python's parser goes: far deeper than MAX_DEPTH
        raise JsonRefused(_too_deep_for_the_parser(data), TOO_DEEP) from None
    check(value, nul=nul)
    return value


# json's own string reader (the C one where there is one); not in its typed interface
_scanstring = json.decoder.scanstring  # type: ignore[attr-defined]


def _past_space(text: str, at: int) -> int:
    """The index of the first non-space character at or after `at`."""
    while at < len(text) and text[at] in " \t\n\r":
        at += 1
    return at


def _too_deep_for_the_parser(data: str | bytes) -> str:
    """The field whose value nests deeper than the parser goes: objects are read one member at
    a time, down into the member the parser cannot read, at most MAX_DEPTH objects deep;
    "body" when the body itself is not an object."""
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    decoder = json.JSONDecoder()
    path = ""
    try:
        at = _past_space(text, 0)
        for _ in range(MAX_DEPTH):
            if text[at] != "{":
                break
            while True:  # the members of this object, up to the one that is too deep
                at = _past_space(text, at + 1)  # past "{" or ","
                key, at = _scanstring(text, at + 1)
                at = _past_space(text, _past_space(text, at) + 1)  # past ":"
                try:
                    _, at = decoder.raw_decode(text, at)
                except RecursionError:
                    path = _field(path, key)
                    break
                at = _past_space(text, at)
    except (ValueError, IndexError):
        pass
    return path or BODY


def check_request() -> None:
    nul = not request.path.startswith(current_app.extensions["shelf_kit"].text_guard_skip)
    if nul:
        for name, value in request.args.items(multi=True):
            if "\x00" in name or "\x00" in value:
                raise _refusal(JsonRefused(name, NUL))
    if request.is_json:
        try:
            loads(request.get_data(cache=True) or b"null", nul=nul)
        except JsonRefused as refused:
            raise _refusal(refused) from None
        except ValueError:
            return  # not JSON after all: the view's own parsing says so


def _refusal(refused: JsonRefused) -> Problem:
    return Problem(400, "Bad Request", str(refused), errors={refused.field: [refused.message]})


def init_app(app: Flask) -> None:
    app.before_request(check_request)

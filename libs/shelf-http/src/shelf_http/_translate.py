"""Turn ``requests`` outcomes into :mod:`shelf_http.errors` exceptions.

Messages are one human line: ``<service> <what happened>: <why> (<METHOD> <url>)``.
"""

from __future__ import annotations

import http
import http.client
import socket
from collections.abc import Iterator
from typing import Any

import requests
from urllib3.exceptions import (
    ConnectTimeoutError,
    MaxRetryError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
)

from .errors import ServiceError, ServiceRejected, ServiceUnavailable

__all__ = ["error_from_exception", "error_from_response", "parse_problem"]

Timeout = float | tuple[float | None, float | None] | None

# requests exceptions that mean "no usable answer came back from the service".
# (requests.ConnectionError also covers ConnectTimeout, SSLError and ProxyError.)
_UNAVAILABLE = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
    requests.exceptions.RetryError,
)

_DETAIL_LIMIT = 200


def error_from_exception(
    service: str, method: str, url: str, exc: requests.RequestException, timeout: Timeout
) -> ServiceError:
    """The :class:`ServiceError` for a call that raised ``exc`` instead of answering."""
    request = exc.request
    if request is not None:
        method = request.method or method
        url = request.url if isinstance(request.url, str) and request.url else url
    reason = _describe(exc, timeout)
    if isinstance(exc, _UNAVAILABLE):
        return ServiceUnavailable(
            f"{service} is unavailable: {reason} ({method} {url})",
            service=service,
            method=method,
            url=url,
        )
    return ServiceError(
        f"call to {service} failed: {reason} ({method} {url})",
        service=service,
        method=method,
        url=url,
    )


def error_from_response(service: str, response: requests.Response) -> ServiceError:
    """The :class:`ServiceError` for an answer with status >= 400."""
    method = response.request.method or "?"
    url = response.url
    status = response.status_code
    problem = parse_problem(response)
    answer = f"{status} {_reason_phrase(response)}".rstrip() + _problem_summary(problem)
    where = f"({method} {url})"
    if status >= 500:
        attempts = _attempts(response)
        after = f" after {attempts} attempts" if attempts > 1 else ""
        return ServiceUnavailable(
            f"{service} is unavailable: answered {answer}{after} {where}",
            service=service,
            method=method,
            url=url,
            status=status,
            problem=problem,
            response=response,
        )
    return ServiceRejected(
        f"{service} rejected the request: {answer} {where}",
        service=service,
        method=method,
        url=url,
        status=status,
        problem=problem,
        response=response,
    )


def parse_problem(response: requests.Response) -> Any:
    """The decoded JSON body when the answer says it is JSON, else ``None``.

    Accepts ``application/json`` and every structured ``+json`` type, which
    includes ``application/problem+json``.
    """
    mime = response.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
    if mime != "application/json" and not (
        mime.startswith("application/") and mime.endswith("+json")
    ):
        return None
    try:
        return response.json()
    except ValueError:  # requests.JSONDecodeError, UnicodeDecodeError
        return None


def _problem_summary(problem: Any) -> str:
    if not isinstance(problem, dict):
        return ""
    text = problem.get("detail") or problem.get("title")
    if not isinstance(text, str) or not text.strip():
        return ""
    return f": {_one_line(text)}"


def _reason_phrase(response: requests.Response) -> str:
    if response.reason:
        return str(response.reason)
    try:
        return http.HTTPStatus(response.status_code).phrase
    except ValueError:
        return ""


def _attempts(response: requests.Response) -> int:
    """How many attempts urllib3 made to get this answer (1 when not retried)."""
    retries = getattr(response.raw, "retries", None)
    history = getattr(retries, "history", ())
    return len(history) + 1


def _describe(exc: BaseException, timeout: Timeout) -> str:
    """A short human reason for a transport failure, from its whole cause chain."""
    chain = list(_causes(exc))

    def has(*types: type[BaseException]) -> bool:
        return any(isinstance(e, types) for e in chain)

    connect_timeout, read_timeout = _split_timeout(timeout)
    if has(ConnectionRefusedError):
        return "connection refused"
    if has(NameResolutionError, socket.gaierror):
        return "host name could not be resolved"
    if has(ReadTimeoutError, requests.ReadTimeout):
        return (
            f"no answer within {read_timeout}"
            if read_timeout
            else "timed out waiting for an answer"
        )
    if has(ConnectTimeoutError, requests.ConnectTimeout) and not has(NewConnectionError):
        return (
            f"could not connect within {connect_timeout}"
            if connect_timeout
            else "connect timed out"
        )
    if has(http.client.RemoteDisconnected):  # a ConnectionResetError subclass: test first
        return "connection closed without an answer"
    if has(ConnectionResetError):
        return "connection reset"
    if has(requests.exceptions.SSLError):
        return f"TLS error: {_one_line(str(chain[-1]))}"
    if has(requests.exceptions.ChunkedEncodingError, http.client.IncompleteRead):
        return "answer was cut off"
    if has(requests.exceptions.ContentDecodingError):
        return "answer could not be decoded"
    if has(requests.TooManyRedirects):
        return "too many redirects"
    if has(ProtocolError):
        return "connection broken"
    root = chain[-1]
    return _one_line(f"{type(root).__name__}: {root}")


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and everything it wraps, outermost first.

    requests wraps urllib3 errors in ``args[0]``; urllib3 keeps the real error
    in ``MaxRetryError.reason``, in ``ProtocolError.args[1]`` and in
    ``__cause__``/``__context__``.
    """
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop(0)
        if current is None or any(current is s for s in seen):
            continue
        seen.append(current)
        yield current
        if isinstance(current, MaxRetryError):
            todo.append(current.reason)
        todo.extend(a for a in current.args if isinstance(a, BaseException))
        todo.extend((current.__cause__, current.__context__))


def _split_timeout(timeout: Timeout) -> tuple[str, str]:
    if isinstance(timeout, tuple):
        connect, read = timeout
    else:
        connect = read = timeout
    return _seconds(connect), _seconds(read)


def _seconds(value: float | None) -> str:
    return f"{value:g}s" if isinstance(value, int | float) else ""


def _one_line(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > _DETAIL_LIMIT:
        text = text[: _DETAIL_LIMIT - 3] + "..."
    return text

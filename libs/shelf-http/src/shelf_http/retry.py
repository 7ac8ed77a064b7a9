"""The retry policy every :class:`~shelf_http.ServiceClient` mounts.

What urllib3 (2.x) actually does with this policy, checked against its source
(``urllib3/util/retry.py``, ``urllib3/connectionpool.py``) and this package's
tests:

* **Connect errors are retried for every method, POST included.** urllib3
  treats ``ConnectTimeoutError`` as "the server did not receive the request".
  ``NewConnectionError`` (connection refused, and its subclass
  ``NameResolutionError``) *subclasses* ``ConnectTimeoutError``, so a refused
  connection counts against ``connect`` and ignores ``allowed_methods``. That
  is safe: nothing was sent.
* **Read timeouts are never retried** (:class:`ShelfRetry`): the service is
  there but slow, and another wait of ``read_timeout`` only doubles what the
  person behind the call waits (with the default two retries, a page that
  names a slow dependency took 15 s instead of 5).
* **Other read errors are retried only for** :data:`RETRY_METHODS`. A
  connection dropped after the request was sent (``ProtocolError``: a worker
  restarted mid-request) on a GET is sent again; on a POST/PATCH it is
  re-raised at once: the server may have acted on it.
* **5xx answers are retried only for** :data:`RETRY_METHODS` **and only for**
  :data:`RETRY_STATUSES`. A 500 is never retried (it is usually a bug, not a
  blip). With ``raise_on_status=False`` the last answer is handed back, so the
  client can report the real status.
* **Retry-After is honoured on 413, 429 and 503** -- and its presence makes
  413 and 429 retryable for the allowed methods even though they are not in
  ``status_forcelist``. When present it *replaces* the exponential backoff.
  urllib3 would wait up to six hours for it (``DEFAULT_RETRY_AFTER_MAX``), and
  raises ``InvalidHeader`` if the value is neither seconds nor an HTTP date;
  :class:`ShelfRetry` fixes both (see there).
* **Backoff starts at the second retry.** The sleep before retry *n* is
  ``backoff_factor * 2 ** (n - 1)`` for n >= 2 and nothing before the first
  one: with the default 0.1 that is 0 s, 0.2 s, 0.4 s ...
* **A hung service costs one** ``read_timeout``: the connect timeout is per
  attempt (and a refused connection is immediate), the read timeout is waited
  once.
* Other transport errors (TLS handshake, proxy) count against ``total`` only
  and are retried for any method.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from urllib3.exceptions import InvalidHeader, MaxRetryError, ReadTimeoutError, ResponseError
from urllib3.util.retry import Retry

if TYPE_CHECKING:
    from types import TracebackType

    from urllib3.connectionpool import ConnectionPool
    from urllib3.response import BaseHTTPResponse

__all__ = ["RETRY_METHODS", "RETRY_STATUSES", "ShelfRetry", "build_retry"]

#: Methods that are safe to send twice: retried on read errors and 5xx.
RETRY_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})

#: Statuses that mean "a proxy or the service is briefly unavailable".
RETRY_STATUSES = (502, 503, 504)


class ShelfRetry(Retry):
    """:class:`urllib3.util.Retry` with a bounded, forgiving Retry-After.

    * A ``Retry-After`` longer than :attr:`MAX_RETRY_AFTER` seconds is not
      waited for: the retry is abandoned and the answer (e.g. the 503) is
      returned at once, so a service in maintenance fails the call fast instead
      of blocking the caller's own request for minutes.
    * A malformed ``Retry-After`` is ignored (normal backoff applies) instead of
      failing the call with ``InvalidHeader``.
    * A read timeout is raised at once, as urllib3 does for methods it may not
      retry: a slow service is not asked again while the caller waits.
    """

    #: Longest Retry-After, in seconds, that is worth waiting for.
    MAX_RETRY_AFTER: float = 5.0

    def get_retry_after(self, response: BaseHTTPResponse) -> float | None:
        try:
            return super().get_retry_after(response)
        except InvalidHeader:
            return None

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: ConnectionPool | None = None,
        _stacktrace: TracebackType | None = None,
    ) -> Self:
        if isinstance(error, ReadTimeoutError):
            raise error.with_traceback(_stacktrace)
        if response is not None and self.respect_retry_after_header:
            wait = self.get_retry_after(response)
            if wait is not None and wait > self.MAX_RETRY_AFTER:
                reason = ResponseError(
                    f"Retry-After of {wait:g}s exceeds {self.MAX_RETRY_AFTER:g}s"
                )
                raise MaxRetryError(_pool, url, reason)  # type: ignore[arg-type]
        return super().increment(method, url, response, error, _pool, _stacktrace)


def build_retry(retries: int, backoff_factor: float) -> ShelfRetry:
    """The retry policy for ``retries`` retries (``retries + 1`` attempts)."""
    return ShelfRetry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        backoff_factor=backoff_factor,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=RETRY_METHODS,
        raise_on_status=False,
        respect_retry_after_header=True,
    )

"""The exceptions raised by :mod:`shelf_http`.

Everything a :class:`~shelf_http.ServiceClient` raises for a failed call is a
:class:`ServiceError`, so a caller that wants to degrade gracefully needs one
``except`` clause. The two subclasses answer the question callers actually
have to decide on:

* :class:`ServiceUnavailable` -- the other service could not be reached or
  failed on its side (connection refused, timeout, 5xx after retries). Trying
  again later may help; showing "auth is down" is accurate.
* :class:`ServiceRejected` -- the other service answered and said no (4xx).
  Retrying the same request will not help; the request or its caller is wrong.

A bare :class:`ServiceError` is raised for the remaining failures, which are
neither: for example too many redirects or a request that ``requests`` could
not even prepare. The original exception is always chained as ``__cause__``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import requests

__all__ = ["ServiceError", "ServiceRejected", "ServiceUnavailable"]


class ServiceError(Exception):
    """A call to another Shelf service did not produce a usable answer.

    :ivar service: name of the service that was called, e.g. ``"auth"``.
    :ivar method: HTTP method, upper case.
    :ivar url: the full URL that was requested.
    """

    def __init__(self, message: str, *, service: str, method: str, url: str) -> None:
        super().__init__(message)
        self.service = service
        self.method = method
        self.url = url


class ServiceUnavailable(ServiceError):
    """The service could not be reached, timed out, or answered 5xx after retries.

    :ivar status: the HTTP status of the last answer, or ``None`` when there was
        no answer at all (connection refused, timeout, broken connection).
    :ivar problem: the parsed JSON body of that answer when it was JSON
        (``application/json`` or any ``+json`` type), else ``None``.
    :ivar response: the last :class:`requests.Response`, or ``None``.
    """

    def __init__(
        self,
        message: str,
        *,
        service: str,
        method: str,
        url: str,
        status: int | None = None,
        problem: Any = None,
        response: requests.Response | None = None,
    ) -> None:
        super().__init__(message, service=service, method=method, url=url)
        self.status = status
        self.problem = problem
        self.response = response


class ServiceRejected(ServiceError):
    """The service answered with a 4xx status.

    :ivar status: the HTTP status code (400-499).
    :ivar problem: the parsed JSON body when the answer was JSON
        (``application/problem+json``, ``application/json`` or any ``+json``
        type), else ``None``. For Shelf services this is the RFC 9457 problem
        document: ``{"type", "title", "status", "detail", "request_id"}``.
    :ivar response: the :class:`requests.Response`.
    """

    def __init__(
        self,
        message: str,
        *,
        service: str,
        method: str,
        url: str,
        status: int,
        problem: Any = None,
        response: requests.Response | None = None,
    ) -> None:
        super().__init__(message, service=service, method=method, url=url)
        self.status = status
        self.problem = problem
        self.response = response

"""The :class:`ServiceClient`: one configured ``requests.Session`` per called service."""

from __future__ import annotations

from collections.abc import Callable
from http.cookiejar import CookiePolicy
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase
from requests.structures import CaseInsensitiveDict

from .__version__ import __version__
from ._translate import error_from_exception, error_from_response
from .retry import build_retry

__all__ = ["REQUEST_ID_HEADER", "ServiceClient"]

#: Header that carries the request id across services.
REQUEST_ID_HEADER = "X-Request-ID"


class _NoCookies(CookiePolicy):
    """Never store or send cookies from the session's jar.

    One client serves many end users' requests; a cookie set by a service in an
    answer to one call must not ride along on the next (someone else's) call.
    ``Response.cookies`` still shows what each answer set, and ``cookies=``
    passed to a single call is still sent.
    """

    netscape = True
    rfc2965 = False
    hide_cookie2 = False

    def set_ok(self, cookie: Any, request: Any) -> bool:
        return False

    def return_ok(self, cookie: Any, request: Any) -> bool:
        return False

    def domain_return_ok(self, domain: str, request: Any) -> bool:
        return False

    def path_return_ok(self, path: str, request: Any) -> bool:
        return False


class ServiceClient:
    """HTTP client for calling one other Shelf service.

    :param service: name of the called service (``"auth"``), used in errors.
    :param base_url: e.g. ``"http://127.0.0.1:8001"``; a trailing ``/`` and a
        path prefix are fine.
    :param connect_timeout: seconds to wait for a connection, per attempt.
    :param read_timeout: seconds to wait for bytes of the answer, per attempt.
    :param retries: retries after the first attempt. Connection failures are
        retried for every method; read errors and 502/503/504 answers only for
        GET, HEAD, OPTIONS, PUT and DELETE (see :mod:`shelf_http.retry`).
    :param backoff_factor: exponential backoff between retries (0 s before the
        first retry, then ``backoff_factor * 2 ** (n - 1)``).
    :param request_id: zero-argument callable returning the current request id
        or ``None``; a non-empty value is sent as ``X-Request-ID``.
    :param auth: a ``requests`` auth object applied to every call.
    :param user_agent: ``User-Agent`` header; defaults to ``shelf-http/<version>``.

    Calls return the :class:`requests.Response` when the status is below 400
    and raise a :class:`~shelf_http.ServiceError` otherwise.
    """

    def __init__(
        self,
        service: str,
        base_url: str,
        *,
        connect_timeout: float = 1.0,
        read_timeout: float = 5.0,
        retries: int = 2,
        backoff_factor: float = 0.1,
        request_id: Callable[[], str | None] | None = None,
        auth: AuthBase | None = None,
        user_agent: str | None = None,
    ) -> None:
        _check_base_url(base_url)
        if connect_timeout <= 0 or read_timeout <= 0:
            raise ValueError("timeouts must be positive")
        if retries < 0:
            raise ValueError("retries must be >= 0")
        if backoff_factor < 0:
            raise ValueError("backoff_factor must be >= 0")

        self.service = service
        self.base_url = base_url.rstrip("/")
        self.timeout = (connect_timeout, read_timeout)
        self._request_id = request_id

        session = requests.Session()
        adapter = HTTPAdapter(max_retries=build_retry(retries, backoff_factor))
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        session.cookies.set_policy(_NoCookies())
        session.auth = auth
        session.headers["User-Agent"] = user_agent or f"shelf-http/{__version__}"
        #: The underlying session; reach for it only for what this class lacks.
        self.session = session

    def __repr__(self) -> str:
        return f"<ServiceClient {self.service} {self.base_url}>"

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close pooled connections. The client should not be used afterwards."""
        self.session.close()

    def url(self, path: str) -> str:
        """The absolute URL for ``path`` (which must start with a single ``/``)."""
        if not path.startswith("/") or path.startswith("//"):
            raise ValueError(f"path must start with a single '/', got {path!r}")
        return self.base_url + path

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Send ``method`` to ``path`` and return the answer if its status is < 400.

        ``kwargs`` go to :meth:`requests.Session.request` (``params``, ``json``,
        ``data``, ``headers``, ``timeout``, ...). ``timeout`` defaults to
        ``(connect_timeout, read_timeout)``; an ``X-Request-ID`` in ``headers``
        wins over the ``request_id`` callable.

        :raises ServiceUnavailable: no answer (refused, timeout, broken
            connection) or a 5xx answer after retries.
        :raises ServiceRejected: a 4xx answer.
        :raises ServiceError: anything else ``requests`` raised.
        """
        method = method.upper()
        url = self.url(path)
        kwargs.setdefault("timeout", self.timeout)
        headers: CaseInsensitiveDict[str] = CaseInsensitiveDict(kwargs.pop("headers", None) or {})
        if REQUEST_ID_HEADER not in headers and self._request_id is not None:
            request_id = self._request_id()
            if request_id:
                headers[REQUEST_ID_HEADER] = request_id
        try:
            response = self.session.request(method, url, headers=headers, **kwargs)
        except requests.RequestException as exc:
            raise error_from_exception(self.service, method, url, exc, kwargs["timeout"]) from exc
        if response.status_code >= 400:
            raise error_from_response(self.service, response)
        return response

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        """``GET path``; see :meth:`request`."""
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        """``POST path``; see :meth:`request`. Never retried once sent."""
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        """``PUT path``; see :meth:`request`."""
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> requests.Response:
        """``PATCH path``; see :meth:`request`. Never retried once sent."""
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        """``DELETE path``; see :meth:`request`."""
        return self.request("DELETE", path, **kwargs)


def _check_base_url(base_url: str) -> None:
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"base_url must be an absolute http(s) URL, got {base_url!r}")
    if parts.query or parts.fragment:
        raise ValueError(f"base_url must not have a query or fragment, got {base_url!r}")

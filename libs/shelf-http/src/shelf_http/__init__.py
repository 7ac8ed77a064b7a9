"""shelf_http: the HTTP client Shelf services use to call each other.

>>> from shelf_http import ServiceClient, ServiceUnavailable
>>> with ServiceClient("auth", "http://127.0.0.1:8001") as auth:
...     try:
...         auth.get("/healthz").json()
...     except ServiceUnavailable as exc:
...         print(exc)
"""

from .__version__ import __version__
from .client import REQUEST_ID_HEADER, ServiceClient
from .errors import ServiceError, ServiceRejected, ServiceUnavailable

__all__ = [
    "REQUEST_ID_HEADER",
    "ServiceClient",
    "ServiceError",
    "ServiceRejected",
    "ServiceUnavailable",
    "__version__",
]

"""Calls from tasks' handlers to api and auth, each signed with tasks' own service token.

One module per called service (`api.py`, `auth.py`), each class reading only the fields tasks
uses. Errors are shelf_http's: `ServiceUnavailable` (try later: the job is retried) and
`ServiceRejected` (a 4xx).
"""

from __future__ import annotations

from dataclasses import dataclass

from shelf_http import ServiceClient
from shelf_kit import current_request_id
from shelf_kit.db import Database

from .api import ApiClient
from .auth import AuthClient

__all__ = ["ApiClient", "AuthClient", "Services", "service_client"]


def service_client(
    name: str, url: str, *, auth, user_agent: str, read_timeout: float = 10.0
) -> ServiceClient:
    return ServiceClient(
        name,
        url,
        connect_timeout=2.0,
        read_timeout=read_timeout,
        request_id=current_request_id,
        auth=auth,
        user_agent=user_agent,
    )


@dataclass
class Services:
    """What handlers reach other things through."""

    api: ApiClient
    auth: AuthClient
    database: Database

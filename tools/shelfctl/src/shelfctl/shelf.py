"""Shelf as shelfctl sees it: one shelf_http.ServiceClient per service, and a login.

Credentials: SHELFCTL_TOKEN (an access token from auth, sent as `Bearer`; a 40-hex-digit API
key is sent as `Token` and works for api's routes only), or SHELFCTL_USERNAME and
SHELFCTL_PASSWORD, traded at auth's POST /v1/sessions for an access token the first time a
command needs one. That session is logged out again when the command ends.
"""

from __future__ import annotations

import contextlib
import re
import uuid
from typing import Any

import requests

from shelf_http import ServiceClient, ServiceError

from . import __version__
from .config import Config
from .errors import Failure, UsageProblem, from_service_error

API_KEY = re.compile(r"[0-9a-fA-F]{40}")
CONNECT_TIMEOUT = 2.0


class Shelf:
    def __init__(self, config: Config) -> None:
        self.config = config
        # One id for every call of this command, so the services' logs can be matched up.
        self.request_id = f"shelfctl-{uuid.uuid4().hex[:16]}"
        self._clients: dict[tuple[str, int], ServiceClient] = {}
        self._authorization: str | None = None
        self._refresh_token: str | None = None

    # -- clients -----------------------------------------------------------------------------

    def client(self, service: str, *, retries: int = 2) -> ServiceClient:
        key = (service, retries)
        if key not in self._clients:
            self._clients[key] = ServiceClient(
                service,
                self.config.urls[service],
                connect_timeout=CONNECT_TIMEOUT,
                read_timeout=self.config.timeout,
                retries=retries,
                request_id=lambda: self.request_id,
                user_agent=f"shelfctl/{__version__}",
            )
        return self._clients[key]

    def call(
        self,
        service: str,
        method: str,
        path: str,
        *,
        auth: bool = True,
        retries: int = 2,
        **kwargs: Any,
    ) -> requests.Response:
        """`method path` at `service`, as the configured user when `auth`; a failure becomes
        a one-line Failure."""
        if auth:
            headers = dict(kwargs.pop("headers", None) or {})
            headers["Authorization"] = self.authorization()
            kwargs["headers"] = headers
        try:
            return self.client(service, retries=retries).request(method, path, **kwargs)
        except ServiceError as error:
            raise from_service_error(error, self.config.urls[service]) from None

    def json(self, service: str, method: str, path: str, **kwargs: Any) -> Any:
        response = self.call(service, method, path, **kwargs)
        try:
            return response.json()
        except ValueError:
            raise Failure(
                f"{service} answered {method} {path} with something other than "
                f"JSON ({response.headers.get('Content-Type', 'no content type')})"
            ) from None

    # -- credentials -------------------------------------------------------------------------

    def authorization(self) -> str:
        if self._authorization is None:
            if self.config.token:
                token = self.config.token
                scheme = "Token" if API_KEY.fullmatch(token) else "Bearer"
                self._authorization = f"{scheme} {token}"
            elif self.config.username and self.config.password:
                self._authorization = f"Bearer {self.login()}"
            else:
                raise UsageProblem(
                    "no credentials: set SHELFCTL_USERNAME and SHELFCTL_PASSWORD, or "
                    "SHELFCTL_TOKEN, in the environment or the config file "
                    f"(read: {self.config.source})"
                )
        return self._authorization

    def login(self) -> str:
        auth_url = self.config.urls["auth"]
        try:
            answer = self.client("auth").post(
                "/v1/sessions",
                json={"username": self.config.username, "password": self.config.password},
            )
        except ServiceError as error:
            raise from_service_error(error, auth_url, login=True) from None
        try:
            tokens = answer.json()
            self._refresh_token = tokens.get("refresh_token")
            return tokens["access_token"]
        except (ValueError, KeyError, TypeError, AttributeError):
            raise Failure(
                f"login failed: auth at {auth_url} answered without an access token"
            ) from None

    def close(self) -> None:
        """Log the session out (if this command logged in) and close the connections."""
        if self._refresh_token:
            token, self._refresh_token = self._refresh_token, None
            # On failure the session expires on its own; the command's own work is done.
            with contextlib.suppress(ServiceError):
                self.client("auth", retries=0).post(
                    "/v1/sessions/logout", json={"refresh_token": token}
                )
        for client in self._clients.values():
            client.close()
        self._clients.clear()

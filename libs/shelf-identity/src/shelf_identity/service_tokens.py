"""Client credentials: a service trades its id and secret for a short-lived service token at
auth, for one service it calls (the token's audience, contract C9), keeps it until shortly
before it expires, and sends it as a Bearer token. Each service called gets a token of its
own: one that leaks from a call to tasks opens nothing at auth or api.

    credentials = ServiceCredentials(auth_url, "api", secret)
    tasks = ServiceClient("tasks", tasks_url, auth=credentials.auth_for("tasks"))
"""

from __future__ import annotations

import threading
import time

import requests

from shelf_http import ServiceClient

TOKEN_PATH = "/v1/service-tokens"


class ServiceTokenAuth(requests.auth.AuthBase):
    """`Authorization: Bearer <this client's token for the service `audience`>`."""

    def __init__(
        self,
        auth_url: str,
        client_id: str,
        client_secret: str,
        *,
        audience: str,
        refresh_margin_seconds: float = 60.0,
        request_id=None,
    ) -> None:
        # A client of its own, without this auth attached: fetching a token needs no token.
        self.auth_client = ServiceClient("auth", auth_url, request_id=request_id)
        self.client_id = client_id
        self.client_secret = client_secret
        self.audience = audience
        self.refresh_margin_seconds = refresh_margin_seconds
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()

    def token(self) -> str:
        with self._lock:
            if self._token is None or time.monotonic() >= self._expires_at:
                answer = self.auth_client.post(
                    TOKEN_PATH,
                    json={
                        "client_id": self.client_id,
                        "client_secret": self.client_secret,
                        "audience": self.audience,
                    },
                ).json()
                self._token = answer["access_token"]
                lifetime = float(answer.get("expires_in", 300))
                self._expires_at = time.monotonic() + max(
                    lifetime - self.refresh_margin_seconds, lifetime / 2
                )
            return self._token

    def forget(self) -> None:
        with self._lock:
            self._token = None

    def _forget_when_refused(self, response: requests.Response, **_kwargs) -> None:
        # The service no longer takes the token (auth rotated its keys away, say): the next
        # call fetches a new one instead of failing until this one expires.
        if response.status_code == 401:
            self.forget()

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token()}"
        request.register_hook("response", self._forget_when_refused)
        return request


class ServiceCredentials:
    """A service's client id and secret at auth, and the token auth for each service it calls
    (one `ServiceTokenAuth` per audience, made when first asked for)."""

    def __init__(
        self, auth_url: str, client_id: str, client_secret: str, *, request_id=None
    ) -> None:
        self.auth_url = auth_url
        self.client_id = client_id
        self.client_secret = client_secret
        self.request_id = request_id
        self._auths: dict[str, ServiceTokenAuth] = {}
        self._lock = threading.Lock()

    def auth_for(self, audience: str) -> ServiceTokenAuth:
        with self._lock:
            if audience not in self._auths:
                self._auths[audience] = ServiceTokenAuth(
                    self.auth_url,
                    self.client_id,
                    self.client_secret,
                    audience=audience,
                    request_id=self.request_id,
                )
            return self._auths[audience]

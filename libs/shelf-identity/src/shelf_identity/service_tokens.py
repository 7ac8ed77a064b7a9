"""Client credentials: a service trades its id and secret for a short-lived service token at
auth, keeps it until shortly before it expires, and sends it as a Bearer token."""

from __future__ import annotations

import threading
import time

import requests

from shelf_http import ServiceClient

TOKEN_PATH = "/v1/service-tokens"


class ServiceTokenAuth(requests.auth.AuthBase):
    def __init__(self, auth_url: str, client_id: str, client_secret: str, *,
                 refresh_margin_seconds: float = 60.0, request_id=None) -> None:
        # A client of its own, without this auth attached: fetching a token needs no token.
        self.auth_client = ServiceClient("auth", auth_url, request_id=request_id)
        self.client_id = client_id
        self.client_secret = client_secret
        self.refresh_margin_seconds = refresh_margin_seconds
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()

    def token(self) -> str:
        with self._lock:
            if self._token is None or time.monotonic() >= self._expires_at:
                answer = self.auth_client.post(
                    TOKEN_PATH, json={"client_id": self.client_id,
                                      "client_secret": self.client_secret}).json()
                self._token = answer["access_token"]
                lifetime = float(answer.get("expires_in", 300))
                self._expires_at = time.monotonic() + max(lifetime - self.refresh_margin_seconds,
                                                          lifetime / 2)
            return self._token

    def forget(self) -> None:
        with self._lock:
            self._token = None

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token()}"
        return request

"""One client module per service the ui calls (auth, api, tasks).

Each module reads only the fields its pages use from the answers, so a service may add fields
freely. Calls for a logged-in user carry that user's access token (`as_user`); the kit's
service clients carry no credentials of their own, so the header is passed per call.
"""

from __future__ import annotations

from typing import Any

import requests
from flask import current_app

from shelf_http import ServiceClient, ServiceRejected
from shelf_kit import kit

from .. import sessions


def service(name: str) -> ServiceClient:
    return kit(current_app).clients[name]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def as_user(name: str, method: str, path: str, **kwargs: Any) -> requests.Response:
    """Call `name` as the logged-in user. An access token that is about to expire is refreshed
    first; one the service refuses (401: revoked keys, clock skew) is refreshed once and the call
    sent again. Raises sessions.LoginRequired when the login cannot be renewed."""
    client = service(name)
    extra = kwargs.pop("headers", None) or {}
    try:
        return client.request(
            method, path, headers={**extra, **bearer(sessions.access_token())}, **kwargs
        )
    except ServiceRejected as error:
        if error.status != 401:
            raise
    return client.request(
        method, path, headers={**extra, **bearer(sessions.refresh(force=True))}, **kwargs
    )


def field_errors(error: ServiceRejected) -> dict[str, list[str]]:
    """The field messages of a refusal: linkding's `{"field": ["message"]}` (api) or a problem
    document's `errors` (auth, tasks). Non-field messages come under "" ."""
    body = error.problem if isinstance(error.problem, dict) else {}
    found = body.get("errors") if isinstance(body.get("errors"), dict) else None
    if found is None and "status" not in body:  # linkding's shape: the body is the fields
        found = {key: value for key, value in body.items() if key != "detail"}
    errors: dict[str, list[str]] = {}
    for field, messages in (found or {}).items():
        texts = _texts(messages)
        if texts:
            errors["" if field == "non_field_errors" else str(field)] = texts
    if not errors:
        detail = body.get("detail")
        errors[""] = [
            str(detail)
            if isinstance(detail, str) and detail
            else f"The {error.service} service refused this ({error.status})."
        ]
    return errors


def field_names(error: ServiceRejected) -> set[str]:
    """The fields a refusal names (linkding's shape or a problem's `errors`)."""
    return set(field_errors(error)) - {""}


def _texts(messages: Any) -> list[str]:
    """A field's messages: a string, a list of them, or, for a list field, its items'
    messages by index (`{"1": ["..."]}`, as marshmallow reports them)."""
    if isinstance(messages, str | int) and not isinstance(messages, bool):
        return [str(messages)]
    if isinstance(messages, list):
        return [text for message in messages for text in _texts(message)]
    if isinstance(messages, dict):
        return [text for message in messages.values() for text in _texts(message)]
    return []


def problem_detail(error: ServiceRejected, default: str) -> str:
    body = error.problem if isinstance(error.problem, dict) else {}
    detail = body.get("detail")
    return detail if isinstance(detail, str) and detail else default

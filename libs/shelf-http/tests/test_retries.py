"""What is retried, what is not, and how long it takes (against a real server)."""

from __future__ import annotations

import time

import pytest
from urllib3.exceptions import NewConnectionError
from werkzeug.wrappers import Response

from shelf_http import ServiceRejected, ServiceUnavailable
from shelf_http.retry import ShelfRetry

IDEMPOTENT = ["GET", "HEAD", "OPTIONS", "PUT", "DELETE"]
NOT_IDEMPOTENT = ["POST", "PATCH"]


def unavailable(status: int = 503, **headers: str) -> Response:
    return Response("busy", status=status, headers=headers)


@pytest.mark.parametrize("method", IDEMPOTENT)
def test_idempotent_call_succeeds_after_a_503(service, make_client, method) -> None:
    service.sequence("/flaky", unavailable(), Response("ok"))
    response = make_client(service.url).request(method, "/flaky")
    assert response.status_code == 200
    assert service.count("/flaky") == 2


@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_statuses_are_retried(service, make_client, status) -> None:
    service.sequence("/flaky", unavailable(status), unavailable(status), Response("ok"))
    assert make_client(service.url).get("/flaky").text == "ok"
    assert service.count("/flaky") == 3


@pytest.mark.parametrize("method", NOT_IDEMPOTENT)
def test_non_idempotent_call_answered_503_is_not_retried(service, make_client, method) -> None:
    service.sequence("/bookmarks", unavailable(), Response("created", status=201))
    with pytest.raises(ServiceUnavailable) as caught:
        make_client(service.url).request(method, "/bookmarks")
    assert caught.value.status == 503
    assert service.count("/bookmarks") == 1


def test_gives_up_after_retries_and_reports_last_status(service, make_client) -> None:
    service.route("/down", lambda r: unavailable())
    with pytest.raises(ServiceUnavailable) as caught:
        make_client(service.url, retries=2).get("/down")
    assert service.count("/down") == 3
    assert caught.value.status == 503
    assert "after 3 attempts" in str(caught.value)


def test_retries_zero_means_one_attempt(service, make_client) -> None:
    service.route("/down", lambda r: unavailable())
    with pytest.raises(ServiceUnavailable):
        make_client(service.url, retries=0).get("/down")
    assert service.count("/down") == 1


def test_500_is_not_retried(service, make_client) -> None:
    service.route("/bug", lambda r: Response("boom", status=500))
    with pytest.raises(ServiceUnavailable) as caught:
        make_client(service.url).get("/bug")
    assert caught.value.status == 500
    assert service.count("/bug") == 1


@pytest.mark.parametrize("status", [400, 404, 409, 422, 429])
def test_4xx_is_not_retried(service, make_client, status) -> None:
    service.route("/no", lambda r: Response("no", status=status))
    with pytest.raises(ServiceRejected):
        make_client(service.url).get("/no")
    assert service.count("/no") == 1


def test_backoff_sleeps_before_the_second_retry_only(service, make_client) -> None:
    service.route("/down", lambda r: unavailable())
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable):
        make_client(service.url, retries=2, backoff_factor=0.1).get("/down")
    # 0 s before the first retry, 0.1 * 2 ** 1 = 0.2 s before the second.
    assert 0.2 <= time.monotonic() - started < 1.0


# -- timeouts ---------------------------------------------------------------


def test_read_timeout_raises_unavailable_within_the_timeout(service, make_client) -> None:
    service.stall("/slow")
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable) as caught:
        make_client(service.url, read_timeout=0.2, retries=0).get("/slow")
    elapsed = time.monotonic() - started
    assert 0.2 <= elapsed < 1.0
    assert caught.value.status is None
    assert (
        str(caught.value) == f"api is unavailable: no answer within 0.2s (GET {service.url}/slow)"
    )


def test_a_read_timeout_is_waited_once_even_for_get(service, make_client) -> None:
    """A service that is there but slow is not asked again: the caller's own answer (a page
    that says the service is down) would wait once more for each retry."""
    service.stall("/slow")
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable, match=r"no answer within 0\.2s"):
        make_client(service.url, read_timeout=0.2, retries=2).get("/slow")
    assert service.count("/slow") == 1
    assert 0.2 <= time.monotonic() - started < 0.6


@pytest.mark.parametrize("method", NOT_IDEMPOTENT)
def test_read_timeout_is_not_retried_for_non_idempotent(service, make_client, method) -> None:
    service.stall("/slow")
    with pytest.raises(ServiceUnavailable, match=r"no answer within 0\.2s"):
        make_client(service.url, read_timeout=0.2, retries=2).request(method, "/slow")
    assert service.count("/slow") == 1


def test_per_call_timeout_overrides_the_default(service, make_client) -> None:
    service.stall("/slow")
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable, match=r"no answer within 0\.1s"):
        make_client(service.url, retries=0).get("/slow", timeout=(1, 0.1))
    assert time.monotonic() - started < 1.0


# -- connection refused -------------------------------------------------------


def test_connection_refused_raises_unavailable(closed_port, make_client) -> None:
    url = f"http://127.0.0.1:{closed_port}"
    with pytest.raises(ServiceUnavailable) as caught:
        make_client(url).get("/healthz")
    error = caught.value
    assert str(error) == f"api is unavailable: connection refused (GET {url}/healthz)"
    assert (error.service, error.method, error.url) == ("api", "GET", f"{url}/healthz")
    assert error.status is None and error.response is None


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_connection_refused_is_retried_for_every_method(
    closed_port, make_client, monkeypatch, method
) -> None:
    # Nothing was sent, so urllib3 counts NewConnectionError (a ConnectTimeoutError
    # subclass) as a connect error and ignores allowed_methods.
    errors: list[Exception | None] = []
    original = ShelfRetry.increment

    def spy(self, *args, **kwargs):
        errors.append(kwargs.get("error"))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(ShelfRetry, "increment", spy)
    with pytest.raises(ServiceUnavailable, match="connection refused"):
        make_client(f"http://127.0.0.1:{closed_port}", retries=2).request(method, "/x")
    assert len(errors) == 3  # three attempts; the third increment gives up
    assert all(isinstance(error, NewConnectionError) for error in errors)


# -- Retry-After ----------------------------------------------------------------


def test_retry_after_is_respected(service, make_client) -> None:
    service.sequence("/busy", unavailable(**{"Retry-After": "1"}), Response("ok"))
    started = time.monotonic()
    assert make_client(service.url).get("/busy").text == "ok"
    assert time.monotonic() - started >= 0.9
    assert service.count("/busy") == 2


def test_retry_after_longer_than_the_cap_fails_fast(service, make_client) -> None:
    service.sequence("/maintenance", unavailable(**{"Retry-After": "3600"}), Response("ok"))
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable) as caught:
        make_client(service.url).get("/maintenance")
    assert time.monotonic() - started < 1.0
    assert caught.value.status == 503
    assert service.count("/maintenance") == 1


def test_malformed_retry_after_falls_back_to_backoff(service, make_client) -> None:
    service.sequence("/busy", unavailable(**{"Retry-After": "soon"}), Response("ok"))
    assert make_client(service.url).get("/busy").text == "ok"
    assert service.count("/busy") == 2


def test_429_with_retry_after_is_retried_for_idempotent_methods(service, make_client) -> None:
    # urllib3 retries 413/429/503 carrying Retry-After even outside status_forcelist.
    service.sequence(
        "/limited", Response("slow down", status=429, headers={"Retry-After": "0"}), Response("ok")
    )
    assert make_client(service.url).get("/limited").text == "ok"
    assert service.count("/limited") == 2


def test_429_with_retry_after_is_not_retried_for_post(service, make_client) -> None:
    service.sequence(
        "/limited", Response("slow down", status=429, headers={"Retry-After": "0"}), Response("ok")
    )
    with pytest.raises(ServiceRejected) as caught:
        make_client(service.url).post("/limited")
    assert caught.value.status == 429
    assert service.count("/limited") == 1

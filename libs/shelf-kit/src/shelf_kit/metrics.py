"""Prometheus metrics at /metrics: request counts and durations per route.

Under gunicorn with several workers, set PROMETHEUS_MULTIPROC_DIR to an empty folder per
service so /metrics adds up every worker (prometheus_client's multiprocess mode).

Who may read them: a caller on loopback that came directly (no X-Forwarded-For or Forwarded
header: not through the gateway, which serves the ui's paths to the world), a caller with
`Authorization: Bearer <SHELF_METRICS_TOKEN>` when that is set, or a caller the service's own
identity guard already let in (api and tasks: any valid token). Anyone else gets the 404 of a
path that is not there.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import time

from flask import Flask, Response, abort, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

REQUESTS = Counter(
    "shelf_http_requests_total", "HTTP requests answered", ["service", "method", "route", "status"]
)
LATENCY = Histogram(
    "shelf_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["service", "method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


def init_app(app: Flask, service: str) -> None:
    @app.before_request
    def _start() -> None:
        g._metrics_started = time.perf_counter()

    @app.after_request
    def _observe(response: Response) -> Response:
        started = g.pop("_metrics_started", None)
        route = request.url_rule.rule if request.url_rule else "unmatched"
        REQUESTS.labels(service, request.method, route, str(response.status_code)).inc()
        if started is not None:
            LATENCY.labels(service, request.method, route).observe(time.perf_counter() - started)
        return response

    @app.get("/metrics")
    def metrics() -> Response:
        if not may_read_metrics():
            abort(404)
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            payload = generate_latest(registry)
        else:
            payload = generate_latest()
        return Response(payload, content_type=CONTENT_TYPE_LATEST)


def may_read_metrics() -> bool:
    if g.get("identity") is not None:  # the service's identity guard (shelf-identity) let it in
        return True
    return _has_metrics_token() or _direct_from_loopback()


def _has_metrics_token() -> bool:
    expected = current_app.config.get("SHELF_METRICS_TOKEN") or ""
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return (
        bool(expected)
        and scheme.lower() == "bearer"
        and hmac.compare_digest(given.strip().encode(), expected.encode())
    )


def _direct_from_loopback() -> bool:
    if "X-Forwarded-For" in request.headers or "Forwarded" in request.headers:
        return False
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).is_loopback

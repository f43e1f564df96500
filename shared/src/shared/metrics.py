"""Prometheus metrics for every process: requests by route and status, latency, database pool
use, and (in the gateway) the latency of each downstream service.

Routes are labelled by their template (``/api/v1/records/units/{unit_id}``), never by the raw
path, so the number of series stays small whatever the ids.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable, Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Header
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.errors import NotFound, Unauthorized

BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    def __init__(self, service: str) -> None:
        self.service = service
        self.registry = CollectorRegistry()
        self.requests = Counter("kaohe_http_requests", "HTTP requests handled", ["service", "method", "route",
                                                                                  "status"], registry=self.registry)
        self.latency = Histogram("kaohe_http_request_duration_seconds", "Time to answer a request",
                                 ["service", "method", "route"], buckets=BUCKETS, registry=self.registry)
        self.downstream = Histogram("kaohe_downstream_duration_seconds", "Time a downstream service took",
                                    ["service", "downstream", "status"], buckets=BUCKETS, registry=self.registry)

    def watch_pool(self, pool_stats: Callable[[], dict[str, int]]) -> None:
        """Report the database pool (checked out, idle, overflow) at every scrape."""
        service = self.service

        class PoolCollector(Collector):
            def collect(self) -> Iterator[GaugeMetricFamily]:
                family = GaugeMetricFamily("kaohe_db_pool_connections", "Database pool connections by state",
                                           labels=["service", "state"])
                for state, value in pool_stats().items():
                    family.add_metric([service, state], value)
                yield family

        self.registry.register(PoolCollector())

    def router(self, *, token: str | None = None, public: bool = True) -> APIRouter:
        """``/metrics``: open (``public``, for a service no client reaches), or only to
        ``Authorization: Bearer <token>`` — 401 without it, and 404 when no token is configured."""
        router = APIRouter(tags=["health"])

        @router.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
        async def metrics(authorization: Annotated[str | None, Header()] = None) -> Response:
            if not public:
                if not token:
                    raise NotFound("no route /metrics")
                scheme, _, sent = (authorization or "").partition(" ")
                if scheme.lower() != "bearer" or not hmac.compare_digest(sent.strip().encode(), token.encode()):
                    raise Unauthorized("send the metrics token: Authorization: Bearer <GATEWAY_METRICS_TOKEN>",
                                       code="metrics_token_invalid", headers={"www-authenticate": "Bearer"})
            return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)

        return router


class MetricsMiddleware:
    """Counts and times every request; the route label comes from the matched route's template,
    or from ``scope["state"]["audit_route"]`` where the gateway's proxy sets it."""

    SKIP = frozenset({"/metrics", "/healthz", "/readyz"})

    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.SKIP:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        seen: dict[str, Any] = {"status": 500}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                seen["status"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            route = scope.get("state", {}).get("audit_route") or getattr(scope.get("route"), "path", None) \
                or "unmatched"
            method = scope["method"]
            self.metrics.requests.labels(self.metrics.service, method, route, str(seen["status"])).inc()
            self.metrics.latency.labels(self.metrics.service, method, route).observe(time.perf_counter() - started)

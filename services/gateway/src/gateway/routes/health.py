"""Gateway probes: ``/readyz`` reports every downstream service.

It is 503 only when the gateway itself cannot work (its database down or not migrated). A service
that is down leaves it 200 with ``"status": "degraded"``, the service in ``degraded`` and its check
``ok: false``: the other services' routes keep serving, and that service's routes answer 503
``upstream_unavailable`` until it is back. Taking the whole gateway out of a load balancer because
one service restarts would turn one service's outage into everyone's.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from fastapi import Request

from gateway.clients.services import SERVICES, Downstreams
from gateway.db import SCHEMA
from shared.health import database_readiness, health_router


async def _probe(downstreams: Downstreams, name: str, timeout: float) -> dict[str, Any]:
    client = downstreams.clients[name]
    try:
        response = await client.http.get("/readyz", timeout=timeout)
    except httpx.TimeoutException:
        return {"ok": False, "error": "timeout"}
    except httpx.TransportError as exc:
        return {"ok": False, "error": type(exc).__name__}
    check: dict[str, Any] = {"ok": response.status_code == 200, "status": response.status_code}
    if response.status_code != 200:
        try:
            check["checks"] = response.json().get("checks")
        except ValueError:
            pass
    return check


async def readiness(request: Request) -> dict[str, Any]:
    downstreams: Downstreams = request.app.state.downstreams
    timeout = request.app.state.settings.readiness_timeout_seconds
    names = list(downstreams.clients)
    own, *results = await asyncio.gather(
        database_readiness(request.app.state.engine, schema=SCHEMA, expected_heads=request.app.state.expected_heads),
        *(_probe(downstreams, n, timeout) for n in names))
    return {**own, **dict(zip(names, results, strict=True))}


router = health_router("gateway", readiness, degradable=SERVICES)

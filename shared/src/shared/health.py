"""Liveness and readiness probes.

``/healthz`` answers as long as the process serves requests and touches nothing.
``/readyz`` answers 200 only when the service can do its work: for a database service,
the database answers and its schema is at the migration head the code expects. Checks named
``degradable`` (the gateway's downstream services) do not fail readiness: while one is down the
answer stays 200, says ``"status": "degraded"`` and lists it in ``degraded``; only its routes
are refused, with 503.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

ReadinessCheck = Callable[[Request], Awaitable[dict[str, Any]]]


def health_router(service: str, readiness: ReadinessCheck, *, degradable: Collection[str] = ()) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/healthz", summary="Liveness: the process is serving",
                responses={200: {"content": {"application/json": {"example": {"status": "ok", "service": service}}}}})
    async def healthz() -> dict[str, str]:
        """Liveness: answers as long as the process serves requests; touches nothing. **Who may call:** anyone,
        without signing in.
        """
        return {"status": "ok", "service": service}

    @router.get("/readyz", summary="Readiness: dependencies reachable and migrated",
                responses={200: {"content": {"application/json": {"example": {
                    "status": "ready", "service": service, "checks": {
                        "database": {"ok": True},
                        "migrations": {"ok": True, "current": ["d0e1k0000020"], "head": ["d0e1k0000020"]}}}}}},
                           503: {"description": "not ready; the body says which check failed"}})
    async def readyz(request: Request) -> JSONResponse:
        """Readiness: 200 when the service can do its work (its database answers and is at the migration head
        the code expects). The gateway also reports each downstream service: one that is down leaves it 200
        with `status: degraded`, named in `degraded`, and only that service's routes answer 503. 503 when
        not ready; the body says which check failed. **Who may call:** anyone, without signing in.
        """
        checks = await readiness(request)
        failed = [name for name, check in checks.items() if not check.get("ok")]
        ready = all(name in degradable for name in failed)
        body: dict[str, Any] = {
            "status": "not_ready" if not ready else "degraded" if failed else "ready",
            "service": service, "checks": checks}
        if degradable:
            body["degraded"] = [name for name in failed if name in degradable]
        return JSONResponse(body, status_code=200 if ready else 503)

    return router


async def database_readiness(engine: AsyncEngine, *, schema: str,
                             expected_heads: frozenset[str]) -> dict[str, Any]:
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(text(f'SELECT version_num FROM "{schema}".alembic_version'))  # noqa: S608
            revisions = frozenset(row[0] for row in rows)
    except Exception as exc:  # any driver or network failure means "not ready"
        return {"database": {"ok": False, "error": type(exc).__name__}}
    at_head = revisions == expected_heads
    return {
        "database": {"ok": True},
        "migrations": {"ok": at_head, "current": sorted(revisions), "head": sorted(expected_heads)},
    }

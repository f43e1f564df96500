"""``GET /api/v1/me``: the signed-in person's overview, gathered from the services at once."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request

from gateway.clients.services import Downstreams
from gateway.identity import PrincipalDep
from shared.errors import AppError

router = APIRouter(prefix="/api/v1", tags=["me"])


async def _fetch(downstreams: Downstreams, service: str, path: str, principal: Any) -> Any:
    try:
        response = await downstreams.clients[service].request("GET", path, caller=principal.caller)
    except AppError as exc:
        return {"unavailable": exc.code}
    return response.json() if response.status_code == 200 else None


@router.get("/me", summary="Who I am: account, roster entry, my unit")
async def me(principal: PrincipalDep, request: Request) -> dict[str, Any]:
    caller = principal.caller
    downstreams: Downstreams = request.app.state.downstreams
    tasks: dict[str, Any] = {}
    if caller.person_id:
        tasks["person"] = _fetch(downstreams, "records", f"/api/v1/records/persons/{caller.person_id}", principal)
    if caller.unit_ids:
        tasks["unit"] = _fetch(downstreams, "records", f"/api/v1/records/units/{caller.unit_ids[0]}", principal)
    results = dict(zip(tasks, await asyncio.gather(*tasks.values()), strict=True))
    return {
        "subject": caller.subject, "name": principal.name, "kind": caller.kind, "roles": list(caller.roles),
        "scopes": list(caller.scopes), "region_ids": list(caller.region_ids), "unit_ids": list(caller.unit_ids),
        "person_id": caller.person_id, "person": results.get("person"), "unit": results.get("unit"),
    }

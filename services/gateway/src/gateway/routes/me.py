"""``GET /api/v1/me``: the signed-in person's overview, gathered from the services at once."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request

from gateway.clients.services import Downstreams
from gateway.identity import PrincipalDep
from shared.errors import AppError

router = APIRouter(prefix="/api/v1", tags=["me"])
EXAMPLE = {
    "subject": "u:6b1f2c3d-0a4e-4f5b-9c8d-7e6f5a4b3c2d", "name": "王芳", "kind": "user", "roles": ["member"],
    "scopes": [], "region_ids": ["46634a0c-c4ca-5e54-b5b1-be81442f2839"],
    "unit_ids": ["eac565fd-f2ae-5153-9e88-7b7cb5e97050"], "person_id": "aa19ade6-519f-5bc6-ba1e-ee473ee5f0ee",
    "person": {"id": "aa19ade6-519f-5bc6-ba1e-ee473ee5f0ee", "staff_no": "X-001", "name": "王芳",
               "staff_category": "staff"},
    "unit": {"id": "eac565fd-f2ae-5153-9e88-7b7cb5e97050", "name": "夏村镇"},
    "section": {"id": "d1c19927-e254-5926-ac1a-2b8de7c3ea94", "name": "党政办"},
}


async def _fetch(downstreams: Downstreams, service: str, path: str, principal: Any, *, json: Any = None) -> Any:
    try:
        response = await downstreams.clients[service].request("GET" if json is None else "POST", path,
                                                              caller=principal.caller, json=json)
    except AppError as exc:
        return {"unavailable": exc.code}
    return response.json() if response.status_code == 200 else None


def _placement(found: Any) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """A person's unit and section (ids and names) from records' names of people, if it answered."""
    people = found.get("people") if isinstance(found, dict) else None
    if not people:
        return None, None
    person = people[0]
    section = (None if person["section_id"] is None
               else {"id": person["section_id"], "name": person["section_name"]})
    return {"id": person["unit_id"], "name": person["unit_name"]}, section


@router.get("/me", summary="Who I am: account, roster entry, my unit (and, for a person, my section)",
            responses={200: {"content": {"application/json": {"example": EXAMPLE}}}})
async def me(principal: PrincipalDep, request: Request) -> dict[str, Any]:
    """A person's unit and section are those of their current placement (a member may not read the
    unit itself); an administrator's or a leader's unit is the unit they are bound to.

    Returns who I am: my account (subject, name, kind, roles, scopes, the regions, units and person I am
    bound to), my roster entry, my unit and, for a person, my section. A part whose service does not answer
    is `{"unavailable": code}`. **Who may call:** anyone signed in, and API keys (which have no person or
    unit).
    """
    caller = principal.caller
    downstreams: Downstreams = request.app.state.downstreams
    tasks: dict[str, Any] = {}
    if caller.person_id:
        tasks["person"] = _fetch(downstreams, "records", f"/api/v1/records/persons/{caller.person_id}", principal)
        tasks["placement"] = _fetch(downstreams, "records", "/api/v1/records/persons/names", principal,
                                    json={"person_ids": [caller.person_id]})
    if caller.unit_ids:
        tasks["unit"] = _fetch(downstreams, "records", f"/api/v1/records/units/{caller.unit_ids[0]}", principal)
    results = dict(zip(tasks, await asyncio.gather(*tasks.values()), strict=True))
    unit, section = _placement(results.get("placement"))
    return {
        "subject": caller.subject, "name": principal.name, "kind": caller.kind, "roles": list(caller.roles),
        "scopes": list(caller.scopes), "region_ids": list(caller.region_ids), "unit_ids": list(caller.unit_ids),
        "person_id": caller.person_id, "person": results.get("person"), "unit": results.get("unit") or unit,
        "section": section,
    }

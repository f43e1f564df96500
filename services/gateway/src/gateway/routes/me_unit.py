"""``GET /api/v1/me/unit``: the day's chasing for a unit's administrator and leaders, in one answer.

Two calls at once, whatever the unit's size: records (the weekly records not written and the tasks
overdue, with names and sections) and scoring (the raters missing in each open round, named, and
each scheme's procedure, and the rectification items the unit still owes). Each service checks
the unit against the caller (another unit's administrator gets 404 from it, passed on unchanged).
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request, Response

from gateway.clients.services import Downstreams
from gateway.identity import PrincipalDep
from shared.errors import AppError, Forbidden, NotFound, UpstreamUnavailable
from shared.periods import PERIOD_SCHEMA
from shared.service_auth import Caller

router = APIRouter(prefix="/api/v1", tags=["me"])
LEADING = frozenset({"province_admin", "region_admin", "unit_admin", "leader"})
UNIT_LEVEL = frozenset({"unit_admin", "leader"})
EXAMPLE = {
    "unit_id": "eac565fd-f2ae-5153-9e88-7b7cb5e97050", "unit_name": "夏村镇", "on": "2025-06-30", "people": 42,
    "weekly_records": [{"week": "2025-W26", "starts_on": "2025-06-23", "ends_on": "2025-06-29",
                        "deadline": "2025-07-01", "overdue": False, "missing": [
        {"person_id": "aa19ade6-519f-5bc6-ba1e-ee473ee5f0ee", "staff_no": "X-001", "name": "王芳",
         "section_id": "d1c19927-e254-5926-ac1a-2b8de7c3ea94", "section_name": "党政办"}]}],
    "rating_rounds": [{"round_id": "229e0312-cf0e-5027-99f9-8d2baa6dab14", "scheme_name": "夏村镇机关干部",
                       "period": "2025Q2", "closes_at": "2025-07-01T09:30:00Z", "raters_missing": [],
                       "codes_unused": 3}],
    "overdue_tasks": [], "procedures": [], "period": "2025Q2", "rectifications": [],
}


class Downstream(AppError):
    """A service's own refusal (404, 403, 422), passed on with its status and code."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status_code = status
        self.title = str(body.get("title") or "Refused")
        super().__init__(str(body.get("detail") or self.title), code=str(body.get("code") or "refused"),
                         errors=body.get("errors"))


async def _get(downstreams: Downstreams, service: str, path: str, caller: Caller,
               params: dict[str, str] | None = None) -> dict[str, Any]:
    status, content = await downstreams.read(service, path, caller=caller, params=params)
    if status == 200:
        found: dict[str, Any] = orjson.loads(content)
        return found
    if status in (403, 404, 422):
        raise Downstream(status, orjson.loads(content))
    raise UpstreamUnavailable(f"{service} answered {status} for {path}")


def _unit_of(caller: Caller, unit_id: uuid.UUID | None) -> uuid.UUID:
    if caller.kind != "user" or not LEADING & set(caller.roles):
        raise Forbidden("my unit is for unit administrators, leaders and the region's administrators")
    if unit_id is not None:
        return unit_id
    if UNIT_LEVEL & set(caller.roles) and caller.unit_ids:
        return uuid.UUID(caller.unit_ids[0])
    # "my unit" does not exist for a caller without one: no such resource, as for a unit they may not see
    raise NotFound("you have no unit of your own: name one with unit_id", code="unit_not_found",
                   errors=[{"field": "query.unit_id", "message": "required for a region's administrator"}])


@router.get("/me/unit", summary="My unit today: who has not written their weekly record, who has not rated, "
                                "which tasks are overdue, where the procedure stands",
            responses={200: {"content": {"application/json": {"example": EXAMPLE}}},
                       403: {"description": "a member or an API key: this is for a unit's administrator and leaders"},
                       404: {"description": "`unit_id` names a unit the caller may not see, or the caller has no "
                                              "unit of their own (a region's administrator) and names none"},
                       422: {"description": "a bad `period`"}})
async def my_unit(principal: PrincipalDep, request: Request,
                  unit_id: Annotated[uuid.UUID | None, Query(description=(
                      "the unit (a region's administrator: any of their region's; others: their own by default)"))]
                  = None,
                  period: Annotated[str | None, Query(max_length=7, json_schema_extra=PERIOD_SCHEMA, description=(
                      "the period whose procedure is shown; the current quarter if left out"))] = None,
                  ) -> Response:
    """A unit's day in one answer: who has not written their weekly record, who has not rated in each open
    round, which tasks are overdue, where each scheme's procedure stands, and the rectification items it
    owes. 403 for a member or an API key; 404 `unit_not_found` for a unit the caller may not see, or for a
    region administrator (who has no unit of their own) without `unit_id`; 422 `invalid_period`.
    **Who may call:** unit_admin (单位管理员) and leader (单位领导) for their unit; province_admin and
    region_admin for a unit they name.
    """
    caller = principal.caller
    unit = _unit_of(caller, unit_id)
    downstreams: Downstreams = request.app.state.downstreams
    records, scoring = await asyncio.gather(
        _get(downstreams, "records", f"/api/v1/records/units/{unit}/outstanding", caller),
        _get(downstreams, "scoring", f"/api/v1/scoring/units/{unit}/outstanding", caller,
             {"period": period} if period else None))
    # the services' JSON, regrouped: written out as it is, not walked again by FastAPI's encoder
    return Response(orjson.dumps({
        "unit_id": records["unit_id"], "unit_name": records["unit_name"], "on": records["on"],
        "people": records["people"], "weekly_records": records["weeks"], "rating_rounds": scoring["rounds"],
        "overdue_tasks": records["overdue_tasks"], "procedures": scoring["procedures"], "period": scoring["period"],
        "rectifications": scoring.get("rectifications", [])}),
        media_type="application/json")

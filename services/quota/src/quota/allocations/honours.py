"""Township points from the records honours ledger (荣誉台账), by the policy's ``honour_points``.

When the table is given, each unit's points for a run are its stored points plus, for every
honour of the unit or of its people (a person's honour is their unit's on the day it was
awarded) awarded in the year and not voided, the points of the honour's level. The run keeps
the units with these points (so its input digest changes with the ledger), and its trace says
which honour gave which points.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from quota.allocations.schemas import PolicyIn, TraceStepRead
from quota.clients.records import RecordsClient
from shared.service_auth import Caller


async def with_honour_points(records: RecordsClient, units: list[dict[str, Any]], policy: PolicyIn, *,
                             region_id: uuid.UUID, year: int,
                             caller: Caller) -> tuple[list[dict[str, Any]], list[TraceStepRead]]:
    """The units with their honours' points added, and a trace step per honour that counted."""
    if not policy.honour_points:
        return units, []
    honours = await records.honours(region_id, year, caller=caller)
    return add_honour_points(units, honours, {str(level): points for level, points in policy.honour_points.items()})


def add_honour_points(units: list[dict[str, Any]], honours: list[dict[str, Any]],
                      table: dict[str, Decimal]) -> tuple[list[dict[str, Any]], list[TraceStepRead]]:
    ids = {str(u["id"]) for u in units}
    extra: dict[str, Decimal] = {}
    trace = []
    for honour in sorted(honours, key=lambda h: (str(h["unit_id"]), h["awarded_on"], str(h["id"]))):
        unit, points = str(honour["unit_id"]), table.get(honour["level"])
        if points is None or unit not in ids:
            continue
        extra[unit] = extra.get(unit, Decimal(0)) + points
        whose = "a person's honour" if honour.get("person_id") else "the unit's honour"
        trace.append(TraceStepRead(
            step="honour_points", unit=unit, slots=0, rule=f"honour_points.{honour['level']}",
            text=f"{unit}: +{points} points for {whose} {honour['title']} ({honour['level']}, "
                 f"{honour['awarded_on']}, {honour['awarded_by']}, honour {honour['id']})"))
    out = [{**u, "points": str(Decimal(str(u.get("points", 0))) + extra[str(u["id"])])}
           if str(u["id"]) in extra else u for u in units]
    return out, trace

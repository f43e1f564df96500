"""Each unit's totals of a region's period summary, for the organisation department's progress view
in scoring: weekly records and monthly reports due, written and on time, added up per unit, for
every unit of the region in one call and one statement (not opened at the gateway)."""

from __future__ import annotations

import uuid

import orjson
from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from records import examples as ex
from records import scope
from records.config import SettingsDep
from records.roster.models import Unit
from records.roster.router import PeriodDep
from records.summary import DeadlinesDep, summary_json
from shared.db import SessionDep
from shared.service_auth import CallerDep

router = APIRouter(prefix="/api/v1/records", tags=["summaries"])
COUNTED = ("weeks_due", "weeks_submitted", "weeks_on_time", "months_due", "monthly_reports", "reports_on_time")


class UnitTotals(BaseModel):
    unit_id: uuid.UUID
    people: int
    weeks_due: int
    weeks_submitted: int
    weeks_on_time: int
    months_due: int
    monthly_reports: int
    reports_on_time: int


class RegionTotals(BaseModel):
    model_config = ConfigDict(json_schema_extra=ex.of(ex.REGION_TOTALS))
    period: str
    units: list[UnitTotals]


@router.get("/regions/{region_id}/unit-totals", response_model=RegionTotals,
            responses={404: {"description": "no such region of yours"}},
            summary="Per-unit totals of a period summary")
async def unit_totals(region_id: uuid.UUID, period: PeriodDep, session: SessionDep, caller: CallerDep,
                      deadlines: DeadlinesDep, settings: SettingsDep) -> RegionTotals:
    """Per unit of the region: the people in the period's scope and their weekly records and monthly reports due,
    written and on time — the period summary added up by unit. For the other services: every unit of the region,
    those without anyone in scope with zeros.

    Callers: services (not routed by the gateway). Errors: 404 `region_not_found`; 422 `invalid_period`."""
    await scope.valid_region(session, caller, region_id)
    unit_ids = list(await session.scalars(select(Unit.id).where(Unit.region_id == region_id).order_by(Unit.id)))
    totals = {u: dict.fromkeys(("people", *COUNTED), 0) for u in map(str, unit_ids)}
    if unit_ids:
        body = await summary_json(session, unit_ids, period, leave_in_year=False, fields=("unit_id", *COUNTED),
                                  deadlines=deadlines, min_share=settings.min_share_of_period,
                                  order="person_id", zone=settings.time_zone)
        for person in orjson.loads(body)["people"]:
            row = totals[person["unit_id"]]
            row["people"] += 1
            for name in COUNTED:
                row[name] += person[name]
    return RegionTotals(period=period.code,
                        units=[UnitTotals(unit_id=uuid.UUID(u), **row) for u, row in totals.items()])

"""Allocation routes: what-if simulation, stored inputs, runs, comparison, publication."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from quota.allocations import exports, publications, service
from quota.allocations.schemas import (
    AllocationResultRead,
    ComparisonRead,
    PolicyIn,
    PublicationList,
    PublicationRead,
    PublishRequest,
    RunChanges,
    RunPage,
    RunRead,
    SimulateRequest,
    StoredInputsRead,
    StoredUnitIn,
    UnitsPut,
)
from shared.change_feed import UpdatedAfter
from shared.db import SessionDep
from shared.pagination import PageDep
from shared.service_auth import CallerDep
from shared.xlsx import XLSX_RESPONSES

router = APIRouter(prefix="/api/v1/quota", tags=["allocations"])

Year = Annotated[int, Path(ge=2000, le=2100, description="evaluation year, e.g. 2025")]


def _stored(record: object) -> StoredInputsRead:
    from quota.allocations.models import AllocationInputs

    assert isinstance(record, AllocationInputs)
    return StoredInputsRead(
        region_id=record.region_id, year=record.year, updated_at=record.updated_at,
        units=None if record.units is None else [StoredUnitIn.model_validate(u) for u in record.units],
        policy=None if record.policy is None else PolicyIn.model_validate(record.policy))


@router.post("/allocations/simulate", response_model=AllocationResultRead,
             summary="What-if: allocate from the request body alone, store nothing")
async def simulate(body: SimulateRequest) -> AllocationResultRead:
    return service.simulate(body.units, body.policy)


@router.put("/regions/{region_id}/years/{year}/units", response_model=StoredInputsRead,
            summary="Replace the region's unit inputs for a year")
async def put_units(region_id: uuid.UUID, year: Year, body: UnitsPut, session: SessionDep,
                    caller: CallerDep, request: Request) -> StoredInputsRead:
    """Each unit given by a records id must be a unit of this region (422 naming the row otherwise)."""
    return _stored(await service.put_inputs(session, region_id=region_id, year=year, caller=caller,
                                            units=body.units, records=request.app.state.records))


@router.put("/regions/{region_id}/years/{year}/policy", response_model=StoredInputsRead,
            summary="Replace the region's allocation policy for a year")
async def put_policy(region_id: uuid.UUID, year: Year, body: PolicyIn, session: SessionDep,
                     caller: CallerDep) -> StoredInputsRead:
    return _stored(await service.put_inputs(session, region_id=region_id, year=year, caller=caller,
                                            policy=body))


@router.get("/regions/{region_id}/years/{year}/inputs", response_model=StoredInputsRead,
            summary="The region's stored units and policy for a year",
            responses={409: {"description": "nothing is stored for this region and year"}})
async def get_inputs(region_id: uuid.UUID, year: Year, session: SessionDep, caller: CallerDep) -> StoredInputsRead:
    return _stored(await service.get_inputs_or_raise(session, region_id=region_id, year=year, caller=caller))


@router.post("/regions/{region_id}/years/{year}/allocations", response_model=RunRead, status_code=201,
             summary="Allocate from the stored inputs and keep the run",
             responses={409: {"description": "units or policy not stored, or a unit has no headcount"}})
async def create_run(region_id: uuid.UUID, year: Year, session: SessionDep, caller: CallerDep,
                     request: Request) -> RunRead:
    """Headcounts are the records roster's on 31 December of the year for every unit it knows;
    a unit it does not know keeps the headcount stored with it."""
    return await service.run(session, request.app.state.records, region_id=region_id, year=year, caller=caller)


@router.get("/regions/{region_id}/years/{year}/allocations", response_model=RunPage | RunChanges,
            summary="The region's runs for a year, newest first")
async def list_runs(region_id: uuid.UUID, year: Year, session: SessionDep, caller: CallerDep, page: PageDep,
                    updated_after: UpdatedAfter = None) -> RunPage | RunChanges:
    if updated_after is not None:
        return await service.runs_changed(session, page, region_id=region_id, year=year,
                                          updated_after=updated_after, caller=caller)
    return await service.list_runs(session, page, region_id=region_id, year=year, caller=caller)


@router.get("/allocations/{run_id}", response_model=RunRead, summary="One run with its inputs and trace")
async def read_run(run_id: uuid.UUID, session: SessionDep, caller: CallerDep) -> RunRead:
    return await service.read_run(session, run_id, caller=caller)


@router.get("/allocations/{run_id}/compare/{other_id}", response_model=ComparisonRead,
            summary="Unit-by-unit differences between two runs")
async def compare_runs(run_id: uuid.UUID, other_id: uuid.UUID, session: SessionDep,
                       caller: CallerDep) -> ComparisonRead:
    return await service.compare(session, run_id, other_id, caller=caller)


@router.post("/allocations/{run_id}/publish", response_model=PublicationRead, status_code=201,
             summary="Publish a run: one current publication per region and year, atomically",
             responses={409: {"description": "already published for this region and year (without supersedes), "
                                             "nothing to supersede, or the run has warnings not accepted"}})
async def publish_allocation(run_id: uuid.UUID, session: SessionDep, caller: CallerDep,
                  body: PublishRequest | None = None) -> PublicationRead:
    """A run with warnings needs ``{"accept_warnings": true, "reason": ...}``; correcting the
    region's published allocation needs ``{"supersedes": true, "reason": ...}``: the old one stays
    readable, marked superseded, and the answer lists every unit whose slots changed."""
    return await publications.publish(session, run_id=run_id, body=body, caller=caller)


@router.get("/regions/{region_id}/years/{year}/published", response_model=PublicationRead,
            summary="The current published slots per unit (what scoring grades against)")
async def read_published(region_id: uuid.UUID, year: Year, session: SessionDep,
                         caller: CallerDep) -> PublicationRead:
    """With the changes against the publication it superseded, if it corrected one."""
    return await publications.published(session, region_id=region_id, year=year, caller=caller)


@router.get("/regions/{region_id}/years/{year}/publications", response_model=PublicationList,
            summary="Every publication of the region and year, oldest first, superseded ones marked")
async def list_publications(region_id: uuid.UUID, year: Year, session: SessionDep,
                            caller: CallerDep, page: PageDep) -> PublicationList:
    return await publications.publications(session, region_id=region_id, year=year, caller=caller, page=page)


@router.get("/allocations/{run_id}/report.xlsx", response_class=Response, responses=XLSX_RESPONSES,
            summary="The run as an XLSX report: every unit's slots, the township/department comparison, a chart")
async def report_xlsx(run_id: uuid.UUID, session: SessionDep, caller: CallerDep, request: Request) -> Response:
    """Per unit: headcount, exact quota, floor, designated, tilt, remainder, total and ratio; the
    comparison of townships with departments (uplift reached or the shortfall, the pool); and a
    native Excel chart of every township's ratio before and after the tilt beside the departments'."""
    return await exports.report_xlsx(session, request.app.state.records, run_id, caller)

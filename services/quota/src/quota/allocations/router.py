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
from quota.config import QuotaSettings
from shared.change_feed import UpdatedAfter, listed_or_changed
from shared.db import ReadSessionDep, SessionDep
from shared.jobs import ACCEPTED, start_job
from shared.jobs.files import caller_params, start_export
from shared.pagination import PageDep
from shared.service_auth import CallerDep
from shared.xlsx import XLSX_RESPONSES

router = APIRouter(prefix="/api/v1/quota", tags=["allocations"])

Year = Annotated[int, Path(ge=2000, le=2100, description="evaluation year, e.g. 2025")]


def _settings(request: Request) -> QuotaSettings:
    settings: QuotaSettings = request.app.state.settings
    return settings


def _stored(record: object) -> StoredInputsRead:
    from quota.allocations.models import AllocationInputs

    assert isinstance(record, AllocationInputs)
    return StoredInputsRead(
        region_id=record.region_id, year=record.year, updated_at=record.updated_at,
        units=None if record.units is None else [StoredUnitIn.model_validate(u) for u in record.units],
        policy=None if record.policy is None else PolicyIn.model_validate(record.policy))


@router.post("/allocations/simulate", response_model=AllocationResultRead,
             summary="Simulate an allocation (what-if)", responses=ACCEPTED)
async def simulate(body: SimulateRequest, request: Request) -> AllocationResultRead | Response:
    """Allocate the excellent quota (优秀名额) from the request body alone and store nothing: try a policy on a
    region's units before storing it. Each unit's exact quota (headcount × the ratio of its target-performance
    grade) is floored, the fractions go to the region's pool, designated slots are given first, then townships are
    tilted up until their ratio is `township_uplift` above the comparison kinds', by points; the answer has every
    unit's slots and the trace of every step.

    Callers: province and region administrators; API keys with `apportion`. Errors: 422 `invalid_reference` naming
    the unit whose grade has no ratio in `ratio_by_grade`; 422 `allocation_invalid` naming the setting or unit that
    breaks a rule (a unit id twice, `pool_min` above `pool_max`, a kind both tilted and compared against, …). With
    `QUOTA_JOB_FROM_UNITS` units or more it runs as a job: this answer when done within a second, else 202 with the
    job's `Location`."""
    if len(body.units) >= _settings(request).job_from_units:
        return await start_job(request, "quota.simulate", params={"body": body.model_dump(mode="json")},
                               total=len(body.units))
    return service.simulate(body.units, body.policy)


@router.put("/regions/{region_id}/years/{year}/units", response_model=StoredInputsRead,
            summary="Store the region's units for a year")
async def put_units(region_id: uuid.UUID, year: Year, body: UnitsPut, session: SessionDep,
                    caller: CallerDep, request: Request) -> StoredInputsRead:
    """Replace the region's unit inputs for a year: each unit's kind, target-performance grade (目标绩效考核等次),
    points, conditions and red lines, commendation and evaluation group. Leave out `headcount` to take the year-end
    headcount from the records roster (the unit id must then be the records unit id). Each unit given by a records
    id must be a unit of this region.

    Callers: province and region administrators; API keys with `inputs:write`. Returns the stored inputs. Errors:
    404 `region_not_found`; 422 `allocation_invalid` naming the row of a unit of another region or a duplicate id."""
    return _stored(await service.put_inputs(session, region_id=region_id, year=year, caller=caller,
                                            units=body.units, records=request.app.state.records))


@router.put("/regions/{region_id}/years/{year}/policy", response_model=StoredInputsRead,
            summary="Store the region's allocation policy for a year")
async def put_policy(region_id: uuid.UUID, year: Year, body: PolicyIn, session: SessionDep,
                     caller: CallerDep) -> StoredInputsRead:
    """Replace the region's allocation policy for a year: excellent ratio per grade, unit cap, township uplift, pool
    bounds, designated slots, tilt method and honour points.

    Callers: province and region administrators. Returns the stored inputs. Errors: 404 `region_not_found`; 422
    `allocation_invalid` naming the setting that breaks a rule."""
    return _stored(await service.put_inputs(session, region_id=region_id, year=year, caller=caller,
                                            policy=body))


@router.get("/regions/{region_id}/years/{year}/inputs", response_model=StoredInputsRead,
            summary="Read the region's stored inputs",
            responses={409: {"description": "nothing is stored for this region and year"}})
async def get_inputs(region_id: uuid.UUID, year: Year, session: SessionDep, caller: CallerDep) -> StoredInputsRead:
    """The region's stored units and policy for a year (either may still be null).

    Callers: province and region administrators. Errors: 404 `region_not_found`; 409 `allocation_inputs_missing`
    when nothing is stored for the region and year."""
    return _stored(await service.get_inputs_or_raise(session, region_id=region_id, year=year, caller=caller))


@router.post("/regions/{region_id}/years/{year}/allocations", response_model=RunRead, status_code=201,
             summary="Allocate from the stored inputs",
             responses={409: {"description": "units or policy not stored, or a unit has no headcount"},
                        **ACCEPTED})
async def create_run(region_id: uuid.UUID, year: Year, session: SessionDep, caller: CallerDep,
                     request: Request) -> RunRead | Response:
    """Allocate from the stored units and policy and keep the run, with its inputs, result and trace, for comparison
    and publication. Headcounts are the records roster's on 31 December of the year for every unit it knows; a unit
    it does not know keeps the headcount stored with it.

    Callers: province and region administrators. Returns the run. Errors: 404 `region_not_found`; 409
    `allocation_inputs_missing` when units or policy are not stored or a unit has no headcount; 422
    `allocation_invalid`; 503 when records cannot be reached. A region of `QUOTA_JOB_FROM_UNITS` units or more is
    allocated by a job: this answer when done within a second, else 202 with the job's `Location` (the job's
    result is the run; an `Idempotency-Key` sent again finds the same job)."""
    stored = await service.get_inputs_or_raise(session, region_id=region_id, year=year, caller=caller)
    units = len(stored.units or [])
    if units >= _settings(request).job_from_units and stored.policy is not None:
        return await start_job(request, "quota.allocate", region_id=region_id, total=units,
                               params={"region_id": str(region_id), "year": year, **caller_params(caller)})
    return await service.run(session, request.app.state.records, region_id=region_id, year=year, caller=caller)


@router.get("/regions/{region_id}/years/{year}/allocations", response_model=RunPage | RunChanges,
            summary="List the region's runs for a year")
async def list_runs(region_id: uuid.UUID, year: Year, session: SessionDep, caller: CallerDep, page: PageDep,
                    updated_after: UpdatedAfter = None) -> RunPage | RunChanges:
    """The region's runs for a year, newest first, each with whether it is published; a page of the shared form
    (`limit`/`after`, `next`). With `updated_after`: the runs changed since that cursor, in change order, removed
    ones as tombstones.

    Callers: province and region administrators; API keys with `results:read`. Errors: 404 `region_not_found`."""
    return await listed_or_changed(updated_after, service.list_runs, service.runs_changed, session, page,
                                   region_id=region_id, year=year, caller=caller)


@router.get("/allocations/{run_id}", response_model=RunRead, summary="Read a run")
async def read_run(run_id: uuid.UUID, session: SessionDep, caller: CallerDep) -> RunRead:
    """One run with the inputs it used (where each headcount came from), every unit's slots and the trace of every
    step.

    Callers: province and region administrators; API keys with `results:read`. Errors: 404 `allocation_not_found`,
    also for a run of another region."""
    return await service.read_run(session, run_id, caller=caller)


@router.get("/allocations/{run_id}/compare/{other_id}", response_model=ComparisonRead,
            summary="Compare two runs")
async def compare_runs(run_id: uuid.UUID, other_id: uuid.UUID, session: SessionDep,
                       caller: CallerDep) -> ComparisonRead:
    """Unit-by-unit differences between two runs of the caller's regions: slots, headcount and ratio in each and what
    changed in the inputs, to explain a re-run before it is published.

    Callers: province and region administrators. Errors: 404 `allocation_not_found` for either run."""
    return await service.compare(session, run_id, other_id, caller=caller)


@router.post("/allocations/{run_id}/publish", response_model=PublicationRead, status_code=201,
             summary="Publish a run",
             responses={409: {"description": "already published for this region and year (without supersedes), "
                                             "nothing to supersede, or the run has warnings not accepted"}})
async def publish_allocation(run_id: uuid.UUID, session: SessionDep, caller: CallerDep,
                  body: PublishRequest | None = None) -> PublicationRead:
    """Publish a run as the region's allocation for its year (公示): one current publication per region and year,
    atomically. Scoring grades against the published slots. A run with warnings needs `{"accept_warnings": true,
    "reason": ...}`; correcting the region's published allocation needs `{"supersedes": true, "reason": ...}`: the
    old one stays readable, marked superseded, and the answer lists every unit whose slots changed.

    Callers: province and region administrators. Returns the publication. Errors: 404 `allocation_not_found`; 409
    `allocation_already_published` (without `supersedes`), `allocation_nothing_to_supersede`, or
    `allocation_has_warnings` when the warnings are not accepted."""
    return await publications.publish(session, run_id=run_id, body=body, caller=caller)


@router.get("/regions/{region_id}/years/{year}/published", response_model=PublicationRead,
            summary="Read the published allocation")
async def read_published(region_id: uuid.UUID, year: Year, session: SessionDep,
                         caller: CallerDep) -> PublicationRead:
    """The current published slots per unit for the region and year, what scoring grades against, with the changes
    against the publication it superseded, if it corrected one.

    Callers: province and region administrators; API keys with `results:read`. Errors: 404 `region_not_found`, or
    `allocation_not_published` when nothing is published for the year."""
    return await publications.published(session, region_id=region_id, year=year, caller=caller)


@router.get("/regions/{region_id}/years/{year}/publications", response_model=PublicationList,
            summary="List the publications of a year")
async def list_publications(region_id: uuid.UUID, year: Year, session: ReadSessionDep,
                            caller: CallerDep, page: PageDep) -> PublicationList:
    """Every publication of the region and year, oldest first, superseded ones marked, with who published, when and
    why; a page of the shared form (`limit`/`after`, `next`).

    Callers: province and region administrators; API keys with `results:read`. Errors: 404 `region_not_found`."""
    return await publications.publications(session, region_id=region_id, year=year, caller=caller, page=page)


@router.get("/allocations/{run_id}/report.xlsx", response_class=Response, responses={**XLSX_RESPONSES, **ACCEPTED},
            summary="Download a run as an XLSX report")
async def report_xlsx(run_id: uuid.UUID, session: ReadSessionDep, caller: CallerDep, request: Request) -> Response:
    """The run as an XLSX report. Per unit: headcount, exact quota, floor, designated, tilt, remainder, total and
    ratio; the comparison of townships with departments (uplift reached or the shortfall, the pool); and a native
    Excel chart of every township's ratio before and after the tilt beside the departments'.

    Callers: province and region administrators; API keys with `results:read`. Errors: 404 `allocation_not_found`.
    A run of `QUOTA_JOB_FROM_UNITS` units or more is written by a job: this download when done within a second,
    else 202 with the job's `Location`, whose `result_location` is the file once it is made."""
    run = await service.get_run_or_raise(session, run_id, caller=caller)
    if len(run.units) >= _settings(request).job_from_units:
        return await start_export(request, "quota.allocation_report", params={"run_id": str(run_id)}, caller=caller,
                                  region_id=run.region_id, total=len(run.units))
    file = await exports.report_file(session, request.app.state.records, run_id, caller, run=run)
    return file.response()

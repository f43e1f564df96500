"""Roster routes: the organisation tree and who was where, when."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from records import events, export_tables, scope
from records.attendance.importer import DryRunDep, SheetDep, SheetError, json_lines, ndjson_body, settled
from records.attendance.service import refused_file
from records.config import SettingsDep
from records.import_jobs import ROSTER, is_large, job_or_stream, start_import
from records.roster import importer as roster_importer
from records.roster import service
from records.roster.importer import RosterImportResult, read_sheet
from records.roster.names import NamesIn, NamesRead, names
from records.roster.schemas import (
    HeadcountsRead,
    MemberChanges,
    MemberPage,
    PersonCreate,
    PersonMoveIn,
    PersonRead,
    RegionCreate,
    RegionPage,
    RegionRead,
    RegionSettings,
    SectionCreate,
    SectionPage,
    SectionRead,
    SectionUpdate,
    UnitCreate,
    UnitPage,
    UnitRead,
    UnitUpdate,
)
from records.templates import template_xlsx
from records.todo import TodayDep
from shared.change_feed import UpdatedAfter, listed_or_changed
from shared.db import ReadSessionDep, SessionDep
from shared.errors import Unprocessable
from shared.jobs import ACCEPTED
from shared.pagination import PageDep
from shared.periods import PERIOD_PATTERN, Period, parse_period
from shared.service_auth import CallerDep
from shared.xlsx import XLSX_RESPONSES

router = APIRouter(prefix="/api/v1/records", tags=["roster"])


def period_query(period: Annotated[str, Query(description="a month 2025-03, a quarter 2025Q1, a half year 2025H1 "
                                                          "or a year 2025 (2000-2100)", examples=["2025Q2"],
                                                json_schema_extra={"pattern": PERIOD_PATTERN})]) -> Period:
    try:
        return parse_period(period)
    except ValueError as exc:
        raise Unprocessable(str(exc), code="invalid_period",
                            errors=[{"field": "query.period", "message": str(exc)}]) from exc


PeriodDep = Annotated[Period, Depends(period_query)]


@router.post("/regions", response_model=RegionRead, status_code=201, summary="Create a region")
async def create_region(body: RegionCreate, session: SessionDep, caller: CallerDep) -> RegionRead:
    """Create a region (a county or a city) of the organisation tree, optionally under a parent region.

    Callers: province administrators only. Returns the new region. Errors: 409 `duplicate` when the code is taken;
    422 `invalid_reference` when `parent_id` names no region."""
    return RegionRead.model_validate(await service.create_region(session, body, caller=caller))


@router.get("/regions", response_model=RegionPage, summary="All regions")
async def list_regions(session: SessionDep, caller: CallerDep, page: PageDep) -> RegionPage:
    """Every region the caller may see, by code: the whole province for a province administrator, their own region for
    a region administrator; a page of the shared form (`limit`/`after`, `next`).

    Callers: province and region administrators; API keys with `results:read`."""
    regions, last = await service.list_regions(session, page, caller=caller)
    return page.page(RegionPage, [RegionRead.model_validate(r) for r in regions], last)


@router.get("/regions/{region_id}", response_model=RegionRead, summary="One region")
async def read_region(region_id: uuid.UUID, session: SessionDep, caller: CallerDep) -> RegionRead:
    """One region with its settings.

    Callers: province and region administrators; API keys with `results:read`. Errors: 404 `region_not_found`, also
    for a region outside the caller's own."""
    return RegionRead.model_validate(await scope.valid_region(session, caller, region_id))


@router.put("/regions/{region_id}/settings", response_model=RegionRead,
            summary="Set the region's staff-number width")
async def region_settings(region_id: uuid.UUID, body: RegionSettings, session: SessionDep,
                          caller: CallerDep) -> RegionRead:
    """Set how many digits the region's staff numbers (工号) have. An imported staff number that a spreadsheet turned
    into a number (000123 → 123) is padded back to this width; null means such a number must match as written.

    Callers: province and region administrators. Returns the region. Errors: 404 `region_not_found`."""
    region = await scope.valid_region(session, caller, region_id)
    region.staff_no_width = body.staff_no_width
    await session.flush()
    return RegionRead.model_validate(region)


@router.get("/regions/{region_id}/headcounts", response_model=HeadcountsRead,
            summary="Headcount of every unit of a region")
async def region_headcounts(region_id: uuid.UUID, session: SessionDep, caller: CallerDep, settings: SettingsDep,
                            today: TodayDep,
                            year: Annotated[int | None, Query(ge=2000, le=2100, description=(
                                "count on the year's 31 December"))] = None,
                            on: Annotated[date | None, Query(description=(
                                "count on this day (today, in the region's time zone, when none of `period`, `on` "
                                "and `year` is given)"))] = None,
                            period: Annotated[str | None, Query(
                                description="2025 or 2025Q1: count those on each unit's roster for at least "
                                            "RECORDS_MIN_SHARE_OF_PERIOD of it, as the unit's summary does",
                                examples=["2025"],
                                json_schema_extra={"pattern": PERIOD_PATTERN})] = None) -> HeadcountsRead:
    """Every unit's headcount, one of three ways: the people in a period's scope (`period`: on the unit's roster for at
    least RECORDS_MIN_SHARE_OF_PERIOD of it, the rule the summary grades by), the people on the roster on a day
    (`on`; today when nothing is given), or at a year's end (`year`: its 31 December). When several are given,
    `period` comes first, then `on`. Quota reads the year-end headcount from here for the excellent quota (优秀名额).

    Callers: province and region administrators; API keys with `results:read`. Errors: 404 `region_not_found`; 422
    `invalid_period` for a bad period."""
    if period is not None:
        return await service.headcounts_in_scope(session, region_id=region_id, period=period_query(period),
                                                 min_share=settings.min_share_of_period, caller=caller)
    if on is None:
        on = today if year is None else date(year, 12, 31)
    return await service.headcounts(session, region_id=region_id, on=on, caller=caller)


@router.post("/units", response_model=UnitRead, status_code=201, summary="Create a unit")
async def create_unit(body: UnitCreate, session: SessionDep, caller: CallerDep) -> UnitRead:
    """Create a unit (a township 乡镇, street 街道, department 部门 or institution 事业单位) in a region. Units sharing
    an `evaluation_group` are graded and given quota together.

    Callers: province and region administrators. Returns the new unit. Errors: 409 `duplicate` when the code is
    taken in the region; 422 `invalid_reference` when the region does not exist."""
    return UnitRead.model_validate(await service.create_unit(session, body, caller=caller))


@router.get("/units", response_model=UnitPage, summary="List units")
async def list_units(session: ReadSessionDep, caller: CallerDep, page: PageDep,
                     region_id: uuid.UUID | None = None) -> UnitPage:
    """Units the caller may see, optionally of one region, ordered by code; a page of the shared form (`limit`/`after`,
    `next`).

    Callers: administrators and unit leaders; a unit administrator or leader sees only their own unit."""
    units, last = await service.list_units(session, page, region_id=region_id, caller=caller)
    return page.page(UnitPage, [UnitRead.model_validate(u) for u in units], last)


@router.get("/units/{unit_id}", response_model=UnitRead, summary="One unit")
async def read_unit(unit_id: uuid.UUID, session: SessionDep, caller: CallerDep) -> UnitRead:
    """One unit.

    Callers: administrators and unit leaders. Errors: 404 `unit_not_found`, also for a unit outside the caller's
    scope."""
    return UnitRead.model_validate(await scope.valid_unit(session, caller, unit_id))


@router.patch("/units/{unit_id}", response_model=UnitRead, summary="Rename, re-kind or regroup a unit")
async def update_unit(unit_id: uuid.UUID, body: UnitUpdate, session: SessionDep, caller: CallerDep) -> UnitRead:
    """Rename a unit, change its kind or move it into or out of an evaluation group. Fields left out keep their value;
    `evaluation_group: null` takes the unit out of its group.

    Callers: province and region administrators. Returns the unit. Errors: 404 `unit_not_found`; 422 when `name` or
    `kind` is sent as null."""
    return UnitRead.model_validate(await service.update_unit(session, unit_id, body, caller=caller))


@router.post("/units/{unit_id}/sections", response_model=SectionRead, status_code=201, summary="Add a section")
async def create_section(unit_id: uuid.UUID, body: SectionCreate, session: SessionDep,
                         caller: CallerDep) -> SectionRead:
    """Add a section (科室) to a unit, with its coefficient (科室系数) if the region's schemes score by section.

    Callers: administrators, a unit administrator for their own unit. Returns the section. Errors: 404
    `unit_not_found`; 409 `duplicate` when the unit already has a section of that name."""
    return SectionRead.model_validate(await service.create_section(session, unit_id, body, caller=caller))


@router.patch("/units/{unit_id}/sections/{section_id}", response_model=SectionRead,
              summary="Rename a section or change its coefficient")
async def update_section(unit_id: uuid.UUID, section_id: uuid.UUID, body: SectionUpdate, session: SessionDep,
                         caller: CallerDep) -> SectionRead:
    """Rename a section or change its coefficient (科室系数). Fields left out keep their value; `coefficient: null`
    leaves the section without one.

    Callers: administrators, a unit administrator for their own unit. Errors: 404 `unit_not_found` or
    `section_not_found`; 409 `duplicate` for a name the unit already has."""
    return SectionRead.model_validate(await service.update_section(session, unit_id, section_id, body,
                                                                   caller=caller))


@router.get("/units/{unit_id}/sections", response_model=SectionPage, summary="A unit's sections")
async def list_sections(unit_id: uuid.UUID, session: ReadSessionDep, caller: CallerDep, page: PageDep) -> SectionPage:
    """The sections of a unit with their coefficients, by name; a page of the shared form (`limit`/`after`, `next`).

    Callers: administrators and unit leaders. Errors: 404 `unit_not_found`."""
    sections, last = await service.list_sections(session, unit_id, page, caller=caller)
    return page.page(SectionPage, [SectionRead.model_validate(s) for s in sections], last)


@router.get("/units/{unit_id}/members", response_model=MemberPage | MemberChanges,
            summary="Roster of a unit in a period")
async def unit_members(unit_id: uuid.UUID, period: PeriodDep, session: SessionDep, caller: CallerDep, page: PageDep,
                       updated_after: UpdatedAfter = None) -> MemberPage | MemberChanges:
    """Everyone on the unit's roster at any time during a period, with their placement (section, staff category
    人员类别, post 岗位) and its dates, ordered by staff number; a page of the shared form (`limit`/`after`, `next`).
    With `updated_after`: the placements changed since that cursor, in change order, removed ones as tombstones.

    Callers: administrators and unit leaders. Errors: 404 `unit_not_found`; 422 `invalid_period`."""
    return await listed_or_changed(updated_after, service.members, service.member_changes, session, page,
                                   unit_id=unit_id, period=period, caller=caller)


@router.post("/regions/{region_id}/roster/import", response_model=RosterImportResult,
             summary="Import the roster from a sheet",
             responses={**ACCEPTED, 422: {"description": "bad rows, each listed; nothing written"}})
async def import_roster(region_id: uuid.UUID, file: Annotated[UploadFile, File()], session: SessionDep,
                        caller: CallerDep, request: Request, settings: SettingsDep, dry_run: DryRunDep = False,
                        sheet: SheetDep = None) -> RosterImportResult | Response:
    """Import the region's roster (花名册) from an .xlsx, .xls, .ods or CSV file with the columns 工号, 姓名, 单位编码,
    科室, 人员类别, 起始日期 and optionally 岗位. New staff numbers are added; a new unit, section or category from
    a later date is a transfer; rows that match change nothing, so the same sheet can be sent again. All or nothing.
    `dry_run=true` checks the file and writes nothing.

    Callers: province and region administrators. Returns what was added, moved and left unchanged. Errors: 404
    `region_not_found`; 413 for a file over the size limit; 422 `import_rejected` with every bad row (row, column,
    value, reason), nothing written. The region is checked before the file is read.

    A file of at least `RECORDS_IMPORT_JOB_BYTES` is imported by a worker: the same answer when done within a
    second, else `202 Accepted` with the job (`Location`) whose `result` is this answer once it has run."""
    await scope.valid_region(session, caller, region_id)
    if is_large(file.size, settings):
        return await start_import(request, ROSTER, await file.read(), caller, dry_run=dry_run,
                                  filename=file.filename or "", sheet=sheet, region_id=region_id)
    try:
        table, rows = await asyncio.to_thread(read_sheet, file.filename or "", file.file, sheet)
    except SheetError as exc:
        raise refused_file(exc) from exc
    result = await roster_importer.import_roster(session, rows, region_id=region_id, caller=caller, table=table)
    await imported(session, region_id, result)
    return await settled(session, result, table, dry_run=dry_run)


@router.post("/regions/{region_id}/roster/stream", response_model=RosterImportResult,
             summary="Import the roster as JSON lines", responses=ACCEPTED,
             openapi_extra=ndjson_body(
                 '{"staff_no": "XC0001", "name": "张伟", "unit": "XC", "section": "综合办", "category": "公务员", '
                 '"active_from": "2025-01-01", "post": "科员"}'))
async def stream_roster(region_id: uuid.UUID, request: Request, session: SessionDep,
                        caller: CallerDep, settings: SettingsDep,
                        dry_run: DryRunDep = False) -> RosterImportResult | Response:
    """The roster import for systems: one JSON object `{staff_no, name, unit, section, category, active_from, post}`
    per line (`application/x-ndjson`), streamed. Same rules and answers as the sheet import.

    Callers: province and region administrators; API keys with `inputs:write`. Errors: 404 `region_not_found`; 422
    `import_rejected` with every bad line, nothing written. A stream of at least
    `RECORDS_IMPORT_JOB_BYTES` (by its Content-Length, or as read when sent in chunks) is imported by a worker (see
    the sheet import)."""
    await scope.valid_region(session, caller, region_id)  # before the lines are read
    body = await job_or_stream(request, settings)
    if isinstance(body, bytes):
        return await start_import(request, ROSTER, body, caller, dry_run=dry_run, region_id=region_id)
    rows = [row async for row in json_lines(body)]
    result = await roster_importer.import_roster(session, rows, region_id=region_id, caller=caller)
    await imported(session, region_id, result)
    return await settled(session, result, None, dry_run=dry_run)


async def imported(session: AsyncSession, region_id: uuid.UUID, result: RosterImportResult) -> None:
    if result.added or result.moved:  # a dry run rolls the event back with the rows
        await events.roster_changed(session, region_id=region_id, change="imported",
                                    counts={"added": result.added, "moved": result.moved})


@router.get("/regions/{region_id}/roster/export", response_class=Response, responses=ACCEPTED,
            summary="Export the region's roster")
async def export_roster(region_id: uuid.UUID, session: ReadSessionDep, caller: CallerDep, settings: SettingsDep,
                        request: Request, on: date | None = None,
                        format: Literal["csv", "xlsx"] = "xlsx") -> Response:
    """The region's roster on a day (today in the region's time zone if `on` is left out) as CSV or XLSX, in the
    import's own columns, so it can be edited and imported again.

    Callers: province and region administrators. Errors: 404 `region_not_found`. A roster of
    `RECORDS_EXPORT_JOB_ROWS` people or more is written by a job: this download when done within a second, else
    202 with the job's `Location`, whose `result_location` is the file once it is made."""
    day = on or settings.today()
    return await export_tables.export(request, session, caller, "roster",
                                      {"region_id": str(region_id), "on": day.isoformat()}, fmt=format,
                                      region_id=region_id)


@router.post("/persons", response_model=PersonRead, status_code=201, summary="Add a person to a unit")
async def create_person(body: PersonCreate, session: SessionDep, caller: CallerDep) -> PersonRead:
    """Add a person to a unit's roster from a day: staff number (工号, unique in the region), name, section, staff
    category (领导班子 leadership, 中层 middle, 一般干部 staff, 非在编 non_staff) and post.

    Callers: administrators, a unit administrator for their own unit. Returns the person with their roster history.
    Errors: 409 `duplicate` when the staff number is taken; 422 `invalid_reference` when the unit or section does
    not exist or is outside the caller's scope (checked first), `validation_error` when `active_to` is before
    `active_from`."""
    return await service.create_person(session, body, caller=caller)


@router.post("/persons/names", response_model=NamesRead,
             summary="Names of people by id")
async def person_names(body: NamesIn, session: SessionDep, caller: CallerDep) -> NamesRead:
    """For a screen of rows naming people by id: each one's name, staff number, unit and section, for up to 1,000
    people in one call. People the caller may not see are left out, not refused.

    Callers: every signed-in role."""
    return await names(session, body, caller=caller)


@router.get("/persons/{person_id}", response_model=PersonRead, summary="A person with their roster history")
async def read_person(person_id: uuid.UUID, session: SessionDep, caller: CallerDep) -> PersonRead:
    """A person with their whole roster history (every placement, oldest first).

    Callers: every signed-in role; a member only themselves. Errors: 404 `person_not_found`, also for a person
    outside the caller's scope."""
    return await service.read_person(session, person_id, caller=caller)


@router.post("/persons/{person_id}/moves", response_model=PersonRead,
             summary="Transfer a person or record their leaving")
async def move_person(person_id: uuid.UUID, body: PersonMoveIn, session: SessionDep, caller: CallerDep) -> PersonRead:
    """A roster change from a day: a transfer to another unit, section or staff category (secondment 借调, promotion,
    new section), or leaving (`leave: true`). The current placement ends the day before.

    Callers: administrators, a unit administrator for their own unit. Returns the person with their history. Errors:
    404 `person_not_found`; 409 `roster_conflict` when the day is not after the current placement began or the
    person has left; 422 when a move names no unit."""
    return await service.move_person(session, person_id, body, caller=caller)


@router.get("/templates/{kind}.xlsx", response_class=Response, responses=XLSX_RESPONSES,
            summary="Download an import template")
async def import_template(kind: Literal["roster", "tasks", "attendance"]) -> Response:
    """An .xlsx template for the roster, task or attendance import: the importer's headers, one example row and the
    allowed values as drop-down lists. Replace the example row with real rows and upload the file to the matching
    import.

    Callers: administrators, unit administrators."""
    return template_xlsx(kind)

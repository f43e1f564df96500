"""Roster routes: the organisation tree and who was where, when."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from records import events, scope
from records.attendance.importer import DryRunDep, SheetDep, SheetError, json_lines, settled
from records.attendance.service import refused_file
from records.config import SettingsDep
from records.exporting import table_response
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
from shared.change_feed import UpdatedAfter
from shared.db import SessionDep
from shared.errors import Unprocessable
from shared.pagination import PageDep
from shared.periods import Period, parse_period
from shared.service_auth import CallerDep
from shared.xlsx import XLSX_RESPONSES

router = APIRouter(prefix="/api/v1/records", tags=["roster"])


def period_query(period: Annotated[str, Query(description="a month 2025-03, a quarter 2025Q1, a half year 2025H1 "
                                                          "or a year 2025", examples=["2025Q2"])]) -> Period:
    try:
        return parse_period(period)
    except ValueError as exc:
        raise Unprocessable(str(exc), code="invalid_period",
                            errors=[{"field": "query.period", "message": str(exc)}]) from exc


PeriodDep = Annotated[Period, Depends(period_query)]


@router.post("/regions", response_model=RegionRead, status_code=201, summary="Create a region")
async def create_region(body: RegionCreate, session: SessionDep, caller: CallerDep) -> RegionRead:
    return RegionRead.model_validate(await service.create_region(session, body, caller=caller))


@router.get("/regions", response_model=RegionPage, summary="All regions")
async def list_regions(session: SessionDep, caller: CallerDep, page: PageDep) -> RegionPage:
    regions, last = await service.list_regions(session, page, caller=caller)
    return page.page(RegionPage, [RegionRead.model_validate(r) for r in regions], last)


@router.get("/regions/{region_id}", response_model=RegionRead, summary="One region")
async def read_region(region_id: uuid.UUID, session: SessionDep, caller: CallerDep) -> RegionRead:
    return RegionRead.model_validate(await scope.valid_region(session, caller, region_id))


@router.put("/regions/{region_id}/settings", response_model=RegionRead,
            summary="The region's settings: the staff-number width imports pad numbers back to")
async def region_settings(region_id: uuid.UUID, body: RegionSettings, session: SessionDep,
                          caller: CallerDep) -> RegionRead:
    region = await scope.valid_region(session, caller, region_id)
    region.staff_no_width = body.staff_no_width
    await session.flush()
    return RegionRead.model_validate(region)


@router.get("/regions/{region_id}/headcounts", response_model=HeadcountsRead,
            summary="Every unit's headcount: the people in a period's scope (`period`, the rule the summary grades "
                    "by), or on a date (`on`; `year`: its 31 December)")
async def region_headcounts(region_id: uuid.UUID, session: SessionDep, caller: CallerDep, settings: SettingsDep,
                            year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
                            on: date | None = None,
                            period: Annotated[str | None, Query(
                                description="2025 or 2025Q1: count those on each unit's roster for at least "
                                            "RECORDS_MIN_SHARE_OF_PERIOD of it, as the unit's summary does",
                                examples=["2025"])] = None) -> HeadcountsRead:
    if period is not None:
        return await service.headcounts_in_scope(session, region_id=region_id, period=period_query(period),
                                                 min_share=settings.min_share_of_period, caller=caller)
    if on is None:
        if year is None:
            raise Unprocessable("give `year` (year-end headcount) or `on` (a date)", code="missing_date",
                                errors=[{"field": "query.year", "message": "year or on is required"}])
        on = date(year, 12, 31)
    return await service.headcounts(session, region_id=region_id, on=on, caller=caller)


@router.post("/units", response_model=UnitRead, status_code=201, summary="Create a unit")
async def create_unit(body: UnitCreate, session: SessionDep, caller: CallerDep) -> UnitRead:
    return UnitRead.model_validate(await service.create_unit(session, body, caller=caller))


@router.get("/units", response_model=UnitPage, summary="Units, optionally of one region")
async def list_units(session: SessionDep, caller: CallerDep, page: PageDep,
                     region_id: uuid.UUID | None = None) -> UnitPage:
    units, last = await service.list_units(session, page, region_id=region_id, caller=caller)
    return page.page(UnitPage, [UnitRead.model_validate(u) for u in units], last)


@router.get("/units/{unit_id}", response_model=UnitRead, summary="One unit")
async def read_unit(unit_id: uuid.UUID, session: SessionDep, caller: CallerDep) -> UnitRead:
    return UnitRead.model_validate(await scope.valid_unit(session, caller, unit_id))


@router.patch("/units/{unit_id}", response_model=UnitRead, summary="Rename, re-kind or regroup a unit")
async def update_unit(unit_id: uuid.UUID, body: UnitUpdate, session: SessionDep, caller: CallerDep) -> UnitRead:
    return UnitRead.model_validate(await service.update_unit(session, unit_id, body, caller=caller))


@router.post("/units/{unit_id}/sections", response_model=SectionRead, status_code=201, summary="Add a section")
async def create_section(unit_id: uuid.UUID, body: SectionCreate, session: SessionDep,
                         caller: CallerDep) -> SectionRead:
    return SectionRead.model_validate(await service.create_section(session, unit_id, body, caller=caller))


@router.patch("/units/{unit_id}/sections/{section_id}", response_model=SectionRead,
              summary="Rename a section or change its coefficient (科室系数)")
async def update_section(unit_id: uuid.UUID, section_id: uuid.UUID, body: SectionUpdate, session: SessionDep,
                         caller: CallerDep) -> SectionRead:
    return SectionRead.model_validate(await service.update_section(session, unit_id, section_id, body,
                                                                   caller=caller))


@router.get("/units/{unit_id}/sections", response_model=SectionPage, summary="A unit's sections")
async def list_sections(unit_id: uuid.UUID, session: SessionDep, caller: CallerDep, page: PageDep) -> SectionPage:
    sections, last = await service.list_sections(session, unit_id, page, caller=caller)
    return page.page(SectionPage, [SectionRead.model_validate(s) for s in sections], last)


@router.get("/units/{unit_id}/members", response_model=MemberPage | MemberChanges,
            summary="Everyone on the unit's roster during a period, with their placement")
async def unit_members(unit_id: uuid.UUID, period: PeriodDep, session: SessionDep, caller: CallerDep, page: PageDep,
                       updated_after: UpdatedAfter = None) -> MemberPage | MemberChanges:
    if updated_after is not None:
        return await service.member_changes(session, page, unit_id=unit_id, period=period,
                                            updated_after=updated_after, caller=caller)
    return await service.members(session, page, unit_id=unit_id, period=period, caller=caller)


@router.post("/regions/{region_id}/roster/import", response_model=RosterImportResult,
             summary="Import the roster: 工号, 姓名, 单位编码, 科室, 人员类别, 起始日期 (, 岗位)"
                     " (.xlsx, .xls, .ods or CSV)",
             responses={422: {"description": "bad rows, each listed; nothing written"}})
async def import_roster(region_id: uuid.UUID, file: Annotated[UploadFile, File()], session: SessionDep,
                        caller: CallerDep, dry_run: DryRunDep = False, sheet: SheetDep = None) -> RosterImportResult:
    """New staff numbers are added; a new unit, section or category from a later date is a
    transfer; rows that match change nothing, so the same sheet can be sent again."""
    try:
        table, rows = await asyncio.to_thread(read_sheet, file.filename or "", file.file, sheet)
    except SheetError as exc:
        raise refused_file(exc) from exc
    result = await roster_importer.import_roster(session, rows, region_id=region_id, caller=caller, table=table)
    await _imported(session, region_id, result)
    return await settled(session, result, table, dry_run=dry_run)


@router.post("/regions/{region_id}/roster/stream", response_model=RosterImportResult,
             summary="The same import as JSON lines for systems: one {staff_no, name, unit, section, category, "
                     "active_from, post} per line",
             openapi_extra={"requestBody": {"content": {"application/x-ndjson": {"schema": {"type": "string"}}}}})
async def stream_roster(region_id: uuid.UUID, request: Request, session: SessionDep,
                        caller: CallerDep, dry_run: DryRunDep = False) -> RosterImportResult:
    rows = [row async for row in json_lines(request.stream())]
    result = await roster_importer.import_roster(session, rows, region_id=region_id, caller=caller)
    await _imported(session, region_id, result)
    return await settled(session, result, None, dry_run=dry_run)


async def _imported(session: AsyncSession, region_id: uuid.UUID, result: RosterImportResult) -> None:
    if result.added or result.moved:  # a dry run rolls the event back with the rows
        await events.roster_changed(session, region_id=region_id, change="imported",
                                    counts={"added": result.added, "moved": result.moved})


@router.get("/regions/{region_id}/roster/export", response_class=Response,
            summary="The region's roster on a date, CSV or XLSX in the import's own columns")
async def export_roster(region_id: uuid.UUID, session: SessionDep, caller: CallerDep, settings: SettingsDep,
                        on: date | None = None, format: Literal["csv", "xlsx"] = "xlsx") -> Response:
    day = on or settings.today()
    rows = await service.roster_on(session, region_id=region_id, on=day, caller=caller)
    return table_response(["工号", "姓名", "单位编码", "单位名称", "科室", "人员类别", "起始日期", "岗位"], rows,
                          fmt=format, filename=f"roster-{region_id}-{day.isoformat()}", sheet="花名册",
                          widths=(14, 10, 10, 24, 14, 10, 12, 14), about={"region_id": region_id, "on": day})


@router.post("/persons", response_model=PersonRead, status_code=201, summary="Add a person to a unit")
async def create_person(body: PersonCreate, session: SessionDep, caller: CallerDep) -> PersonRead:
    return await service.create_person(session, body, caller=caller)


@router.post("/persons/names", response_model=NamesRead,
             summary="For a page of rows naming people by id: each one's name, staff number, unit and section "
                     "(those the caller may see)")
async def person_names(body: NamesIn, session: SessionDep, caller: CallerDep) -> NamesRead:
    """One call for up to 1,000 people: a screen of rows never asks once a row."""
    return await names(session, body, caller=caller)


@router.get("/persons/{person_id}", response_model=PersonRead, summary="A person with their roster history")
async def read_person(person_id: uuid.UUID, session: SessionDep, caller: CallerDep) -> PersonRead:
    return await service.read_person(session, person_id, caller=caller)


@router.post("/persons/{person_id}/moves", response_model=PersonRead,
             summary="Transfer (secondment, promotion, new section) or leave, from a date")
async def move_person(person_id: uuid.UUID, body: PersonMoveIn, session: SessionDep, caller: CallerDep) -> PersonRead:
    return await service.move_person(session, person_id, body, caller=caller)


@router.get("/templates/{kind}.xlsx", response_class=Response, responses=XLSX_RESPONSES,
            summary="An import template (roster, tasks or attendance): the importer's headers and one example row")
async def import_template(kind: Literal["roster", "tasks", "attendance"]) -> Response:
    """Replace the example row with real rows and upload the file to the matching import."""
    return template_xlsx(kind)

"""Attendance routes: file and stream imports (all-or-nothing), bulk rows, listing, export."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Literal

from fastapi import APIRouter, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from records import examples as ex
from records import export_tables
from records.attendance import history, service
from records.attendance.importer import (
    STATUS_WORDS,
    DryRunDep,
    RawRow,
    SheetDep,
    SheetError,
    json_lines,
    ndjson_body,
    read_rows,
    settled,
    sheet_body,
    sheet_file,
)
from records.attendance.service import ImportResult
from records.config import SettingsDep
from records.import_jobs import ATTENDANCE, is_large, job_or_stream, start_import
from records.roster.router import PeriodDep
from shared.db import ReadSessionDep, SessionDep
from shared.jobs import ACCEPTED
from shared.labels import label_of
from shared.pagination import Page, PageDep
from shared.service_auth import CallerDep

router = APIRouter(prefix="/api/v1/records/attendance", tags=["attendance"])

REJECTED: dict[int | str, dict[str, Any]] = {
    422: {"description": "bad rows, each listed in `errors` (row, column, value, reason), a day after today "
                         "among them; nothing written. Code `invalid_reference` when every bad row only names a "
                         "staff number of nobody the caller manages, else `import_rejected`"}}


ATTENDANCE_SHEET = "attendance-sheet"
ATTENDANCE_SHEET_TEXT = ("the sheet (format `attendance-sheet`): .xlsx, .xls, .ods, CSV or tab-separated text "
                         "with the columns 工号, 日期 (a day up to today), 状态 and optionally 姓名, 备注; "
                         "at least one row, each person and day once")


# the words a status may be written in (codes or their Chinese): a pattern, not an enum of codes to label
STATUS_PATTERN = "^(" + "|".join(re.escape(word) for word in STATUS_WORDS) + ")$"


class AttendanceRowIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    staff_no: str = Field(min_length=1, max_length=32)
    day: date
    status: str = Field(description="present, business_trip, sick_leave, … or 出勤, 出差, 病假, …",
                        json_schema_extra={"pattern": STATUS_PATTERN})
    note: str | None = Field(default=None, max_length=200)


class AttendanceBulkIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=ex.of(ex.ATTENDANCE_BULK))
    rows: list[AttendanceRowIn] = Field(min_length=1, max_length=50_000)
    reason: str | None = Field(default=None, max_length=500,
                               description="why recorded days are changed: required when the call changes one")


class AttendanceRead(BaseModel):
    person_id: uuid.UUID
    staff_no: str
    name: str
    unit_id: uuid.UUID
    day: date
    status: str
    status_label: ClassVar[Any] = label_of("attendance_status", "status")
    note: str | None


class AttendancePage(Page[AttendanceRead]):
    """Attendance days, by staff number and day."""

    model_config = ConfigDict(json_schema_extra=ex.of(ex.page(ex.ATTENDANCE)))
    total: int


class AttendanceChangeRead(BaseModel):
    id: int
    person_id: uuid.UUID
    staff_no: str
    name: str
    unit_id: uuid.UUID
    day: date
    old_status: str
    new_status: str
    old_note: str | None
    new_note: str | None
    reason: str | None
    source: str = Field(description="correction (a PUT, with its reason) or import (a sheet or stream)")
    changed_by: str
    changed_at: datetime


class AttendanceChangePage(Page[AttendanceChangeRead]):
    """Changes of attendance days, newest first."""

    model_config = ConfigDict(json_schema_extra=ex.of(ex.page(ex.ATTENDANCE_CHANGE)))
    total: int


@router.post("/import", response_model=ImportResult, responses={**REJECTED, **ACCEPTED},
             summary="Import attendance from a sheet", openapi_extra=sheet_body())
async def import_file(file: Annotated[UploadFile, sheet_file(ATTENDANCE_SHEET, ATTENDANCE_SHEET_TEXT)],
                      session: SessionDep,
                      caller: CallerDep, settings: SettingsDep, request: Request, dry_run: DryRunDep = False,
                      sheet: SheetDep = None) -> ImportResult | Response:
    """Import attendance (考勤) from an .xlsx, .xls, .ods, CSV or tab-separated text file in UTF-8, GBK or UTF-16, with
    the columns 工号, 日期, 状态 and optionally 姓名, 备注. A status may be written in Chinese (出勤, 出差, 病假,
    事假, 年休假, 产假, 学习, 旷工, 休息 and common synonyms) or as its code.

    All or nothing: any bad row rejects the file with every bad row listed. Sending the same file again changes
    nothing (rows are upserted on person and day). The header is looked for in the first rows; blank rows and
    sign-off lines are skipped and listed in `layout`. `dry_run=true` checks the file and writes nothing.

    Callers: administrators, a unit administrator for their own unit's people. Errors: 413 for a file over the size
    limit; 422 `import_rejected` with every bad row (row, column, value, reason; a day after today among them),
    nothing written. A file of at least `RECORDS_IMPORT_JOB_BYTES` is imported by a worker: the same answer when
    done within a second, else `202 Accepted` with the job (`Location`) whose `result` is this answer once it has
    run."""
    if is_large(file.size, settings):
        return await start_import(request, ATTENDANCE, await file.read(), caller, dry_run=dry_run,
                                  filename=file.filename or "", sheet=sheet)
    try:
        # A workbook is parsed whole when opened: off the event loop, like the reading of its rows.
        table, rows = await asyncio.to_thread(read_rows, file.file, filename=file.filename or "", sheet=sheet)
        result = await service.load_sync_rows(session, rows, caller=caller, today=settings.today(), table=table)
    except SheetError as exc:
        raise service.refused_file(exc) from exc
    return await settled(session, result, table, dry_run=dry_run)


@router.post("/stream", response_model=ImportResult, responses={**REJECTED, **ACCEPTED},
             summary="Import attendance as JSON lines",
             openapi_extra=ndjson_body(
                 '{"staff_no": "XC0001", "day": "2025-04-07", "status": "present"}',
                 '{"staff_no": "XC0002", "day": "2025-04-07", "status": "leave", "note": "年休假"}'))
async def import_stream(request: Request, session: SessionDep, caller: CallerDep,
                        settings: SettingsDep, dry_run: DryRunDep = False) -> ImportResult | Response:
    """The attendance import for systems: one JSON object `{staff_no, day, status, note}` per line
    (`application/x-ndjson`), streamed. Same rules and answers as the sheet import.

    Callers: administrators, a unit administrator for their own unit's people. Errors: 422 `import_rejected` with
    every bad line, nothing written. A stream of at least `RECORDS_IMPORT_JOB_BYTES` (by its Content-Length,
    or as read when sent in chunks) is imported by a worker (see the sheet import)."""
    body = await job_or_stream(request, settings)
    if isinstance(body, bytes):
        return await start_import(request, ATTENDANCE, body, caller, dry_run=dry_run)
    result = await service.load_async_rows(session, json_lines(body), caller=caller, today=settings.today())
    return await settled(session, result, None, dry_run=dry_run)


@router.put("", response_model=ImportResult, responses=REJECTED, summary="Record or correct attendance days")
async def put_rows(body: AttendanceBulkIn, session: SessionDep, caller: CallerDep,
                   settings: SettingsDep) -> ImportResult:
    """Record one day or many (up to 50,000 rows) in one call. A day already recorded with another status or note is
    corrected: the call must say why (`reason`), and the old and new values are kept in the day's history (`GET
    /api/v1/records/attendance/changes`).

    Callers: administrators, a unit administrator for their own unit's people. Returns the counts written. Errors:
    422 `import_rejected` with every bad row (a day after today, or off the person's roster), `invalid_reference`
    (with the rows) when every bad row only names a staff number of nobody the caller manages, or
    `reason_required` when a recorded day changes without a reason; nothing written."""
    rows = (RawRow(i + 1, r.model_dump(mode="json")) for i, r in enumerate(body.rows))
    return await service.load_sync_rows(session, iter(list(rows)), caller=caller, today=settings.today(),
                                        source="correction", reason=(body.reason or "").strip() or None)


@router.get("", response_model=AttendancePage, summary="List attendance of a unit or a person")
async def list_attendance(period: PeriodDep, session: ReadSessionDep, caller: CallerDep,
                          page: PageDep, unit_id: uuid.UUID | None = None,
                          person_id: uuid.UUID | None = None) -> AttendancePage:
    """The recorded days of a unit's people (`unit_id`) or of one person (`person_id`) in a period, by staff number
    and day; a page of the shared form (`limit`/`after`, `next`). Give one of `unit_id` and `person_id`.

    Callers: every signed-in role; a member sees only their own days. Errors: 404 for a unit or person outside the
    caller's scope; 422 `invalid_reference` when neither `unit_id` nor `person_id` is given, `invalid_period`."""
    rows, total, last = await service.list_attendance(session, page, caller=caller, unit_id=unit_id,
                                                      person_id=person_id, period=period)
    return page.page(AttendancePage, [AttendanceRead(person_id=p.id, staff_no=p.staff_no, name=p.name,
                                                     unit_id=a.unit_id, day=a.day, status=a.status, note=a.note)
                                      for a, p in rows], last, total=total)


@router.get("/changes", response_model=AttendanceChangePage,
            summary="List corrections of attendance")
async def list_attendance_changes(period: PeriodDep, session: SessionDep, caller: CallerDep,
                       page: PageDep, unit_id: uuid.UUID | None = None,
                       person_id: uuid.UUID | None = None) -> AttendanceChangePage:
    """Each change of a recorded day's status or note in a period, newest first — by a correction (with its reason) or
    an import — with the old and new values, who and when; a page of the shared form (`limit`/`after`, `next`). A
    day's first recording is not a change. Give one of `unit_id` and `person_id`.

    Callers: every signed-in role; a member sees only their own days. Errors: 404 for a unit or person outside the
    caller's scope; 422 `invalid_reference` when neither is given, `invalid_period`."""
    rows, total, last = await history.list_changes(session, page, caller=caller, unit_id=unit_id,
                                                   person_id=person_id, period=period)
    return page.page(AttendanceChangePage, [AttendanceChangeRead(
        id=c.id, person_id=p.id, staff_no=p.staff_no, name=p.name, unit_id=c.unit_id, day=c.day,
        old_status=c.old_status, new_status=c.new_status, old_note=c.old_note, new_note=c.new_note, reason=c.reason,
        source=c.source, changed_by=c.changed_by, changed_at=c.changed_at) for c, p in rows], last, total=total)


@router.get("/export", summary="Export a unit's attendance",
            response_class=Response, responses=ACCEPTED)
async def export(unit_id: uuid.UUID, period: PeriodDep, session: ReadSessionDep, caller: CallerDep, request: Request,
                 format: Literal["csv", "xlsx"] = "xlsx") -> Response:
    """A unit's attendance in a period as CSV or XLSX with Chinese headers (工号, 姓名, 日期, 状态, 备注), for filing
    or for a payroll system.

    Callers: administrators and unit leaders. Errors: 404 `unit_not_found`; 422 `invalid_period`. An export of
    `RECORDS_EXPORT_JOB_ROWS` rows or more is written by a job: this download when done within a second, else 202
    with the job's `Location`."""
    return await export_tables.export(request, session, caller, "attendance",
                                      {"unit_id": str(unit_id), "period": period.code}, fmt=format, unit_id=unit_id)

"""Key work tasks (重点工作任务) and supervision items (督办)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Request, UploadFile
from fastapi.responses import Response
from pydantic import ConfigDict

from records import examples as ex
from records import export_tables
from records.attendance.importer import (
    DryRunDep,
    SheetDep,
    SheetError,
    json_lines,
    ndjson_body,
    settled,
    sheet_body,
    sheet_file,
)
from records.attendance.service import refused_file
from records.config import SettingsDep
from records.import_jobs import TASKS, is_large, job_or_stream, start_import
from records.roster.router import PeriodDep
from records.tasks import importer as task_importer
from records.tasks import service
from records.tasks.importer import TaskImportResult, read_sheet
from records.tasks.service import ConfirmIn, ProgressIn, TaskCorrection, TaskCreate, TaskRead
from shared.db import SessionDep
from shared.jobs import ACCEPTED
from shared.pagination import Page, PageDep
from shared.service_auth import CallerDep

router = APIRouter(prefix="/api/v1/records/tasks", tags=["tasks"])

TASK_SHEET = "task-sheet"
TASK_SHEET_TEXT = ("the sheet (format `task-sheet`): .xlsx, .xls, .ods or CSV with the columns 工号, "
                   "任务名称 (1 to 200 characters), 强度, 难度, 数量 (each above 0, at most 1000), 完成时限 (a date) "
                   "and optionally 督办; at least one row, each person, task name and date once")


class TaskPage(Page[TaskRead]):
    """Tasks, by due date."""

    model_config = ConfigDict(json_schema_extra=ex.of(ex.page(ex.TASK)))
    total: int


@router.post("", response_model=TaskRead, status_code=201, summary="Assign a task to a person")
async def create_task(body: TaskCreate, session: SessionDep, caller: CallerDep) -> TaskRead:
    """Assign a key work task (重点工作任务) to a person, the lead (牵头), with its weights — intensity (强度),
    difficulty (难度) and quantity (数量), e.g. 1.0 normal, 1.5 heavy — its due day (完成时限), whether it is a
    supervision item (督办), and co-owners (协办) with their shares. The task's load (quantity × intensity ×
    difficulty) and completion are credited to each by share.

    Callers: administrators, a unit administrator for their own unit's people. Returns the task. Errors: 403 when
    the caller does not administer the person's unit; 404 `person_not_found`; 422 `invalid_reference` when the
    shares do not add up to 1, a co-owner is not of the unit, or the task is due after the person leaves."""
    return await service.create(session, body, caller=caller)


@router.post("/import", response_model=TaskImportResult,
             summary="Import tasks from a sheet", openapi_extra=sheet_body(),
             responses={**ACCEPTED, 422: {"description": "bad rows, each listed; nothing written"}})
async def import_tasks(file: Annotated[UploadFile, sheet_file(TASK_SHEET, TASK_SHEET_TEXT)], session: SessionDep,
                       caller: CallerDep, request: Request, settings: SettingsDep, dry_run: DryRunDep = False,
                       sheet: SheetDep = None) -> TaskImportResult | Response:
    """Import tasks from an .xlsx, .xls, .ods or CSV file with the columns 工号, 任务名称, 强度, 难度, 数量, 完成时限
    and optionally 督办. All or nothing; `dry_run=true` checks the file and writes nothing.

    Callers: administrators, a unit administrator for their own unit's people. Returns the tasks added. Errors: 413
    for a file over the size limit; 422 `import_rejected` with every bad row (row, column, value, reason), nothing
    written. A file of at least `RECORDS_IMPORT_JOB_BYTES` is imported by a worker: the same answer when done
    within a second, else `202 Accepted` with the job (`Location`) whose `result` is this answer once it has run."""
    if is_large(file.size, settings):
        return await start_import(request, TASKS, await file.read(), caller, dry_run=dry_run,
                                  filename=file.filename or "", sheet=sheet)
    try:
        table, rows = await asyncio.to_thread(read_sheet, file.filename or "", file.file, sheet)
    except SheetError as exc:
        raise refused_file(exc) from exc
    result = await task_importer.import_tasks(session, rows, caller=caller, table=table)
    return await settled(session, result, table, dry_run=dry_run)


@router.post("/stream", response_model=TaskImportResult,
             summary="Import tasks as JSON lines", responses=ACCEPTED,
             openapi_extra=ndjson_body(
                 '{"staff_no": "XC0001", "title": "乡村振兴项目督查", "intensity": 3, "difficulty": 2, "quantity": 1, '
                 '"due_on": "2025-06-30"}'))
async def stream_tasks(request: Request, session: SessionDep, caller: CallerDep, settings: SettingsDep,
                       dry_run: DryRunDep = False) -> TaskImportResult | Response:
    """The task import for systems: one JSON object `{staff_no, title, intensity, difficulty, quantity, due_on,
    supervised}` per line (`application/x-ndjson`). Same rules and answers as the sheet import.

    Callers: administrators, a unit administrator for their own unit's people. Errors: 422 `import_rejected` with
    every bad line, nothing written. A stream of at least `RECORDS_IMPORT_JOB_BYTES` (by its Content-Length,
    or as read when sent in chunks) is imported by a worker (see the sheet import)."""
    body = await job_or_stream(request, settings)
    if isinstance(body, bytes):
        return await start_import(request, TASKS, body, caller, dry_run=dry_run)
    rows = [row async for row in json_lines(body)]
    return await settled(session, await task_importer.import_tasks(session, rows, caller=caller), None,
                         dry_run=dry_run)


@router.get("/export", summary="Export a unit's tasks",
            response_class=Response, responses=ACCEPTED)
async def export_tasks(unit_id: uuid.UUID, period: PeriodDep, session: SessionDep, caller: CallerDep,
                       request: Request, format: Literal["csv", "xlsx"] = "xlsx") -> Response:
    """A unit's tasks due in a period as CSV or XLSX with Chinese headers (工号, 任务名称, 强度, 难度, 数量, 完成时限,
    督办, 进度, 状态).

    Callers: administrators and unit leaders. Errors: 404 `unit_not_found`; 422 `invalid_period`. An export of
    `RECORDS_EXPORT_JOB_ROWS` rows or more is written by a job: this download when done within a second, else 202
    with the job's `Location`."""
    return await export_tables.export(request, session, caller, "tasks",
                                      {"unit_id": str(unit_id), "period": period.code}, fmt=format, unit_id=unit_id)


@router.get("", response_model=TaskPage, summary="List tasks")
async def list_tasks(period: PeriodDep, session: SessionDep, caller: CallerDep, unit_id: uuid.UUID | None = None,
                     person_id: uuid.UUID | None = None, *, page: PageDep) -> TaskPage:
    """The tasks due in a period of a unit's people (`unit_id`) or of one person (`person_id`), with their progress,
    by due date; a page of the shared form (`limit`/`after`, `next`). Give one of `unit_id` and `person_id`.

    Callers: every signed-in role; a member sees their own tasks and those they co-own. Errors: 404 for a unit or
    person outside the caller's scope; 422 `invalid_reference` when neither is given, `invalid_period`."""
    items, total, last = await service.list_tasks(session, page, caller=caller, unit_id=unit_id, person_id=person_id,
                                                  period=period)
    return page.page(TaskPage, items, last, total=total)


@router.get("/{task_id}", response_model=TaskRead, summary="Read a task")
async def read_task(task_id: uuid.UUID, session: SessionDep, caller: CallerDep) -> TaskRead:
    """A task with its co-owners, progress and its progress and rectification trail (整改), oldest first.

    Callers: every signed-in role; a member only a task they lead or co-own. Errors: 404 `task_not_found`."""
    return await service.read_task(session, task_id, caller=caller)


@router.patch("/{task_id}", response_model=TaskRead, summary="Correct a task",
              responses={403: {"description": "not an administrator of the task's unit"},
                         422: {"description": "a value changes without a reason (body.reason), or the task would be "
                                             "due after the person leaves (body.due_on); nothing written"}})
async def correct(task_id: uuid.UUID, body: TaskCorrection, session: SessionDep, caller: CallerDep) -> TaskRead:
    """Correct what was mistyped when the task was assigned: title, weights, due day or supervision; fields left out
    keep their value. The old and new values, who, when and why are kept in the task's history (`GET
    /api/v1/records/changes/task/{task_id}`).

    Callers: administrators, a unit administrator for their own unit's tasks. Errors: 403 when the caller does not
    administer the task's unit; 404 `task_not_found`; 422 `reason_required` when a value changes without a reason,
    `invalid_reference` when the task would be due after the person leaves; nothing written."""
    return await service.correct(session, task_id, body, caller=caller)


@router.post("/{task_id}/progress", response_model=TaskRead, summary="Report progress on a task")
async def report_progress(task_id: uuid.UUID, body: ProgressIn, session: SessionDep, caller: CallerDep,
                          settings: SettingsDep) -> TaskRead:
    """Report progress (0-100) with a note, or, for a supervision item (督办), a rectification step (整改). A person's
    100 leaves the task awaiting confirmation by a leader or administrator; an administrator may also set the status
    outright (open, done, cancelled).

    Callers: the person (lead or co-owner) and the unit's administrators. Returns the task. Errors: 403 for someone
    else's task or a step that is the administrator's; 404 `task_not_found`; 409 `task_closed` when the task is done
    or cancelled; 422 `invalid_reference` for a rectification step on a task that is not supervised."""
    return await service.report_progress(session, task_id, body, caller=caller, today=settings.today())


@router.post("/{task_id}/confirm", response_model=TaskRead,
             summary="Confirm a task complete")
async def confirm(task_id: uuid.UUID, body: ConfirmIn, session: SessionDep, caller: CallerDep,
                  settings: SettingsDep) -> TaskRead:
    """Confirm a task complete from a day (today if left out). Progress is the person's to report; their 100 leaves the
    task awaiting confirmation until a leader or administrator of the task's unit confirms it here.

    Callers: administrators and the unit's leaders. Returns the task. Errors: 403 when the caller is not a leader or
    administrator of the task's unit; 404 `task_not_found`; 409 `task_closed` when it is done or cancelled already;
    422 `invalid_reference` for a day after today."""
    return await service.confirm(session, task_id, body, caller=caller, today=settings.today())

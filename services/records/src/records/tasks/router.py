"""Key work tasks (重点工作任务) and supervision items (督办)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy import select

from records.attendance.importer import DryRunDep, SheetDep, SheetError, json_lines, settled
from records.attendance.service import refused_file
from records.config import SettingsDep
from records.exporting import table_response
from records.roster.models import Person
from records.roster.router import PeriodDep
from records.tasks import importer as task_importer
from records.tasks import service
from records.tasks.importer import TaskImportResult, read_sheet
from records.tasks.service import ConfirmIn, ProgressIn, TaskCorrection, TaskCreate, TaskRead
from shared.db import SessionDep
from shared.pagination import ALL, Page, PageDep
from shared.service_auth import CallerDep

router = APIRouter(prefix="/api/v1/records/tasks", tags=["tasks"])


class TaskPage(Page[TaskRead]):
    """Tasks, by due date."""

    total: int


@router.post("", response_model=TaskRead, status_code=201, summary="Assign a task to a person")
async def create_task(body: TaskCreate, session: SessionDep, caller: CallerDep) -> TaskRead:
    return await service.create(session, body, caller=caller)


@router.post("/import", response_model=TaskImportResult,
             summary="Import the task sheet: 工号, 任务名称, 强度, 难度, 数量, 完成时限 (, 督办)"
                     " (.xlsx, .xls, .ods or CSV)",
             responses={422: {"description": "bad rows, each listed; nothing written"}})
async def import_tasks(file: Annotated[UploadFile, File()], session: SessionDep, caller: CallerDep,
                       dry_run: DryRunDep = False, sheet: SheetDep = None) -> TaskImportResult:
    try:
        table, rows = await asyncio.to_thread(read_sheet, file.filename or "", file.file, sheet)
    except SheetError as exc:
        raise refused_file(exc) from exc
    result = await task_importer.import_tasks(session, rows, caller=caller, table=table)
    return await settled(session, result, table, dry_run=dry_run)


@router.post("/stream", response_model=TaskImportResult,
             summary="The task import as JSON lines: one {staff_no, title, intensity, difficulty, quantity, due_on, "
                     "supervised} per line",
             openapi_extra={"requestBody": {"content": {"application/x-ndjson": {"schema": {"type": "string"}}}}})
async def stream_tasks(request: Request, session: SessionDep, caller: CallerDep,
                       dry_run: DryRunDep = False) -> TaskImportResult:
    rows = [row async for row in json_lines(request.stream())]
    return await settled(session, await task_importer.import_tasks(session, rows, caller=caller), None,
                         dry_run=dry_run)


@router.get("/export", summary="A unit's tasks due in a period, CSV or XLSX with Chinese headers",
            response_class=Response)
async def export_tasks(unit_id: uuid.UUID, period: PeriodDep, session: SessionDep, caller: CallerDep,
                       format: Literal["csv", "xlsx"] = "xlsx") -> Response:
    items, _, _ = await service.list_tasks(session, ALL, caller=caller, unit_id=unit_id, person_id=None,
                                           period=period)
    staff = dict((await session.execute(select(Person.id, Person.staff_no)
                                         .where(Person.id.in_({t.person_id for t in items})))).all())
    rows = [[staff[t.person_id], t.title, t.intensity, t.difficulty, t.quantity, t.due_on.isoformat(),
             "是" if t.supervised else "", t.progress, t.status] for t in items]
    return table_response(["工号", "任务名称", "强度", "难度", "数量", "完成时限", "督办", "进度", "状态"], rows,
                          fmt=format, filename=f"tasks-{unit_id}-{period.code}", sheet="重点工作任务",
                          widths=(14, 30, 8, 8, 8, 12, 6, 8, 10), about={"unit_id": unit_id, "period": period.code})


@router.get("", response_model=TaskPage, summary="Tasks due in a period, of a unit or a person")
async def list_tasks(period: PeriodDep, session: SessionDep, caller: CallerDep, unit_id: uuid.UUID | None = None,
                     person_id: uuid.UUID | None = None, *, page: PageDep) -> TaskPage:
    items, total, last = await service.list_tasks(session, page, caller=caller, unit_id=unit_id, person_id=person_id,
                                                  period=period)
    return page.page(TaskPage, items, last, total=total)


@router.get("/{task_id}", response_model=TaskRead, summary="A task with its progress and rectification trail")
async def read_task(task_id: uuid.UUID, session: SessionDep, caller: CallerDep) -> TaskRead:
    return await service.read_task(session, task_id, caller=caller)


@router.patch("/{task_id}", response_model=TaskRead, summary="Correct a task's title, weights, due day or supervision",
              responses={403: {"description": "not an administrator of the task's unit"},
                         422: {"description": "a value changes without a reason (body.reason), or the task would be "
                                             "due after the person leaves (body.due_on); nothing written"}})
async def correct(task_id: uuid.UUID, body: TaskCorrection, session: SessionDep, caller: CallerDep) -> TaskRead:
    """The old and new values, who, when and why are kept in the task's history
    (`GET /api/v1/records/changes/task/{task_id}`)."""
    return await service.correct(session, task_id, body, caller=caller)


@router.post("/{task_id}/progress", response_model=TaskRead, summary="Report progress or a rectification step")
async def report_progress(task_id: uuid.UUID, body: ProgressIn, session: SessionDep, caller: CallerDep,
                          settings: SettingsDep) -> TaskRead:
    return await service.report_progress(session, task_id, body, caller=caller, today=settings.today())


@router.post("/{task_id}/confirm", response_model=TaskRead,
             summary="Confirm a task complete (the unit's leader or administrator), from a day")
async def confirm(task_id: uuid.UUID, body: ConfirmIn, session: SessionDep, caller: CallerDep,
                  settings: SettingsDep) -> TaskRead:
    """Progress is the person's to report; their 100 leaves the task awaiting confirmation until
    a leader or administrator of the task's unit confirms it here."""
    return await service.confirm(session, task_id, body, caller=caller, today=settings.today())

"""Key work tasks (重点工作任务) and supervision items (督办)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from records.roster.router import PeriodDep
from records.tasks import service
from records.tasks.service import ProgressIn, TaskCreate, TaskRead
from shared.db import SessionDep
from shared.service_auth import CallerDep

router = APIRouter(prefix="/api/v1/records/tasks", tags=["tasks"])


class TaskPage(BaseModel):
    items: list[TaskRead]
    total: int
    limit: int
    offset: int


@router.post("", response_model=TaskRead, status_code=201, summary="Assign a task to a person")
async def create(body: TaskCreate, session: SessionDep, caller: CallerDep) -> TaskRead:
    return await service.create(session, body, caller=caller)


@router.get("", response_model=TaskPage, summary="Tasks due in a period, of a unit or a person")
async def list_tasks(period: PeriodDep, session: SessionDep, caller: CallerDep, unit_id: uuid.UUID | None = None,
                     person_id: uuid.UUID | None = None, limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                     offset: Annotated[int, Query(ge=0)] = 0) -> TaskPage:
    items, total = await service.list_tasks(session, caller=caller, unit_id=unit_id, person_id=person_id,
                                            period=period, limit=limit, offset=offset)
    return TaskPage(items=items, total=total, limit=limit, offset=offset)


@router.get("/{task_id}", response_model=TaskRead, summary="A task with its progress and rectification trail")
async def read_task(task_id: uuid.UUID, session: SessionDep, caller: CallerDep) -> TaskRead:
    return await service.read_task(session, task_id, caller=caller)


@router.post("/{task_id}/progress", response_model=TaskRead, summary="Report progress or a rectification step")
async def report_progress(task_id: uuid.UUID, body: ProgressIn, session: SessionDep, caller: CallerDep) -> TaskRead:
    return await service.report_progress(session, task_id, body, caller=caller)

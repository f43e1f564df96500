"""Key work tasks: assignment with weights, progress and rectification trails."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from records.errors import InvalidReference
from records.roster.models import Assignment, Unit
from records.roster.service import get_person_or_raise, get_unit_or_raise
from records.tasks.models import Task, TaskUpdate
from shared.errors import Forbidden, NotFound
from shared.periods import Period
from shared.service_auth import Caller

Weight = Field(gt=0, le=1000, description="a positive weight (e.g. 1.0 normal, 1.5 heavy)")


class TaskCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    person_id: uuid.UUID
    title: str = Field(min_length=1, max_length=200)
    intensity: Decimal = Weight
    difficulty: Decimal = Weight
    quantity: Decimal = Weight
    due_on: date
    supervised: bool = Field(default=False, description="a supervision item (督办), followed to rectification")


class ProgressIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["progress", "rectification"] = "progress"
    progress: Decimal = Field(ge=0, le=100)
    note: str = Field(min_length=1, max_length=5_000)
    status: Literal["open", "done", "cancelled"] | None = None


class TaskUpdateRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    kind: str
    progress: Decimal
    note: str
    at: datetime


class TaskRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    person_id: uuid.UUID
    unit_id: uuid.UUID
    title: str
    intensity: Decimal
    difficulty: Decimal
    quantity: Decimal
    load: Decimal = Field(description="quantity × intensity × difficulty (Binzhou's task-load base)")
    due_on: date
    supervised: bool
    status: str
    progress: Decimal
    trail: list[TaskUpdateRead] = []


def read(task: Task, trail: list[TaskUpdate] | None = None) -> TaskRead:
    return TaskRead(id=task.id, person_id=task.person_id, unit_id=task.unit_id, title=task.title,
                    intensity=task.intensity, difficulty=task.difficulty, quantity=task.quantity,
                    load=(task.quantity * task.intensity * task.difficulty).quantize(Decimal("0.0001")),
                    due_on=task.due_on,
                    supervised=task.supervised, status=task.status, progress=task.progress,
                    trail=[TaskUpdateRead.model_validate(u) for u in trail or []])


def _manages(caller: Caller) -> bool:
    return not caller.roles or not set(caller.roles) <= {"member", "leader"}


async def create(session: AsyncSession, body: TaskCreate, *, caller: Caller) -> TaskRead:
    if not _manages(caller):
        raise Forbidden("tasks are assigned by the unit's administrator")
    await get_person_or_raise(session, body.person_id, caller=caller, manage=True)
    placement = await session.scalar(select(Assignment).where(Assignment.person_id == body.person_id)
                                     .order_by(Assignment.active_from.desc()).limit(1))
    assert placement is not None
    if placement.active_to is not None and placement.active_to < body.due_on:
        raise InvalidReference("the task is due after the person has left",
                               errors=[{"field": "body.due_on", "message": "after the person's last day"}])
    task = Task(id=uuid.uuid4(), person_id=body.person_id, unit_id=placement.unit_id, title=body.title,
                intensity=body.intensity, difficulty=body.difficulty, quantity=body.quantity, due_on=body.due_on,
                supervised=body.supervised, status="open", progress=Decimal(0), created_by=caller.subject)
    session.add(task)
    await session.flush()
    await session.refresh(task)
    return read(task)


async def _task_or_raise(session: AsyncSession, task_id: uuid.UUID, caller: Caller) -> Task:
    task = await session.get(Task, task_id)
    unit = await session.get(Unit, task.unit_id) if task else None
    if task is None or unit is None or not (caller.sees_unit(unit.id, unit.region_id) or
                                             caller.is_person(task.person_id)):
        raise NotFound(f"no task {task_id}", code="task_not_found")
    return task


async def _trail(session: AsyncSession, task_id: uuid.UUID) -> list[TaskUpdate]:
    return list(await session.scalars(select(TaskUpdate).where(TaskUpdate.task_id == task_id)
                                      .order_by(TaskUpdate.at, TaskUpdate.id)))


async def read_task(session: AsyncSession, task_id: uuid.UUID, *, caller: Caller) -> TaskRead:
    task = await _task_or_raise(session, task_id, caller)
    return read(task, await _trail(session, task_id))


async def report_progress(session: AsyncSession, task_id: uuid.UUID, body: ProgressIn, *,
                          caller: Caller) -> TaskRead:
    """The person reports progress; rectification steps and closing are the administrator's."""
    task = await _task_or_raise(session, task_id, caller)
    if not (caller.is_person(task.person_id) or _manages(caller)):
        raise Forbidden("progress is reported by the person or their unit's administrator")
    if (body.kind == "rectification" or body.status is not None) and not _manages(caller):
        raise Forbidden("rectification and closing are the administrator's")
    if body.kind == "rectification" and not task.supervised:
        raise InvalidReference("only a supervised task (督办) has a rectification trail",
                               errors=[{"field": "body.kind", "message": "the task is not supervised"}])
    session.add(TaskUpdate(id=uuid.uuid4(), task_id=task.id, kind=body.kind, progress=body.progress, note=body.note,
                           by=caller.subject))
    task.progress = body.progress
    if body.status is not None:
        task.status = body.status
    elif body.progress == 100:
        task.status = "done"
    await session.flush()
    return read(task, await _trail(session, task.id))


async def list_tasks(session: AsyncSession, *, caller: Caller, unit_id: uuid.UUID | None,
                     person_id: uuid.UUID | None, period: Period, limit: int,
                     offset: int) -> tuple[list[TaskRead], int]:
    if unit_id is None and person_id is None:
        raise InvalidReference("give unit_id or person_id",
                               errors=[{"field": "query.unit_id", "message": "unit_id or person_id is required"}])
    where: list[ColumnElement[bool]] = [Task.due_on.between(period.start, period.end)]
    if unit_id is not None:
        await get_unit_or_raise(session, unit_id, caller=caller)
        where.append(Task.unit_id == unit_id)
    if person_id is not None:
        await get_person_or_raise(session, person_id, caller=caller)
        where.append(Task.person_id == person_id)
    total = await session.scalar(select(func.count()).select_from(Task).where(*where)) or 0
    tasks = await session.scalars(select(Task).where(*where).order_by(Task.due_on, Task.id).limit(limit)
                                  .offset(offset))
    return [read(t) for t in tasks], total

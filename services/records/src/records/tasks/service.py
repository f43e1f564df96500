"""Key work tasks: assignment with weights, progress and rectification trails."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from records import events, scope
from records import examples as ex
from records.changes import history
from records.errors import InvalidReference
from records.roster.models import Assignment, Unit
from records.tasks.models import Task, TaskCoOwner, TaskUpdate
from shared.errors import Conflict, Forbidden, NotFound
from shared.labels import label_of
from shared.pagination import Key, PageQuery
from shared.periods import Period
from shared.service_auth import Caller

SHARE = Decimal("0.0001")  # a share is kept to four places
CENTS: JsonDict = {"multipleOf": 0.01}  # two decimal places, declared
Weight = Field(gt=0, le=1000, decimal_places=2, description="a positive weight (e.g. 1.0 normal, 1.5 heavy)",
               json_schema_extra=CENTS)


class CoOwnerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    person_id: uuid.UUID = Field(description="a person of the task's unit")
    share: Decimal = Field(gt=0, lt=1, decimal_places=4, description="their share of the task, e.g. 0.4",
                           json_schema_extra={"multipleOf": 0.0001})


class CoOwnerRead(BaseModel):
    person_id: uuid.UUID
    share: Decimal


class TaskCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=ex.of(ex.TASK_CREATE))
    person_id: uuid.UUID = Field(description="the lead (牵头)")
    title: str = Field(min_length=1, max_length=200)
    intensity: Decimal = Weight
    difficulty: Decimal = Weight
    quantity: Decimal = Weight
    due_on: date
    supervised: bool = Field(default=False, description="a supervision item (督办), followed to rectification")
    co_owners: list[CoOwnerIn] = Field(default_factory=list, max_length=50,
                                       description="co-owners (协办) and their shares: the task's load and completion "
                                                   "are credited to the lead and each co-owner by share")
    lead_share: Decimal | None = Field(default=None, gt=0, le=1, decimal_places=4,
                                       json_schema_extra={"multipleOf": 0.0001},
                                       description="the lead's share (default: 1 less the co-owners' shares); with "
                                                   "the co-owners' it adds up to 1")


class TaskCorrection(BaseModel):
    """What an administrator mistypes when assigning a task; fields left out keep their value."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=ex.of(ex.TASK_CORRECTION))
    title: str | None = Field(default=None, min_length=1, max_length=200)
    intensity: Decimal | None = Field(default=None, gt=0, le=1000, decimal_places=2, json_schema_extra=CENTS)
    difficulty: Decimal | None = Field(default=None, gt=0, le=1000, decimal_places=2, json_schema_extra=CENTS)
    quantity: Decimal | None = Field(default=None, gt=0, le=1000, decimal_places=2, json_schema_extra=CENTS)
    due_on: date | None = None
    supervised: bool | None = None
    reason: str | None = Field(default=None, max_length=500, description="why: required when a value changes")


class ProgressIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=ex.of(ex.PROGRESS_IN))
    kind: Literal["progress", "rectification"] = "progress"
    progress: Decimal = Field(ge=0, le=100)
    note: str = Field(min_length=1, max_length=5_000)
    status: Literal["open", "done", "cancelled"] | None = Field(
        default=None, description="the administrator's: set the status outright")


class ConfirmIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=ex.of(ex.CONFIRM_IN))
    completed_on: date | None = Field(default=None, description="the day the task was done (default: today)")
    note: str | None = Field(default=None, min_length=1, max_length=5_000)


class TaskUpdateRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    kind: str
    kind_label: ClassVar[Any] = label_of("task_update_kind", "kind")
    progress: Decimal
    note: str
    by: str = Field(description="who reported, or confirmed")
    at: datetime


class TaskRead(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra=ex.of(ex.TASK))
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
    status: str = Field(description="open, awaiting_confirmation (the person reported 100), done or cancelled")
    status_label: ClassVar[Any] = label_of("task_status", "status")
    progress: Decimal
    completed_on: date | None = Field(default=None, description="confirmed by the unit's leader or administrator")
    lead_share: Decimal = Field(description="the lead's share of the task (1 without co-owners)")
    co_owners: list[CoOwnerRead] = Field(default=[], description="the co-owners (协办) and their shares")
    trail: list[TaskUpdateRead] = []


def read(task: Task, trail: list[TaskUpdate] | None = None, co_owners: list[TaskCoOwner] | None = None) -> TaskRead:
    return TaskRead(id=task.id, person_id=task.person_id, unit_id=task.unit_id, title=task.title,
                    intensity=task.intensity, difficulty=task.difficulty, quantity=task.quantity,
                    load=(task.quantity * task.intensity * task.difficulty).quantize(Decimal("0.0001")),
                    due_on=task.due_on,
                    supervised=task.supervised, status=task.status, progress=task.progress,
                    completed_on=task.completed_on, lead_share=task.lead_share.quantize(SHARE),
                    co_owners=[CoOwnerRead(person_id=o.person_id, share=o.share.quantize(SHARE))
                               for o in co_owners or []],
                    trail=[TaskUpdateRead.model_validate(u) for u in trail or []])


async def _co_owners(session: AsyncSession, task_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[TaskCoOwner]]:
    found: dict[uuid.UUID, list[TaskCoOwner]] = {}
    if task_ids:
        for owner in await session.scalars(select(TaskCoOwner).where(TaskCoOwner.task_id.in_(task_ids))
                                           .order_by(TaskCoOwner.task_id, TaskCoOwner.share.desc(),
                                                     TaskCoOwner.person_id)):
            found.setdefault(owner.task_id, []).append(owner)
    return found


def _lead_share(body: TaskCreate) -> Decimal:
    """The lead's share: given, it adds up to 1 with the co-owners'; else what they leave (a 422
    naming the field either way)."""
    others = sum((o.share for o in body.co_owners), Decimal(0))
    if body.lead_share is not None:
        if body.lead_share + others != 1:
            message = (f"the lead's {body.lead_share} and the co-owners' {others} add up to "
                       f"{body.lead_share + others}, not 1")
            raise InvalidReference(message, errors=[{"field": "body.lead_share", "message": message}])
        return body.lead_share
    if others >= 1:
        message = f"the co-owners' shares add up to {others}: nothing is left to the lead"
        raise InvalidReference(message, errors=[{"field": "body.co_owners", "message": message}])
    return 1 - others


async def create(session: AsyncSession, body: TaskCreate, *, caller: Caller) -> TaskRead:
    if not scope.manages(caller):
        raise Forbidden("tasks are assigned by the unit's administrator")
    _person, history, _unit = await scope.valid_person(session, caller, body.person_id, manage=True)
    placement = history[-1]
    if placement.active_to is not None and placement.active_to < body.due_on:
        raise InvalidReference("the task is due after the person has left",
                               errors=[{"field": "body.due_on", "message": "after the person's last day"}])
    lead_share = _lead_share(body)
    await scope.valid_co_owners(session, caller, placement.unit_id, lead_id=body.person_id, due_on=body.due_on,
                                person_ids=[o.person_id for o in body.co_owners])
    task = Task(id=uuid.uuid4(), person_id=body.person_id, unit_id=placement.unit_id, title=body.title,
                intensity=body.intensity, difficulty=body.difficulty, quantity=body.quantity, due_on=body.due_on,
                supervised=body.supervised, status="open", progress=Decimal(0), created_by=caller.subject,
                lead_share=lead_share)
    session.add(task)
    await session.flush()
    co_owners = [TaskCoOwner(task_id=task.id, person_id=o.person_id, share=o.share) for o in body.co_owners]
    session.add_all(co_owners)
    await session.flush()
    await events.tasks_assigned(session, [(task, task.person_id), *((task, o.person_id) for o in co_owners)])
    await session.refresh(task)
    return read(task, co_owners=(await _co_owners(session, [task.id])).get(task.id))


async def _task_or_raise(session: AsyncSession, task_id: uuid.UUID, caller: Caller) -> tuple[Task, Unit]:
    return await scope.valid_record(session, caller, Task, task_id,
                                    NotFound(f"no task {task_id}", code="task_not_found"))


async def _trail(session: AsyncSession, task_id: uuid.UUID) -> list[TaskUpdate]:
    return list(await session.scalars(select(TaskUpdate).where(TaskUpdate.task_id == task_id)
                                      .order_by(TaskUpdate.at, TaskUpdate.id)))


async def read_task(session: AsyncSession, task_id: uuid.UUID, *, caller: Caller) -> TaskRead:
    """Also for its co-owners (协办), who see the task they share (its progress is the lead's to report)."""
    try:
        task, _unit = await _task_or_raise(session, task_id, caller)
    except NotFound:
        own = uuid.UUID(caller.person_id) if caller.person_id else None
        if own is None or await session.get(TaskCoOwner, (task_id, own)) is None:
            raise
        task = await session.get_one(Task, task_id)
    return read(task, await _trail(session, task_id), (await _co_owners(session, [task.id])).get(task.id))


async def correct(session: AsyncSession, task_id: uuid.UUID, body: TaskCorrection, *, caller: Caller) -> TaskRead:
    """The unit's administrator corrects a task's title, weights, due day or supervision, saying
    why; the old and new values are kept in the task's history."""
    task, unit = await scope.valid_record(session, caller, Task, task_id,
                                          NotFound(f"no task {task_id}", code="task_not_found"), lock=True)
    if not scope.manages_unit(caller, unit):
        raise Forbidden("a task is corrected by its unit's administrator")
    values = {k: v for k, v in body.model_dump(exclude_unset=True, exclude={"reason"}).items() if v is not None}
    if "due_on" in values:
        last = await session.scalar(select(Assignment.active_to).where(
            Assignment.person_id == task.person_id, Assignment.unit_id == task.unit_id)
            .order_by(Assignment.active_from.desc()).limit(1))
        if last is not None and last < values["due_on"]:
            raise InvalidReference("the task would be due after the person has left the unit",
                                   errors=[{"field": "body.due_on", "message": f"after the person's last day {last}"}])
    if await history.keep(session, caller, kind="task", record=task, day=values.get("due_on", task.due_on),
                          old={k: getattr(task, k) for k in values}, new=values,
                          reason=history.reason_of(body.reason)):
        for field, value in values.items():
            setattr(task, field, value)
        task.updated_at = datetime.now(UTC)
        await session.flush()
        await session.refresh(task)
    return read(task, await _trail(session, task.id), (await _co_owners(session, [task.id])).get(task.id))


async def report_progress(session: AsyncSession, task_id: uuid.UUID, body: ProgressIn, *,
                          caller: Caller, today: date) -> TaskRead:
    """The person reports progress; rectification steps and closing are the administrator's. A
    person's 100 awaits the unit's confirmation (``confirm``); an administrator's 100 is done."""
    task, unit = await _task_or_raise(session, task_id, caller)
    manager = scope.manages_unit(caller, unit)
    if not (caller.is_person(task.person_id) or manager):
        raise Forbidden("progress is reported by the person or their unit's administrator")
    if (body.kind == "rectification" or body.status is not None) and not manager:
        raise Forbidden("rectification and closing are the administrator's")
    if task.status in ("done", "cancelled") and not manager:
        raise Conflict(f"the task is {task.status}; only the administrator reopens it", code="task_closed")
    if body.kind == "rectification" and not task.supervised:
        raise InvalidReference("only a supervised task (督办) has a rectification trail",
                               errors=[{"field": "body.kind", "message": "the task is not supervised"}])
    session.add(TaskUpdate(id=uuid.uuid4(), task_id=task.id, kind=body.kind, progress=body.progress, note=body.note,
                           by=caller.subject))
    task.progress = body.progress
    if body.status is not None:
        task.status = body.status
    elif task.status in ("open", "awaiting_confirmation"):
        if body.progress < 100:
            task.status = "open"
        elif manager:
            task.status = "done"
        else:
            task.status = "awaiting_confirmation"
    if task.status == "done" and task.completed_on is None:
        task.completed_on = today
    elif task.status != "done":
        task.completed_on = None
    task.updated_at = datetime.now(UTC)
    await session.flush()
    return read(task, await _trail(session, task.id), (await _co_owners(session, [task.id])).get(task.id))


async def confirm(session: AsyncSession, task_id: uuid.UUID, body: ConfirmIn, *, caller: Caller,
                  today: date) -> TaskRead:
    """Completion is confirmed by a leader or administrator of the task's unit, never by its own
    person: the task is done at 100 from the day given, and the trail shows who confirmed it."""
    task, unit = await _task_or_raise(session, task_id, caller)
    if caller.is_person(task.person_id) or not (scope.leads(caller) and scope.sees_unit(caller, unit)):
        raise Forbidden("completion is confirmed by the unit's leader or administrator")
    if task.status in ("done", "cancelled"):
        raise Conflict(f"the task is {task.status} already", code="task_closed")
    completed_on = body.completed_on or today
    if completed_on > today:
        raise InvalidReference("a task cannot be confirmed done on a later day",
                               errors=[{"field": "body.completed_on",
                                        "message": f"after today ({today.isoformat()})"}])
    session.add(TaskUpdate(id=uuid.uuid4(), task_id=task.id, kind="confirmation", progress=Decimal(100),
                           note=body.note or f"完成 {completed_on.isoformat()}", by=caller.subject))
    task.progress, task.status, task.completed_on = Decimal(100), "done", completed_on
    task.updated_at = datetime.now(UTC)
    await session.flush()
    return read(task, await _trail(session, task.id), (await _co_owners(session, [task.id])).get(task.id))


async def _listed(session: AsyncSession, *, caller: Caller, unit_id: uuid.UUID | None, person_id: uuid.UUID | None,
                  period: Period) -> list[ColumnElement[bool]]:
    # A task belongs to the unit that assigned it: a person's tasks from before (or after) a
    # transfer are not the other unit's to see.
    where: list[ColumnElement[bool]] = [Task.due_on.between(period.start, period.end),
                                        scope.record_clause(caller, Task)]
    await scope.narrow(session, caller, Task, where, unit_id=unit_id, person_id=person_id)
    return where


async def tasks_statement(session: AsyncSession, *, caller: Caller, unit_id: uuid.UUID,
                          period: Period) -> Select[*tuple[Any, ...]]:
    """The query of the unit's tasks due in the period, as :func:`list_tasks` lists them (checked the same way)."""
    return select(Task.id).where(*await _listed(session, caller=caller, unit_id=unit_id, person_id=None,
                                                period=period))


async def list_tasks(session: AsyncSession, page: PageQuery, *, caller: Caller, unit_id: uuid.UUID | None,
                     person_id: uuid.UUID | None, period: Period) -> tuple[list[TaskRead], int, Key]:
    if unit_id is None and person_id is None:
        raise InvalidReference("give unit_id or person_id",
                               errors=[{"field": "query.unit_id", "message": "unit_id or person_id is required"}])
    where = await _listed(session, caller=caller, unit_id=unit_id, person_id=person_id, period=period)
    total = await session.scalar(select(func.count()).select_from(Task).where(*where)) or 0
    tasks, last = await page.fetch(session, select(Task).where(*where), [Task.due_on, Task.id],
                                   lambda t: (t.due_on, t.id), scalars=True)
    co_owners = await _co_owners(session, [t.id for t in tasks])
    return [read(t, co_owners=co_owners.get(t.id)) for t in tasks], total, last

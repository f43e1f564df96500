"""What a unit's people still owe, for its administrator and leaders: the weekly records not written
(this week's, and last week's with whether its deadline passed) and the tasks past their due date.

Read in three statements whatever the unit's size: the roster with the missing weeks, the overdue
tasks with their owners, and those tasks' co-owners. The weekly record of a week is owed by everyone
on the unit's roster today who was placed there by the week's Sunday.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from records import examples as ex
from records import scope
from records.config import SettingsDep
from records.roster.models import Assignment, Person, Section
from records.tasks.models import Task, TaskCoOwner
from records.work_logs.models import WorkLog
from shared.db import SessionDep
from shared.errors import Forbidden
from shared.periods import DAY_PATTERN
from shared.service_auth import Caller, CallerDep

router = APIRouter(prefix="/api/v1/records", tags=["roster"])


class PersonRef(BaseModel):
    person_id: uuid.UUID
    staff_no: str
    name: str
    section_id: uuid.UUID | None = None
    section_name: str | None = None


class WeekOwed(BaseModel):
    week: str = Field(examples=["2025-W03"])
    starts_on: date
    ends_on: date
    deadline: date = Field(description="the last day a record of the week is on time (Sunday + log_deadline_days)")
    overdue: bool = Field(description="the deadline has passed")
    missing: list[PersonRef]


class OverdueTask(BaseModel):
    task_id: uuid.UUID
    title: str
    due_on: date
    days_overdue: int
    progress: Decimal
    supervised: bool
    owner: PersonRef
    co_owners: list[PersonRef]


class UnitOutstanding(BaseModel):
    model_config = ConfigDict(json_schema_extra=ex.of(ex.OUTSTANDING))
    unit_id: uuid.UUID
    unit_name: str
    on: date
    people: int = Field(description="on the unit's roster on the day")
    weeks: list[WeekOwed] = Field(description="this week, then last week")
    overdue_tasks: list[OverdueTask] = Field(description="open tasks of the unit due before the day, oldest first")


def _week_code(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


async def missing_logs(session: AsyncSession, unit_id: uuid.UUID, on: date,
                       weeks: list[date]) -> tuple[list[tuple[PersonRef, date]], int]:
    """Who of the unit's roster on ``on`` has no weekly record for each week (its Monday) they owe, and
    how many are on the roster."""
    keys = [m.isocalendar()[:2] for m in weeks]
    rows = await session.execute(
        select(Person.id, Person.staff_no, Person.name, Assignment.section_id, Section.name, Assignment.active_from,
               *(exists().where(WorkLog.person_id == Person.id, WorkLog.iso_year == y, WorkLog.iso_week == w)
                 for y, w in keys))
        .join(Assignment, Assignment.person_id == Person.id).outerjoin(Section, Section.id == Assignment.section_id)
        .where(Assignment.unit_id == unit_id, Assignment.active_from <= on,
               or_(Assignment.active_to.is_(None), Assignment.active_to >= on))
        .order_by(Person.staff_no))
    out, people = [], 0
    for person_id, staff_no, name, section_id, section_name, active_from, *written in rows:
        people += 1
        ref = PersonRef(person_id=person_id, staff_no=staff_no, name=name, section_id=section_id,
                        section_name=section_name)
        out += [(ref, monday) for monday, done in zip(weeks, written, strict=True)
                if not done and active_from <= monday + timedelta(days=6)]
    return out, people


async def overdue_tasks(session: AsyncSession, unit_id: uuid.UUID, on: date) -> list[OverdueTask]:
    rows = (await session.execute(
        select(Task.id, Task.title, Task.due_on, Task.progress, Task.supervised, Task.person_id, Person.staff_no,
               Person.name).join(Person, Person.id == Task.person_id)
        .where(Task.unit_id == unit_id, Task.status == "open", Task.due_on < on)
        .order_by(Task.due_on, Task.title, Task.id))).all()
    co_owners: dict[uuid.UUID, list[PersonRef]] = {}
    if rows:
        for task_id, person_id, staff_no, name in await session.execute(
                select(TaskCoOwner.task_id, Person.id, Person.staff_no, Person.name)
                .join(Person, Person.id == TaskCoOwner.person_id)
                .where(TaskCoOwner.task_id.in_([t[0] for t in rows])).order_by(Person.staff_no)):
            co_owners.setdefault(task_id, []).append(PersonRef(person_id=person_id, staff_no=staff_no, name=name))
    return [OverdueTask(task_id=task_id, title=title, due_on=due_on, days_overdue=(on - due_on).days,
                        progress=progress, supervised=supervised,
                        owner=PersonRef(person_id=owner, staff_no=staff_no, name=name),
                        co_owners=co_owners.get(task_id, []))
            for task_id, title, due_on, progress, supervised, owner, staff_no, name in rows]


async def outstanding(session: AsyncSession, caller: Caller, unit_id: uuid.UUID, *, on: date,
                      log_deadline_days: int) -> UnitOutstanding:
    unit = await scope.valid_unit(session, caller, unit_id)
    if not scope.leads(caller):
        raise Forbidden("what a unit owes is for its administrator and leaders")
    this_monday = on - timedelta(days=on.weekday())
    weeks = [this_monday, this_monday - timedelta(days=7)]
    missing, people = await missing_logs(session, unit_id, on, weeks)
    owed = []
    for monday in weeks:
        deadline = monday + timedelta(days=6 + log_deadline_days)
        owed.append(WeekOwed(week=_week_code(monday), starts_on=monday, ends_on=monday + timedelta(days=6),
                             deadline=deadline, overdue=on > deadline,
                             missing=[ref for ref, week in missing if week == monday]))
    return UnitOutstanding(unit_id=unit.id, unit_name=unit.name, on=on, people=people, weeks=owed,
                           overdue_tasks=await overdue_tasks(session, unit_id, on))


@router.get("/units/{unit_id}/outstanding", response_model=UnitOutstanding,
            summary="What a unit's people still owe",
            responses={403: {"description": "a member: this is for the unit's administrator and leaders"},
                       404: {"description": "a unit the caller may not see"}})
async def unit_records_outstanding(unit_id: uuid.UUID, session: SessionDep, caller: CallerDep, settings: SettingsDep,
                           on: Annotated[date | None, Query(ge=date(2000, 1, 1), le=date(2100, 12, 31),
                                                            description="the day to look from; today if left out",
                                                            json_schema_extra={"pattern": DAY_PATTERN})]
                           = None,
                           log_deadline_days: Annotated[int, Query(ge=0, le=31, description=(
                               "a week's record is on time until this many days after its Sunday"))] = 1,
                           ) -> Response:
    """What the unit's people still owe on a day (today if `on` is left out): this week's and last week's weekly
    records not written, last month's monthly report not submitted, and the tasks past their due day, each with
    names and staff numbers, so a unit administrator can remind them (催报).

    Callers: administrators and the unit's leaders. Errors: 403 for a member; 404 `unit_not_found`, also for a unit
    the caller may not see."""
    # written out by the model's own serializer: not validated again, nor walked by FastAPI's encoder
    found = await outstanding(session, caller, unit_id, on=on or settings.today(), log_deadline_days=log_deadline_days)
    return Response(found.model_dump_json(), media_type="application/json")

"""The caller's own to-do in records: the weekly records and monthly reports of the current quarter
not yet written, and the open tasks they lead or co-own.

Only the facts are given here: which weeks and months lack a record (each with the day its week
or month ends) and today's date in the regions' time zone. When each becomes due is the rule of
the person's scheme (``log_deadline_days``, ``report_deadline_day``), which scoring keeps; the
gateway asks both services at once and applies it (``/api/v1/me/todo``).
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from records.config import SettingsDep
from records.reports.models import MonthlyReport
from records.roster.models import Assignment
from records.tasks.models import Task, TaskCoOwner
from records.work_logs.models import WorkLog
from shared.db import SessionDep
from shared.periods import Period, of_kind
from shared.service_auth import CallerDep

router = APIRouter(prefix="/api/v1/records", tags=["to-do"])

#: most open tasks listed (the earliest due first)
MAX_TASKS = 200


def today(settings: SettingsDep) -> date:
    """Today in the regions' time zone (a dependency, so a test can stand on another day)."""
    return settings.today()


TodayDep = Annotated[date, Depends(today)]


class WeekMissing(BaseModel):
    week: str = Field(description="ISO week, e.g. 2025-W14")
    ends_on: date = Field(description="its Sunday")


class MonthMissing(BaseModel):
    month: str = Field(description="e.g. 2025-04")
    ends_on: date = Field(description="its last day")


class TaskOpen(BaseModel):
    task_id: uuid.UUID
    title: str
    due_on: date
    role: Literal["lead", "co_owner"]
    progress: Decimal
    supervised: bool


class RecordsTodo(BaseModel):
    person_id: uuid.UUID | None = Field(description="the caller's person; null: the account is no person's, "
                                                    "and everything below is empty")
    today: date
    time_zone: str
    period: str = Field(description="the current quarter, whose weeks and months are listed")
    work_logs: list[WeekMissing] = Field(description="weeks of the quarter so far, on the roster, with no record")
    monthly_reports: list[MonthMissing] = Field(description="months of the quarter so far, on the roster, with no "
                                                            "report")
    tasks: list[TaskOpen] = Field(description=f"open tasks led or co-owned, earliest due first (at most {MAX_TASKS})")


def _iso(day: date) -> tuple[int, int]:
    year, week, _ = day.isocalendar()
    return year, week


def _on_roster(stretches: list[tuple[date, date | None]], first: date, last: date) -> bool:
    return any(start <= last and (end is None or end >= first) for start, end in stretches)


def weeks_due(stretches: list[tuple[date, date | None]], period: Period, day: date) -> list[date]:
    """The Mondays of the period up to ``day`` on which the person was on the roster (a week is due
    when its Monday is in the period: as the summary's ``weeks_due`` counts them)."""
    monday = period.start + timedelta(days=(7 - period.start.weekday()) % 7)
    out = []
    while monday <= min(day, period.end):
        if _on_roster(stretches, monday, monday):
            out.append(monday)
        monday += timedelta(days=7)
    return out


def months_due(stretches: list[tuple[date, date | None]], period: Period, day: date) -> list[Period]:
    """The months of the period begun by ``day`` that the person was on the roster for at least a day."""
    return [m for m in period.months_of() if m.start <= day and _on_roster(stretches, m.start, m.end)]


async def todo(session: AsyncSession, person_id: uuid.UUID | None, day: date, zone: str) -> RecordsTodo:
    period = of_kind("quarter", day.year, (day.month - 1) // 3 + 1)
    empty = RecordsTodo(person_id=None, today=day, time_zone=zone, period=period.code, work_logs=[],
                        monthly_reports=[], tasks=[])
    if person_id is None:
        return empty
    stretches = [(a, b) for a, b in await session.execute(
        select(Assignment.active_from, Assignment.active_to).where(
            Assignment.person_id == person_id, Assignment.active_from <= period.end,
            or_(Assignment.active_to.is_(None), Assignment.active_to >= period.start)))]
    mondays = weeks_due(stretches, period, day)
    years = {_iso(m)[0] for m in mondays}
    written = {(y, w) for y, w in await session.execute(select(WorkLog.iso_year, WorkLog.iso_week).where(
        WorkLog.person_id == person_id, WorkLog.iso_year.in_(years)))} if years else set()
    months = months_due(stretches, period, day)
    reported = {(y, m) for y, m in await session.execute(select(MonthlyReport.year, MonthlyReport.month).where(
        MonthlyReport.person_id == person_id, MonthlyReport.year == period.year))} if months else set()
    co_owned = select(TaskCoOwner.task_id).where(TaskCoOwner.person_id == person_id)
    tasks = await session.execute(
        select(Task.id, Task.title, Task.due_on, Task.person_id, Task.progress, Task.supervised)
        .where(Task.status == "open", or_(Task.person_id == person_id, Task.id.in_(co_owned)))
        .order_by(Task.due_on, Task.id).limit(MAX_TASKS))
    return empty.model_copy(update={
        "person_id": person_id,
        "work_logs": [WeekMissing(week=f"{y}-W{w:02d}", ends_on=m + timedelta(days=6))
                      for m in mondays for y, w in [_iso(m)] if (y, w) not in written],
        "monthly_reports": [MonthMissing(month=m.code, ends_on=m.end) for m in months
                            if (m.year, m.start.month) not in reported],
        "tasks": [TaskOpen(task_id=t, title=title, due_on=due, role="lead" if lead == person_id else "co_owner",
                           progress=progress, supervised=supervised)
                  for t, title, due, lead, progress, supervised in tasks]})


@router.get("/todo", response_model=RecordsTodo,
            summary="The caller's own to-do: this quarter's missing weekly records and monthly reports, open tasks")
async def records_todo(session: SessionDep, caller: CallerDep, settings: SettingsDep, day: TodayDep) -> RecordsTodo:
    person_id = None
    if caller.person_id:
        try:
            person_id = uuid.UUID(caller.person_id)
        except ValueError:
            person_id = None
    return await todo(session, person_id, day, settings.time_zone)

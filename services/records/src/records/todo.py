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
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from records import examples as ex
from records.config import SettingsDep
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
    model_config = ConfigDict(json_schema_extra=ex.of(ex.TODO))
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


#: the caller's roster stretches over the quarter, the weeks and months they wrote, their open tasks:
#: one statement, four indexed lookups of one person
TODO_SQL = text(f"""
SELECT
  (SELECT array_agg(ROW(a.active_from, a.active_to)) FROM records.assignments a
    WHERE a.person_id = :person AND a.active_from <= :last AND (a.active_to IS NULL OR a.active_to >= :first)),
  (SELECT array_agg(ROW(w.iso_year, w.iso_week)) FROM records.work_logs w
    WHERE w.person_id = :person AND w.iso_year = ANY(:years)),
  (SELECT array_agg(ROW(m.year, m.month)) FROM records.monthly_reports m
    WHERE m.person_id = :person AND m.year = :year),
  (SELECT array_agg(ROW(t.id, t.title, t.due_on, t.person_id, t.progress, t.supervised) ORDER BY t.due_on, t.id)
    FROM (SELECT t.id, t.title, t.due_on, t.person_id, t.progress, t.supervised FROM records.tasks t
          WHERE t.status = 'open' AND (t.person_id = :person OR t.id IN (
            SELECT c.task_id FROM records.task_co_owners c WHERE c.person_id = :person))
          ORDER BY t.due_on, t.id LIMIT {MAX_TASKS}) t)
""")  # noqa: S608 (no input in the text)


async def todo(session: AsyncSession, person_id: uuid.UUID | None, day: date, zone: str) -> RecordsTodo:
    period = of_kind("quarter", day.year, (day.month - 1) // 3 + 1)
    empty = RecordsTodo(person_id=None, today=day, time_zone=zone, period=period.code, work_logs=[],
                        monthly_reports=[], tasks=[])
    if person_id is None:
        return empty
    years = sorted({period.start.isocalendar()[0], period.end.isocalendar()[0]})
    row = (await session.execute(TODO_SQL, {"person": person_id, "first": period.start, "last": period.end,
                                            "years": years, "year": period.year})).one()
    stretches = [(a, b) for a, b in row[0] or ()]
    written = {(y, w) for y, w in row[1] or ()}
    reported = {(y, m) for y, m in row[2] or ()}
    return empty.model_copy(update={
        "person_id": person_id,
        "work_logs": [WeekMissing(week=f"{y}-W{w:02d}", ends_on=m + timedelta(days=6))
                      for m in weeks_due(stretches, period, day) for y, w in [_iso(m)] if (y, w) not in written],
        "monthly_reports": [MonthMissing(month=m.code, ends_on=m.end) for m in months_due(stretches, period, day)
                            if (m.year, m.start.month) not in reported],
        "tasks": [TaskOpen(task_id=t, title=title, due_on=due, role="lead" if lead == person_id else "co_owner",
                           progress=progress, supervised=supervised)
                  for t, title, due, lead, progress, supervised in row[3] or ()]})


@router.get("/todo", response_model=RecordsTodo,
            summary="My to-do in records")
async def records_todo(session: SessionDep, caller: CallerDep, settings: SettingsDep, day: TodayDep) -> RecordsTodo:
    """The caller's own to-do for the current quarter: the weeks without a weekly record, the months without a monthly
    report (each while the person was on the roster) and their open tasks. An administrator without a person of
    their own gets empty lists.

    Callers: every signed-in role."""
    person_id = None
    if caller.person_id:
        try:
            person_id = uuid.UUID(caller.person_id)
        except ValueError:
            person_id = None
    return await todo(session, person_id, day, settings.time_zone)

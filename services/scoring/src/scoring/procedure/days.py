"""The province's working-day calendar as stored: overrides read and replaced a year at a time."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from scoring.models import CalendarDay
from scoring.procedure.calendar import Calendar, official
from scoring.procedure.schemas import CalendarDayIn, CalendarDayRead, CalendarRead
from scoring.scope import Scope, bad_rows
from shared.errors import Forbidden


async def calendar_of(session: AsyncSession) -> Calendar:
    """Every override (a few dozen days a year at most)."""
    rows = await session.execute(select(CalendarDay.day, CalendarDay.workday))
    return Calendar(overrides={day: workday for day, workday in rows})


async def read_year(session: AsyncSession, year: int) -> CalendarRead:
    calendar = await calendar_of(session)
    notes = {d.day: d.note for d in await session.scalars(
        select(CalendarDay).where(CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31)))}
    first = date(year, 1, 1)
    days = [first + timedelta(days=i) for i in range((date(year + 1, 1, 1) - first).days)]

    def read(day: date) -> CalendarDayRead:
        return CalendarDayRead(date=day, workday=calendar.is_workday(day), source=calendar.source(day),
                               note=notes.get(day, ""))

    return CalendarRead(
        year=year, workdays=sum(1 for d in days if calendar.is_workday(d)),
        covered=official(first) is not None, fallback=any(calendar.source(d) == "weekdays" for d in days),
        days_off_on_weekdays=[read(d) for d in days if d.weekday() < 5 and not calendar.is_workday(d)],
        working_weekends=[read(d) for d in days if d.weekday() >= 5 and calendar.is_workday(d)],
        overrides=[read(d) for d in days if d in notes])


async def replace_year(session: AsyncSession, year: int, days: list[CalendarDayIn], scope: Scope) -> CalendarRead:
    """The year's overrides become exactly ``days`` (each of the year, each once)."""
    if not scope.caller.is_province_wide:
        raise Forbidden("only the province's administrators keep the working-day calendar")
    seen: set[date] = set()
    for index, day in enumerate(days):
        if day.date.year != year:
            raise bad_rows(f"{day.date} is not of {year}", [f"body.{index}.date"])
        if day.date in seen:
            raise bad_rows(f"{day.date} is given twice", [f"body.{index}.date"])
        seen.add(day.date)
    await session.execute(delete(CalendarDay).where(CalendarDay.day >= date(year, 1, 1),
                                                    CalendarDay.day <= date(year, 12, 31)))
    session.add_all(CalendarDay(day=d.date, workday=d.workday, note=d.note, updated_by=scope.caller.subject)
                    for d in days)
    await session.flush()
    return await read_year(session, year)

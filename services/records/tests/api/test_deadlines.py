"""On time means by the scheme's deadline, which scoring passes to the summary: a weekly record
``log_deadline_days`` after its week's Sunday (default 1: the Monday after), a monthly report by
day ``report_deadline_day`` of its month (Xiacun: achievements declared by the 25th; default 31:
the month's last day). Local days, Beijing time."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from records.reports.models import MonthlyReport
from records.roster.models import Assignment, Person, Region, Unit
from records.work_logs.models import WorkLog
from shared.business_time import business_zone

LOCAL = business_zone()  # the regions' time zone (Asia/Shanghai)


def beijing(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=LOCAL).astimezone(UTC)


@pytest.fixture
async def unit(session: AsyncSession) -> dict[str, Any]:
    """One person, on the roster since 2024, with monthly reports and weekly records in 2025Q1."""
    tag = uuid.uuid4().hex[:8]
    region = Region(id=uuid.uuid4(), code=f"d{tag}", name="夏村")
    session.add(region)
    await session.flush()
    unit = Unit(id=uuid.uuid4(), region_id=region.id, code="XC", name="夏村镇", kind="township")
    person = Person(id=uuid.uuid4(), staff_no=f"{tag}-1", name="张三")
    session.add_all([unit, person])
    await session.flush()
    session.add(Assignment(id=uuid.uuid4(), person_id=person.id, unit_id=unit.id, staff_category="staff",
                           active_from=date(2024, 1, 1)))
    reports = {  # month: the moment of submission, Beijing time
        1: beijing(date(2025, 1, 25), 23, 59, 59),   # the 25th, last second
        2: beijing(date(2025, 2, 26), 0, 0, 0),      # the 26th, first second
        3: beijing(date(2025, 4, 1), 9),             # the month after
    }
    session.add_all([MonthlyReport(id=uuid.uuid4(), person_id=person.id, unit_id=unit.id, year=2025, month=month,
                                   content="月报", achievements="成效", submitted_by="test", submitted_at=at)
                     for month, at in reports.items()])
    logs = {  # ISO week of 2025: the moment of submission (W03 is 13-19 January)
        3: beijing(date(2025, 1, 19), 22),           # Sunday
        4: beijing(date(2025, 1, 27), 12),           # the Monday after
        5: beijing(date(2025, 2, 5), 8),             # Wednesday after
    }
    session.add_all([WorkLog(id=uuid.uuid4(), person_id=person.id, unit_id=unit.id, iso_year=2025, iso_week=week,
                             content="纪实", submitted_by="test", submitted_at=at) for week, at in logs.items()])
    await session.flush()
    return {"id": str(unit.id)}


async def on_time(client: httpx.AsyncClient, unit: dict[str, Any], **deadlines: int) -> tuple[int, int]:
    response = await client.get(f"/api/v1/records/units/{unit['id']}/summary", params={
        "period": "2025Q1", "fields": "weeks_on_time,reports_on_time,monthly_reports", **deadlines})
    assert response.status_code == 200, response.text
    [person] = response.json()["people"]
    assert person["monthly_reports"] == 3
    return person["weeks_on_time"], person["reports_on_time"]


async def test_xiacun_declares_by_the_25th(client: httpx.AsyncClient, unit: dict[str, Any]) -> None:
    # January's report on the 25th at 23:59:59 is on time, February's on the 26th at midnight late,
    # March's in April late
    assert (await on_time(client, unit, report_deadline_day=25))[1] == 1
    assert (await on_time(client, unit, report_deadline_day=26))[1] == 2


async def test_by_default_by_the_months_last_day(client: httpx.AsyncClient, unit: dict[str, Any]) -> None:
    assert (await on_time(client, unit))[1] == 2               # January's and February's; not March's
    assert (await on_time(client, unit, report_deadline_day=31))[1] == 2


async def test_weekly_records_by_the_days_after_the_week(client: httpx.AsyncClient, unit: dict[str, Any]) -> None:
    assert (await on_time(client, unit))[0] == 2               # default: by the Monday after (W03, W04)
    assert (await on_time(client, unit, log_deadline_days=0))[0] == 1   # by the Sunday: W03 only
    assert (await on_time(client, unit, log_deadline_days=3))[0] == 3   # by the Wednesday after: all three


@pytest.mark.parametrize(("name", "value"), [("log_deadline_days", -1), ("log_deadline_days", 32),
                                             ("report_deadline_day", 0), ("report_deadline_day", 32)])
async def test_a_deadline_out_of_range_is_422(client: httpx.AsyncClient, unit: dict[str, Any], name: str,
                                              value: int) -> None:
    response = await client.get(f"/api/v1/records/units/{unit['id']}/summary",
                                params={"period": "2025Q1", name: value})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == f"query.{name}"

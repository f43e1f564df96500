"""The demo county's year of day-to-day records (weekly records, monthly reports, leader comments,
attendance, tasks), written with COPY as a migration from an older system would, and its honours."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import httpx

from kaohe.demo_county import YEAR, Person, Unit, ok, workdays


def _at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


async def honours(gateway: httpx.AsyncClient, units: list[Unit], people: list[Person], rng: random.Random) -> int:
    """The year's honours: a city commendation of each township meeting that condition, and an
    honour for about one person in fifty. 鼎山 and 化成 get none: their points are Bazhou's own."""
    bazhou = {units[0].code, units[1].code}
    rows: list[dict[str, Any]] = [
        {"unit_id": u.id, "title": "市级先进集体", "level": "city", "awarded_on": f"{YEAR}-0{rng.randint(3, 9)}-15"}
        for u in units[:23] if "city_commendation" in u.conditions and u.code not in bazhou]
    for person in rng.sample([p for p in people if p.unit.code not in bazhou], max(1, len(people) // 50)):
        level, title = rng.choice([("county", "全县优秀公务员"), ("county", "县级先进工作者"),
                                   ("city", "全市优秀共产党员"), ("provincial", "全省脱贫攻坚先进个人")])
        rows.append({"person_id": person.id, "title": title, "level": level,
                     "awarded_on": (date(YEAR, 1, 1) + timedelta(days=rng.randint(0, 360))).isoformat()})
    for row in rows:
        await ok(gateway.post, "/api/v1/records/honours", json={
            **row, "awarded_by": "中共示范县委" if row["level"] == "county" else "上级党委",
            "evidence": f"示委发〔{YEAR}〕{rng.randint(1, 99)}号"})
    return len(rows)


async def history(url: str, region_id: str, people: list[Person], rng: random.Random, *,
                   sheet_unit: Unit) -> list[tuple[str, str, date, str]]:
    """A year of day-to-day records, with COPY into the records tables; ``sheet_unit``'s December attendance
    is left out and returned (staff number, name, day, status), for its month's workbook."""
    sheet_days: list[tuple[str, str, date, str]] = []
    conn = await asyncpg.connect(url)
    try:
        ids = {row["staff_no"]: (str(row["id"]), str(row["unit_id"])) for row in await conn.fetch(
            "SELECT p.staff_no, p.id, a.unit_id FROM records.persons p "
            "JOIN records.assignments a ON a.person_id = p.id "
            "JOIN records.units u ON u.id = a.unit_id WHERE u.region_id = $1", uuid.UUID(region_id))}
        for person in people:
            person.id = ids[person.staff_no][0]
        leaders: dict[str, list[Person]] = {}
        for person in people:
            if person.category == "leadership":
                leaders.setdefault(person.unit.code, []).append(person)
        logs, reports, comments, days, tasks, co_owners = [], [], [], [], [], []
        colleagues: dict[str, list[Person]] = {}
        for person in people:
            colleagues.setdefault(person.unit.code, []).append(person)
        calendar = workdays(YEAR)
        for person in people:
            pid, unit = uuid.UUID(person.id), uuid.UUID(person.unit.id)
            diligence = (person.quality - 50) / 50
            boss = leaders.get(person.unit.code, [person])[0]
            for week in range(1, 53):
                if rng.random() > 0.75 + 0.24 * diligence:
                    continue
                sunday = date.fromisocalendar(YEAR, week, 7)
                late = rng.random() > 0.7 + 0.29 * diligence
                submitted = _at(sunday + timedelta(days=rng.randint(3, 9) if late else rng.randint(-2, 0)), 9)
                log_id = uuid.UUID(int=rng.getrandbits(128), version=4)
                logs.append((log_id, pid, unit, YEAR, week, f"第{week}周工作纪实：按计划推进重点任务", f"user:{pid}",
                             submitted))
                if boss is not person and rng.random() < 0.15:
                    comments.append((uuid.UUID(int=rng.getrandbits(128), version=4), "work_log", log_id, pid, unit,
                                     f"leader:{boss.id}", round(min(100, max(50, rng.gauss(person.quality, 5))), 1),
                                     "工作扎实" if person.quality > 80 else "需加强"))
            for month in range(1, 13):
                if rng.random() > 0.85 + 0.14 * diligence:
                    continue
                report_id = uuid.UUID(int=rng.getrandbits(128), version=4)
                reports.append((report_id, pid, unit, YEAR, month, f"{month}月工作总结", None, f"user:{pid}",
                                _at(date(YEAR, month, 28), 10)))
                if boss is not person and rng.random() < 0.5:
                    comments.append((uuid.UUID(int=rng.getrandbits(128), version=4), "monthly_report", report_id, pid,
                                     unit, f"leader:{boss.id}",
                                     round(min(100, max(50, rng.gauss(person.quality, 4))), 1), "月度点评"))
            sick = set()
            if person.long_leave:
                start = rng.randrange(0, 40)
                sick = set(range(start, start + 150))  # ~150 workdays: more than half a year
            for index, day in enumerate(calendar):
                roll = rng.random()
                status = ("sick_leave" if index in sick else "personal_leave" if roll < 0.01
                          else "sick_leave" if roll < 0.025 else "annual_leave" if roll < 0.045
                          else "business_trip" if roll < 0.08 else "present")
                if person.unit is sheet_unit and day.month == 12:
                    sheet_days.append((person.staff_no, person.name, day, status))
                else:
                    days.append((pid, day, unit, status))
            for t in range(rng.randint(2, 4)):
                due = date(YEAR, rng.randint(1, 12), 28)
                progress = min(100, max(0, round(rng.gauss(person.quality + 5, 12))))
                task_id = uuid.UUID(int=rng.getrandbits(128), version=4)
                helper = rng.choice(colleagues[person.unit.code]) if rng.random() < 0.1 else person
                if helper is not person:  # a co-owner (协办) with a third of the task
                    co_owners.append((task_id, uuid.UUID(helper.id), Decimal("0.3333")))
                tasks.append((task_id, pid, unit, f"年度重点任务{t + 1}",
                              rng.choice((1, 1.2, 1.5)), rng.choice((1, 1.2, 1.5)), rng.randint(1, 5), due,
                              rng.random() < 0.2, "done" if progress == 100 else "open", progress,
                              Decimal(1) if helper is person else Decimal("0.6667"), "demo"))
        await conn.copy_records_to_table("work_logs", schema_name="records", records=logs, columns=[
            "id", "person_id", "unit_id", "iso_year", "iso_week", "content", "submitted_by", "submitted_at"])
        await conn.copy_records_to_table("monthly_reports", schema_name="records", records=reports, columns=[
            "id", "person_id", "unit_id", "year", "month", "content", "achievements", "submitted_by",
            "submitted_at"])
        await conn.copy_records_to_table("leader_comments", schema_name="records", records=comments, columns=[
            "id", "target_kind", "target_id", "person_id", "unit_id", "leader", "mark", "comment"])
        await conn.copy_records_to_table("attendance", schema_name="records", records=days,
                                         columns=["person_id", "day", "unit_id", "status"])
        await conn.copy_records_to_table("tasks", schema_name="records", records=tasks, columns=[
            "id", "person_id", "unit_id", "title", "intensity", "difficulty", "quantity", "due_on", "supervised",
            "status", "progress", "lead_share", "created_by"])
        await conn.copy_records_to_table("task_co_owners", schema_name="records", records=co_owners,
                                         columns=["task_id", "person_id", "share"])
        await conn.execute("ANALYZE records.work_logs, records.attendance, records.leader_comments")
    finally:
        await conn.close()
    return sheet_days

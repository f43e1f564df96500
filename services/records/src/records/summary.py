"""Period summaries for scoring: a whole unit (or evaluation group) in one call."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Path
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from records.attendance.models import LEAVE, Attendance
from records.reports.models import LeaderComment, MonthlyReport
from records.roster.models import Assignment, Person, Unit
from records.roster.router import PeriodDep
from records.roster.service import get_region_or_raise, get_unit_or_raise
from records.tasks.models import Task
from records.work_logs.models import WorkLog
from records.work_logs.service import LOCAL
from shared.db import SessionDep
from shared.errors import NotFound
from shared.periods import Period
from shared.service_auth import Caller, CallerDep

router = APIRouter(prefix="/api/v1/records", tags=["summaries"])


class PersonSummary(BaseModel):
    person_id: uuid.UUID
    staff_no: str
    name: str
    unit_id: uuid.UUID
    section_id: uuid.UUID | None
    staff_category: str
    days_in_period: int
    weeks_due: int
    weeks_submitted: int
    weeks_on_time: int
    months_due: int
    monthly_reports: int
    mean_leader_mark: Decimal | None
    tasks: int
    task_load: Decimal
    task_completion: Decimal | None
    attendance: dict[str, int]
    leave_days_in_year: int


class PeriodSummary(BaseModel):
    period: str
    unit_ids: list[uuid.UUID]
    people: list[PersonSummary]


def mondays(start: date, end: date) -> int:
    """ISO weeks whose Monday falls between start and end (inclusive): the weekly records due."""
    if end < start:
        return 0
    first = start + timedelta(days=(7 - start.weekday()) % 7)
    return 0 if first > end else (end - first).days // 7 + 1


def _person(person_id: uuid.UUID, staff_no: str, name: str) -> dict[str, Any]:
    return {"person_id": person_id, "staff_no": staff_no, "name": name, "unit_id": None, "section_id": None,
            "staff_category": None, "days_in_period": 0, "weeks_due": 0, "weeks_submitted": 0, "weeks_on_time": 0,
            "months_due": 0, "monthly_reports": 0, "mean_leader_mark": None, "tasks": 0, "task_load": Decimal(0),
            "task_completion": None, "attendance": {}, "leave_days_in_year": 0}


async def summarise(session: AsyncSession, unit_ids: list[uuid.UUID], period: Period) -> dict[str, Any]:
    """Plain rows and dicts all the way: a province's group is 200,000 people."""
    placements = await session.execute(
        select(Person.id, Person.staff_no, Person.name, Assignment.unit_id, Assignment.section_id,
               Assignment.staff_category, Assignment.active_from, Assignment.active_to)
        .join(Person, Person.id == Assignment.person_id)
        .where(Assignment.unit_id.in_(unit_ids), Assignment.active_from <= period.end,
               (Assignment.active_to.is_(None)) | (Assignment.active_to >= period.start))
        .order_by(Person.staff_no, Assignment.active_from))
    people: dict[uuid.UUID, dict[str, Any]] = {}
    for person_id, staff_no, name, unit_id, section_id, category, active_from, active_to in placements:
        start = max(period.start, active_from)
        end = min(period.end, active_to or period.end)
        summary = people.get(person_id)
        if summary is None:
            summary = people[person_id] = _person(person_id, staff_no, name)
        # the latest placement in the period describes the person
        summary["unit_id"], summary["section_id"], summary["staff_category"] = unit_id, section_id, category
        summary["days_in_period"] += (end - start).days + 1
        summary["weeks_due"] += mondays(start, end)
        summary["months_due"] += (end.year - start.year) * 12 + end.month - start.month + 1
    if people:
        # People as a subquery, never as a list of parameters: a province is 200,000 of them.
        members = select(Assignment.person_id).where(Assignment.unit_id.in_(unit_ids)).scalar_subquery()
        first, last = period.start.isocalendar(), period.end.isocalendar()
        in_period = (WorkLog.iso_year * 100 + WorkLog.iso_week).between(first[0] * 100 + first[1],
                                                                        last[0] * 100 + last[1])
        # On time: by the end of the Monday after the week, Beijing time (see work_logs.service.on_time).
        due = func.to_date(func.concat(WorkLog.iso_year, "-", WorkLog.iso_week, "-7"), "IYYY-IW-ID") + 1
        local_day = func.date(func.timezone(LOCAL.key, WorkLog.submitted_at))
        logs = await session.execute(
            select(WorkLog.person_id, func.count(), func.count().filter(local_day <= due))
            .where(WorkLog.unit_id.in_(unit_ids), in_period).group_by(WorkLog.person_id))
        for person_id, submitted, timely in logs:
            if person_id in people:
                people[person_id]["weeks_submitted"] = submitted
                people[person_id]["weeks_on_time"] = timely
        month_in_period = (MonthlyReport.year * 100 + MonthlyReport.month).between(
            period.start.year * 100 + period.start.month, period.end.year * 100 + period.end.month)
        reports = await session.execute(
            select(MonthlyReport.person_id, func.count())
            .where(MonthlyReport.unit_id.in_(unit_ids), month_in_period).group_by(MonthlyReport.person_id))
        for person_id, count in reports:
            if person_id in people:
                people[person_id]["monthly_reports"] = count
        log_ids = select(WorkLog.id).where(WorkLog.unit_id.in_(unit_ids), in_period)
        report_ids = select(MonthlyReport.id).where(MonthlyReport.unit_id.in_(unit_ids), month_in_period)
        marks = await session.execute(
            select(LeaderComment.person_id, func.avg(LeaderComment.mark))
            .where(or_(and_(LeaderComment.target_kind == "work_log", LeaderComment.target_id.in_(log_ids)),
                       and_(LeaderComment.target_kind == "monthly_report", LeaderComment.target_id.in_(report_ids))))
            .group_by(LeaderComment.person_id))
        for person_id, mean in marks:
            if person_id in people:
                people[person_id]["mean_leader_mark"] = round(Decimal(mean), 2)
        load = Task.quantity * Task.intensity * Task.difficulty
        tasks = await session.execute(
            select(Task.person_id, func.count(), func.sum(load), func.sum(load * Task.progress) / func.sum(load))
            .where(Task.unit_id.in_(unit_ids), Task.status != "cancelled",
                   Task.due_on.between(period.start, period.end))
            .group_by(Task.person_id))
        for person_id, count, total_load, completion in tasks:
            if person_id in people:
                people[person_id]["tasks"] = count
                people[person_id]["task_load"] = Decimal(total_load).quantize(Decimal("0.0001"))
                people[person_id]["task_completion"] = round(Decimal(completion), 2)
        days = await session.execute(
            select(Attendance.person_id, Attendance.status, func.count())
            .where(Attendance.unit_id.in_(unit_ids), Attendance.day.between(period.start, period.end))
            .group_by(Attendance.person_id, Attendance.status).order_by(Attendance.person_id, Attendance.status))
        for person_id, status, count in days:
            if person_id in people:
                people[person_id]["attendance"][status] = count
        year = period.start.year
        leave = await session.execute(
            select(Attendance.person_id, func.count())
            .where(Attendance.person_id.in_(members), Attendance.status.in_(LEAVE),
                   Attendance.day.between(date(year, 1, 1), date(year, 12, 31)))
            .group_by(Attendance.person_id))
        for person_id, count in leave:
            if person_id in people:
                people[person_id]["leave_days_in_year"] = count
    return {"period": period.code, "unit_ids": unit_ids, "people": list(people.values())}


def _json(summary: dict[str, Any]) -> Response:
    return Response(orjson.dumps(summary, default=str), media_type="application/json")


@router.get("/units/{unit_id}/summary", response_model=PeriodSummary,
            summary="Per person: weekly records and monthly reports due / submitted, mean leader mark, "
                    "weighted task completion, attendance by status, leave in the year")
async def unit_summary(unit_id: uuid.UUID, period: PeriodDep, session: SessionDep, caller: CallerDep) -> Response:
    await get_unit_or_raise(session, unit_id, caller=caller)
    return _json(await summarise(session, [unit_id], period))


@router.get("/regions/{region_id}/groups/{group}/summary", response_model=PeriodSummary,
            summary="The same for an evaluation group: every unit of the region sharing it")
async def group_summary(region_id: uuid.UUID, group: Annotated[str, Path(max_length=64)], period: PeriodDep,
                        session: SessionDep, caller: CallerDep) -> Response:
    await _visible_region(session, caller, region_id)
    unit_ids = list(await session.scalars(select(Unit.id).where(Unit.region_id == region_id,
                                                                Unit.evaluation_group == group)))
    if not unit_ids:
        raise NotFound(f"no evaluation group {group!r} in region {region_id}", code="group_not_found")
    return _json(await summarise(session, unit_ids, period))


async def _visible_region(session: AsyncSession, caller: Caller, region_id: uuid.UUID) -> None:
    await get_region_or_raise(session, region_id, caller=caller)

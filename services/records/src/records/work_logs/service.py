"""Weekly work records: one per person per ISO week; editing goes through update."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from records import examples as ex
from records import scope
from records.changes import history
from records.errors import InvalidReference
from records.roster.models import Person
from records.roster.service import insert_or_existing, placement_during
from records.work_logs.models import WorkLog
from shared.business_time import business_day
from shared.errors import Conflict, NotFound
from shared.pagination import Key, PageQuery
from shared.periods import Period
from shared.service_auth import Caller

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


class WorkLogCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=ex.of(ex.WORK_LOG_CREATE))
    person_id: uuid.UUID
    week: str = Field(pattern=r"^\d{4}-W\d{2}$", examples=["2025-W03"],
                      description="ISO week (not one to come), e.g. 2025-W03",
                      json_schema_extra={"pattern": r"^20[0-9]{2}-W(0[1-9]|[1-4][0-9]|5[0-3])$"})
    content: str = Field(min_length=1, max_length=20_000)


class WorkLogUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=ex.of(ex.WORK_LOG_UPDATE))
    content: str = Field(min_length=1, max_length=20_000)
    reason: str | None = Field(default=None, max_length=500,
                               description="why the record is changed: required when the content changes")


class WorkLogRead(BaseModel):
    model_config = ConfigDict(json_schema_extra=ex.of(ex.WORK_LOG))
    id: uuid.UUID
    person_id: uuid.UUID
    unit_id: uuid.UUID
    week: str
    content: str
    submitted_at: datetime
    updated_at: datetime | None
    on_time: bool


def week_start(week: str) -> date:
    match = _WEEK.match(week)
    if not match:
        raise ValueError(f"{week!r} is not an ISO week like 2025-W03")
    return date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)


def on_time(iso_year: int, iso_week: int, submitted_at: datetime) -> bool:
    """Due by the end of the Monday after the week, local time (a weekend's grace)."""
    due = date.fromisocalendar(iso_year, iso_week, 7) + timedelta(days=1)
    return business_day(submitted_at) <= due


def read(log: WorkLog) -> WorkLogRead:
    return WorkLogRead(id=log.id, person_id=log.person_id, unit_id=log.unit_id,
                       week=f"{log.iso_year}-W{log.iso_week:02d}", content=log.content, submitted_at=log.submitted_at,
                       updated_at=log.updated_at, on_time=on_time(log.iso_year, log.iso_week, log.submitted_at))


async def valid_writer(session: AsyncSession, caller: Caller, person_id: uuid.UUID, first: date, last: date, *,
                       what: str, named: str) -> uuid.UUID:
    """The unit a new record of the person for days first..last belongs to (where they were then),
    if the caller may write it there: the person themself, or that unit's administrator."""
    await scope.valid_person_of_records(session, caller, person_id)
    placement = await placement_during(session, person_id, first, last)
    if placement is None:
        raise InvalidReference(f"the person is not on the roster in {named}",
                               errors=[{"field": f"body.{what}", "message": "outside the person's active range"}])
    unit = await scope.record_unit(session, placement.unit_id)
    scope.may_write_record(caller, person_id, unit, what=f"{what}'s record")
    return unit.id


def not_in_future(first: date, today: date, *, field: str, named: str) -> None:
    """A record of days that have not begun is refused: a week or month that has begun (its first
    day is today or before, in the regions' time zone) is not in the future."""
    if first > today:
        message = f"{named} has not begun (today is {today.isoformat()})"
        raise InvalidReference(f"a record cannot be made for a time to come: {message}",
                               errors=[{"field": field, "message": message}])


async def create(session: AsyncSession, body: WorkLogCreate, *, caller: Caller, today: date) -> WorkLogRead:
    try:
        monday = week_start(body.week)
    except ValueError as exc:
        raise InvalidReference(str(exc), errors=[{"field": "body.week", "message": str(exc)}]) from exc
    not_in_future(monday, today, field="body.week", named=body.week)
    unit_id = await valid_writer(session, caller, body.person_id, monday, monday + timedelta(days=6), what="week",
                                 named=body.week)
    year, week, _ = monday.isocalendar()
    log = WorkLog(id=uuid.uuid4(), person_id=body.person_id, unit_id=unit_id, iso_year=year, iso_week=week,
                  content=body.content, submitted_by=caller.subject)
    existing = await insert_or_existing(session, log, select(WorkLog.id).where(
        WorkLog.person_id == body.person_id, WorkLog.iso_year == year, WorkLog.iso_week == week))
    if existing is not None:
        raise Conflict(f"there is already a weekly record for {body.week}; change it with "
                       f"PATCH /api/v1/records/work-logs/{existing}", code="work_log_exists",
                       extra={"existing_id": str(existing)})
    return read(log)


async def update(session: AsyncSession, log_id: uuid.UUID, body: WorkLogUpdate, *, caller: Caller) -> WorkLogRead:
    log, unit = await scope.valid_record(session, caller, WorkLog, log_id,
                                         NotFound(f"no weekly record {log_id}", code="work_log_not_found"), lock=True)
    scope.may_write_record(caller, log.person_id, unit, what="weekly record")
    if not await history.keep(session, caller, kind="work_log", record=log,
                              day=date.fromisocalendar(log.iso_year, log.iso_week, 1), old={"content": log.content},
                              new={"content": body.content}, reason=history.reason_of(body.reason)):
        return read(log)
    log.content = body.content
    log.updated_at = datetime.now(UTC)
    await session.flush()
    return read(log)


async def list_logs(session: AsyncSession, page: PageQuery, *, caller: Caller, unit_id: uuid.UUID | None,
                    person_id: uuid.UUID | None, period: Period) -> tuple[list[WorkLogRead], int, Key]:
    if unit_id is None and person_id is None:
        raise InvalidReference("give unit_id or person_id",
                               errors=[{"field": "query.unit_id", "message": "unit_id or person_id is required"}])
    start, end = period.start.isocalendar(), period.end.isocalendar()
    week = WorkLog.iso_year * 100 + WorkLog.iso_week
    # A record belongs to the unit the person was in that week: one made elsewhere, before or
    # after a transfer, is not the caller's to see.
    where: list[ColumnElement[bool]] = [week.between(start[0] * 100 + start[1], end[0] * 100 + end[1]),
                                        scope.record_clause(caller, WorkLog)]
    await scope.narrow(session, caller, WorkLog, where, unit_id=unit_id, person_id=person_id)
    total = await session.scalar(select(func.count()).select_from(WorkLog).where(*where)) or 0
    rows, last = await page.fetch(session, select(WorkLog, Person.staff_no).join(Person, Person.id == WorkLog.person_id)
                                  .where(*where), [Person.staff_no, WorkLog.iso_year, WorkLog.iso_week, WorkLog.id],
                                  lambda r: (r[1], r[0].iso_year, r[0].iso_week, r[0].id))
    return [read(log) for log, _ in rows], total, last

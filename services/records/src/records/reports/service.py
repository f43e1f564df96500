"""Monthly reports and leader comments."""

from __future__ import annotations

import calendar
import re
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.json_schema import SkipJsonSchema
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from records import events, scope
from records import examples as ex
from records.changes import history
from records.errors import InvalidReference
from records.reports.models import LeaderComment, MonthlyReport
from records.roster.models import Unit
from records.roster.schemas import UNSET, left_out_or_set
from records.roster.service import insert_or_existing
from records.work_logs.models import WorkLog
from records.work_logs.service import not_in_future, valid_writer
from shared.errors import Conflict, Forbidden, NotFound
from shared.pagination import Page, PageQuery
from shared.service_auth import Caller

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class MonthlyReportCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=ex.of(ex.REPORT_CREATE))
    person_id: uuid.UUID
    month: str = Field(pattern=r"^\d{4}-\d{2}$", examples=["2025-03"], description="the month (not one to come)",
                       json_schema_extra={"pattern": r"^20[0-9]{2}-(0[1-9]|1[0-2])$"})
    content: str = Field(min_length=1, max_length=50_000)
    achievements: str | None = Field(default=None, max_length=20_000, description="declared by the 25th (Xiacun)")


class MonthlyReportUpdate(BaseModel):
    """Fields left out keep their value; ``achievements: null`` clears them."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=ex.of(ex.REPORT_UPDATE))
    content: Annotated[str, Field(min_length=1, max_length=50_000)] | SkipJsonSchema[None] = UNSET
    achievements: str | None = Field(default=None, max_length=20_000)
    reason: str | None = Field(default=None, max_length=500,
                               description="why the report is changed: required when a value changes")

    _not_null = field_validator("content")(left_out_or_set)


class MonthlyReportRead(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra=ex.of(ex.REPORT))
    id: uuid.UUID
    person_id: uuid.UUID
    unit_id: uuid.UUID
    year: int
    month: int
    content: str
    achievements: str | None
    submitted_at: datetime
    updated_at: datetime | None


class RecordCommentIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=ex.of(ex.COMMENT_IN))
    target_kind: Literal["work_log", "monthly_report"]
    target_id: uuid.UUID
    mark: Decimal = Field(ge=0, le=100, decimal_places=2, json_schema_extra={"multipleOf": 0.01})
    comment: str = Field(min_length=1, max_length=5_000)
    reason: str | None = Field(default=None, max_length=500,
                               description="why one's comment or mark is revised: required when either changes")


class CommentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra=ex.of(ex.COMMENT))
    id: uuid.UUID
    target_kind: str
    target_id: uuid.UUID
    person_id: uuid.UUID
    unit_id: uuid.UUID
    mark: Decimal
    comment: str
    created_at: datetime
    updated_at: datetime | None


class CommentPage(Page[CommentRead]):
    """The comments on a record, oldest first."""

    model_config = ConfigDict(json_schema_extra=ex.of(ex.listed(ex.COMMENT)))


def month_range(text: str) -> tuple[int, int, date, date]:
    match = _MONTH.match(text)
    month = int(match.group(2)) if match else 0
    if not match or not 1 <= month <= 12:
        raise ValueError(f"{text!r} is not a month like 2025-03")
    year = int(match.group(1))
    return year, month, date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


async def create_report(session: AsyncSession, body: MonthlyReportCreate, *, caller: Caller,
                        today: date) -> MonthlyReport:
    try:
        year, month, first, last = month_range(body.month)
    except ValueError as exc:
        raise InvalidReference(str(exc), errors=[{"field": "body.month", "message": str(exc)}]) from exc
    not_in_future(first, today, field="body.month", named=body.month)
    unit_id = await valid_writer(session, caller, body.person_id, first, last, what="month", named=body.month)
    report = MonthlyReport(id=uuid.uuid4(), person_id=body.person_id, unit_id=unit_id, year=year,
                           month=month, content=body.content, achievements=body.achievements,
                           submitted_by=caller.subject)
    existing = await insert_or_existing(session, report, select(MonthlyReport.id).where(
        MonthlyReport.person_id == body.person_id, MonthlyReport.year == year, MonthlyReport.month == month))
    if existing is not None:
        raise Conflict(f"there is already a monthly report for {body.month}; change it with "
                       f"PATCH /api/v1/records/monthly-reports/{existing}", code="monthly_report_exists",
                       extra={"existing_id": str(existing)})
    return report


async def update_report(session: AsyncSession, report_id: uuid.UUID, body: MonthlyReportUpdate, *,
                        caller: Caller) -> MonthlyReport:
    report, unit = await scope.valid_record(
        session, caller, MonthlyReport, report_id,
        NotFound(f"no monthly report {report_id}", code="monthly_report_not_found"), lock=True)
    scope.may_write_record(caller, report.person_id, unit, what="monthly report")
    values = body.model_dump(exclude_unset=True, exclude={"reason"})
    if not await history.keep(session, caller, kind="monthly_report", record=report,
                              day=date(report.year, report.month, 1),
                              old={field: getattr(report, field) for field in values}, new=values,
                              reason=history.reason_of(body.reason)):
        return report
    for field, value in values.items():
        setattr(report, field, value)
    report.updated_at = datetime.now(UTC)
    await session.flush()
    return report


def record_day(record: WorkLog | MonthlyReport) -> date:
    """The day a weekly record (its week's Monday) or a monthly report (its month's first) belongs to."""
    if isinstance(record, WorkLog):
        return date.fromisocalendar(record.iso_year, record.iso_week, 1)
    return date(record.year, record.month, 1)


async def _target(session: AsyncSession, caller: Caller, kind: str,
                  target_id: uuid.UUID) -> tuple[WorkLog | MonthlyReport, Unit]:
    """The record commented on, if the caller sees it (the unit it was made in, or their own)."""
    not_found = NotFound(f"no {kind} {target_id}", code="comment_target_not_found")
    if kind == "work_log":
        return await scope.valid_record(session, caller, WorkLog, target_id, not_found)
    return await scope.valid_record(session, caller, MonthlyReport, target_id, not_found)


async def comment(session: AsyncSession, body: RecordCommentIn, *, caller: Caller) -> LeaderComment:
    """A leader (or administrator) of the record's unit marks it; never one's own record."""
    target, unit = await _target(session, caller, body.target_kind, body.target_id)
    if caller.is_person(target.person_id):
        raise Forbidden("no one marks their own record")
    if not (scope.leads(caller) and scope.sees_unit(caller, unit)):
        raise Forbidden("leaders comment; members do not")
    mine = (LeaderComment.target_kind == body.target_kind, LeaderComment.target_id == body.target_id,
            LeaderComment.leader == caller.subject)
    values = {"id": uuid.uuid4(), "target_kind": body.target_kind, "target_id": body.target_id,
              "person_id": target.person_id, "unit_id": target.unit_id, "leader": caller.subject, "mark": body.mark,
              "comment": body.comment}
    # a first comment is written at once; one's own comment, there already (or written meanwhile),
    # is locked and revised, the revision kept with its reason
    await session.execute(insert(LeaderComment).values(**values).on_conflict_do_nothing(
        constraint="leader_comments_target_leader_key"))
    stored = await session.scalar(select(LeaderComment).where(*mine).with_for_update()
                                  .execution_options(populate_existing=True))
    assert stored is not None
    mark = body.mark.quantize(Decimal("0.01"))
    new = {"mark": mark, "comment": body.comment}
    revised = stored.id != values["id"]
    if revised and await history.keep(
            session, caller, kind="comment", record=stored, day=record_day(target),
            old={"mark": stored.mark, "comment": stored.comment}, new=new, reason=history.reason_of(body.reason)):
        stored.mark, stored.comment, stored.updated_at = mark, body.comment, datetime.now(UTC)
        await session.flush()
        revised = False  # a revision that changed something is news to the author too
    if not revised:
        period = (f"{target.iso_year}-W{target.iso_week:02d}" if isinstance(target, WorkLog)
                  else f"{target.year}-{target.month:02d}")
        await events.comment_added(session, target_kind=body.target_kind, target_id=body.target_id,
                                   person_id=target.person_id, period=period, mark=body.mark)
    return stored


async def comments_on(session: AsyncSession, target_kind: str, target_id: uuid.UUID, page: PageQuery, *,
                      caller: Caller) -> CommentPage:
    """Comments on a record; the person sees the marks and words, never who wrote them."""
    await _target(session, caller, target_kind, target_id)
    comments, last = await page.fetch(session, select(LeaderComment).where(
        LeaderComment.target_kind == target_kind, LeaderComment.target_id == target_id),
        [LeaderComment.created_at, LeaderComment.id], lambda c: (c.created_at, c.id), scalars=True)
    return page.page(CommentPage, [CommentRead.model_validate(c) for c in comments], last)

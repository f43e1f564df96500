"""The history of records' corrections (weekly records, monthly reports, comments and marks,
tasks), and when a period's records were last written (for scoring's stale results)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from records import examples as ex
from records import scope
from records.changes import history
from records.changes.latest import LatestWrites, latest_writes
from records.changes.models import RecordChange
from records.errors import InvalidReference, UnitNotFound
from records.reports.models import LeaderComment, MonthlyReport
from records.roster.models import Person, Unit
from records.roster.router import PeriodDep
from records.tasks.models import Task
from records.work_logs.models import WorkLog
from shared.db import SessionDep
from shared.errors import NotFound
from shared.labels import label_of
from shared.pagination import Page, PageDep
from shared.service_auth import Caller, CallerDep
from shared.touched import touch

router = APIRouter(prefix="/api/v1/records/changes", tags=["corrections"])

Kind = Literal["work_log", "monthly_report", "comment", "task"]


class RecordChangeRead(BaseModel):
    model_config = ConfigDict(json_schema_extra=ex.of(ex.RECORD_CHANGE))
    id: int
    kind: str = Field(description="work_log, monthly_report, comment (a leader's comment and mark) or task")
    kind_label: ClassVar[Any] = label_of("record_kind", "kind")
    record_id: uuid.UUID
    person_id: uuid.UUID
    staff_no: str
    name: str
    unit_id: uuid.UUID
    day: date = Field(description="the day the record belongs to: its week's Monday, its month's first day, the "
                                  "commented record's, the task's due day")
    old: dict[str, Any] = Field(description="the values changed, as they were")
    new: dict[str, Any] = Field(description="the same values, as they became")
    reason: str
    changed_by: str | None = Field(description="who changed it (not shown to the person a comment is about)")
    changed_at: datetime


class RecordChangePage(Page[RecordChangeRead]):
    """Corrections of records, newest first."""

    model_config = ConfigDict(json_schema_extra=ex.of(ex.page(ex.RECORD_CHANGE)))
    total: int


class RecordHistoryPage(Page[RecordChangeRead]):
    """The corrections of one record, newest first."""

    model_config = ConfigDict(json_schema_extra=ex.of(ex.listed(ex.RECORD_CHANGE)))


def _read(caller: Caller, change: RecordChange, person: Person) -> RecordChangeRead:
    hidden = change.kind == "comment" and caller.is_person(change.person_id)
    return RecordChangeRead(id=change.id, kind=change.kind, record_id=change.record_id, person_id=person.id,
                            staff_no=person.staff_no, name=person.name, unit_id=change.unit_id, day=change.day,
                            old=change.old, new=change.new, reason=change.reason,
                            changed_by=None if hidden else change.changed_by, changed_at=change.changed_at)


@router.get("", response_model=RecordChangePage,
            summary="List corrections of records")
async def list_record_changes(period: PeriodDep, session: SessionDep, caller: CallerDep,
                              unit_id: uuid.UUID | None = None, person_id: uuid.UUID | None = None,
                              kind: Kind | None = None, *, page: PageDep) -> RecordChangePage:
    """Each correction of a weekly record, monthly report, comment and mark, or task whose day is in the period, newest
    first, with the old and new values, who, when and why (attendance days: `/attendance/changes`); a page of the
    shared form (`limit`/`after`, `next`). Give one of `unit_id` and `person_id`; `kind` narrows to one kind of record.

    Callers: every signed-in role; a member sees the corrections of their own records, without who changed a
    comment. Errors: 404 for a unit or person outside the caller's scope; 422 `invalid_reference` when neither is
    given, `invalid_period`."""
    rows, total, last = await history.list_changes(session, page, caller=caller, unit_id=unit_id,
                                                   person_id=person_id, period=period, kind=kind)
    return page.page(RecordChangePage, [_read(caller, c, p) for c, p in rows], last, total=total)


@router.get("/latest", response_model=LatestWrites,
            summary="When a period's records were last written")
async def latest(period: PeriodDep, session: SessionDep, caller: CallerDep,
                 # at most 100 of each: a query string the HTTP server reads whole (its line ends at 16 KiB)
                 unit_id: Annotated[list[uuid.UUID] | None, Query(max_length=100)] = None,
                 region_id: uuid.UUID | None = None, group: Annotated[str | None, Query(max_length=64)] = None,
                 since: Annotated[list[datetime] | None, Query(max_length=100, description=(
                     "count the records written after each of these instants"))] = None) -> LatestWrites:
    """For the units (`unit_id`, repeated) or an evaluation group's (`region_id` and `group`): when the records a
    period's result is computed from were last written — attendance days in the period's dates, weekly records,
    monthly reports, comments and marks on them, tasks due in it, each counted once at its last write — and how many
    were written after each `since` instant. Scoring uses it to mark a result computed before a later write as
    stale.

    Callers: administrators and unit leaders. Errors: 404 `unit_not_found` or `group_not_found`; 422
    `invalid_reference` when neither `unit_id` nor `region_id` with `group` is given, `invalid_period`."""
    if unit_id:
        units = list(await session.scalars(select(Unit).where(Unit.id.in_(unit_id))))
        for unit in units:
            touch(region_id=unit.region_id, unit_id=unit.id)
        visible = {u.id for u in units if scope.sees_unit(caller, u)}
        missing = [u for u in unit_id if u not in visible]
        if missing:
            raise UnitNotFound(f"no unit {missing[0]}")
        ids = sorted(visible)
    elif region_id is not None and group is not None:
        await scope.valid_group(session, caller, region_id, group)
        ids = list(await session.scalars(select(Unit.id).where(Unit.region_id == region_id,
                                                               Unit.evaluation_group == group).order_by(Unit.id)))
    else:
        raise InvalidReference("give unit_id, or region_id and group", errors=[
            {"field": "query.unit_id", "message": "unit_id, or region_id and group, is required"}])
    return await latest_writes(session, ids, period, since or [])


@router.get("/{record_kind}/{record_id}", response_model=RecordHistoryPage,
            summary="History of one record")
async def record_history(record_kind: Kind, record_id: uuid.UUID, session: SessionDep,
                         caller: CallerDep, page: PageDep) -> RecordHistoryPage:
    """Every correction of one record (a weekly record, monthly report, comment or task), newest first; a page of the
    shared form (`limit`/`after`, `next`). The record is read with its own rules: who may see it sees its history.

    Callers: every signed-in role. Errors: 404 `record_not_found`, also for a record the caller may not see."""
    kind = str(record_kind)
    not_found = NotFound(f"no {kind.replace('_', ' ')} {record_id}", code="record_not_found")
    target_id, model = record_id, kind
    if kind == "comment":
        comment = await session.get(LeaderComment, record_id)
        if comment is None:
            raise not_found
        target_id, model = comment.target_id, comment.target_kind
    if model == "work_log":
        await scope.valid_record(session, caller, WorkLog, target_id, not_found)
    elif model == "monthly_report":
        await scope.valid_record(session, caller, MonthlyReport, target_id, not_found)
    else:
        await scope.valid_record(session, caller, Task, target_id, not_found)
    rows, last = await history.of_record(session, page, kind=kind, record_id=record_id)
    return page.page(RecordHistoryPage, [_read(caller, c, p) for c, p in rows], last)

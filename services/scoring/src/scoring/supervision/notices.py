"""Inspections and rectification notices (督导, 整改, 销号).

A region's organisation department (its administrators, and the province's) records an inspection
of one of its units and issues rectification notices to a unit: items, each with a deadline not
before the notice's issue day. The issue day is today, or a day given in ``issued_on`` (not in the
future, not before the inspection it follows): a notice issued on paper and recorded afterwards,
whose deadlines are then checked against the day it was issued, so an item may be overdue at once.
The unit's administrator answers an item (a response and evidence: text or links); the department
signs it off (销号) or returns it with a reason, and may close an item with a reason; nothing is
deleted. An item past its deadline and neither signed off nor closed is overdue. A unit's
administrators and leaders see their own unit's notices; another unit's is a 404, as is another
region's for a region's officers. "Today" is the procedure's clock (``scoring.procedure.clock``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any, Literal

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from scoring import events
from scoring.clients import Neighbours
from scoring.errors import RegionNotFound, bad_field, bad_reference
from scoring.scope import Scope, bad_rows
from scoring.supervision.models import FINAL, Inspection, Notice, NoticeItem
from scoring.supervision.schemas import (
    AnswerIn,
    DecisionIn,
    InspectionIn,
    InspectionPage,
    InspectionRead,
    ItemDue,
    ItemRead,
    NoticeIn,
    NoticeList,
    NoticeRead,
)
from shared import outbox
from shared.errors import Conflict, Forbidden, NotFound
from shared.pagination import PageQuery
from shared.touched import touch


class NoticeNotFound(NotFound):
    code = "notice_not_found"
    title = "No such rectification notice or item of yours"


class RectificationState(Conflict):
    code = "rectification_state"
    title = "The rectification item is not in a state this step takes"


# ------------------------------------------------------------------ who may


def officer_of(scope: Scope, region_id: uuid.UUID) -> None:
    """The region's officers (and the province's administrators); anyone else: no such region (404)."""
    touch(region_id=region_id)
    if not scope.caller.administers_region(region_id):
        raise RegionNotFound(f"no region {region_id} of yours")


async def _unit_in(neighbours: Neighbours, scope: Scope, region_id: uuid.UUID, unit_id: uuid.UUID,
                   field: str) -> None:
    if await neighbours.unit_region(unit_id, caller=scope.caller) != str(region_id):
        raise bad_reference(f"no unit {unit_id} of region {region_id} that you can see", field)


def _own_unit(scope: Scope, notice: Notice) -> bool:
    return scope.unit_regions.get(str(notice.unit_id)) == str(notice.region_id)


async def notice_or_404(session: AsyncSession, notice_id: uuid.UUID, scope: Scope, *,
                        act: Literal["read", "answer", "decide"] = "read") -> Notice:
    """A notice, for its region's officers and its unit's administrators and leaders; only the unit's
    administrators answer (403 for the rest who see it), only the officers decide (403)."""
    notice = await session.get(Notice, notice_id)
    if notice is None:
        raise NoticeNotFound(f"no rectification notice {notice_id}")
    touch(region_id=notice.region_id, unit_id=notice.unit_id)
    officer = scope.caller.administers_region(notice.region_id)
    own = _own_unit(scope, notice)
    if not (officer or own):
        raise NoticeNotFound(f"no rectification notice {notice_id}")
    if act == "answer" and not (own and "unit_admin" in scope.caller.roles):
        raise Forbidden("only the unit's administrator answers its rectification items")
    if act == "decide" and not officer:
        raise Forbidden("only the region's organisation department signs off or returns an item")
    return notice


# ------------------------------------------------------------------ inspections


async def record_inspection(session: AsyncSession, neighbours: Neighbours, region_id: uuid.UUID, body: InspectionIn,
                            scope: Scope, today: date) -> InspectionRead:
    officer_of(scope, region_id)
    await _unit_in(neighbours, scope, region_id, body.unit_id, "body.unit_id")
    if body.visited_on > today:
        raise bad_field(f"an inspection on {body.visited_on} has not happened yet (today is {today})",
                        "body.visited_on")
    inspection = Inspection(region_id=region_id, created_by=scope.caller.subject, **body.model_dump())
    session.add(inspection)
    await session.flush()
    return _inspection(inspection)


def _inspection(row: Inspection) -> InspectionRead:
    return InspectionRead(id=row.id, region_id=row.region_id, unit_id=row.unit_id, visited_on=row.visited_on,
                          team=row.team, findings=row.findings, created_by=row.created_by)


async def inspections(session: AsyncSession, region_id: uuid.UUID, unit_id: uuid.UUID | None,
                      scope: Scope, page: PageQuery) -> InspectionPage:
    officer_of(scope, region_id)
    query = select(Inspection).where(Inspection.region_id == region_id)
    if unit_id is not None:
        query = query.where(Inspection.unit_id == unit_id)
    rows, last = await page.fetch(session, query, [Inspection.visited_on, Inspection.created_at, Inspection.id],
                                  lambda r: (r.visited_on, r.created_at, r.id), descending=True, scalars=True)
    return page.page(InspectionPage, [_inspection(r) for r in rows], last)


# ------------------------------------------------------------------ notices


async def issue(session: AsyncSession, neighbours: Neighbours, region_id: uuid.UUID, body: NoticeIn, scope: Scope,
                today: date) -> NoticeRead:
    """The unit of the region (else a 422 ``invalid_reference``), issued today or on ``issued_on`` (not
    in the future), every item's deadline on or after that day (else a 422 naming each), the
    inspection (if named) of that unit (else ``invalid_reference``) and not after the issue day; then
    the notice, its items and an event to the unit."""
    officer_of(scope, region_id)
    await _unit_in(neighbours, scope, region_id, body.unit_id, "body.unit_id")
    issued_on = today if body.issued_on is None else body.issued_on
    if issued_on > today:
        raise bad_field(f"a notice issued on {issued_on} has not been issued yet (today is {today})",
                        "body.issued_on")
    past = [f"body.items.{i}.deadline" for i, item in enumerate(body.items) if item.deadline < issued_on]
    if past:
        raise bad_rows(f"a deadline before the notice's issue day ({issued_on})", past)
    if body.inspection_id is not None:
        inspection = await session.get(Inspection, body.inspection_id)
        if inspection is None or inspection.region_id != region_id or inspection.unit_id != body.unit_id:
            raise bad_reference(f"no inspection {body.inspection_id} of unit {body.unit_id}", "body.inspection_id")
        if inspection.visited_on > issued_on:
            raise bad_field(f"a notice issued on {issued_on}, before its inspection on {inspection.visited_on}",
                            "body.issued_on")
    notice = Notice(region_id=region_id, unit_id=body.unit_id, inspection_id=body.inspection_id, title=body.title,
                    issued_on=issued_on, issued_by=scope.caller.subject)
    session.add(notice)
    await session.flush()
    items = [NoticeItem(notice_id=notice.id, position=i + 1, text=item.text, deadline=item.deadline, state="open",
                        evidence=[], steps=[]) for i, item in enumerate(body.items)]
    session.add_all(items)
    await session.flush()
    await outbox.emit_to_units(session, events.EVENTS, [body.unit_id], kind="notice_issued",
                               payload={"notice_id": str(notice.id), "title": notice.title, "items": len(items),
                                        "first_deadline": min(i.deadline for i in items).isoformat()},
                               link=f"/api/v1/scoring/notices/{notice.id}")
    return _read(notice, items, today)


def _overdue(item: NoticeItem, today: date) -> int:
    return (today - item.deadline).days if item.state not in FINAL and item.deadline < today else 0


def _item(item: NoticeItem, today: date) -> ItemRead:
    late = _overdue(item, today)
    return ItemRead(id=item.id, position=item.position, text=item.text, deadline=item.deadline, state=item.state,
                    overdue=late > 0, days_overdue=late, response=item.response, evidence=item.evidence,
                    answered_on=item.answered_on, decided_on=item.decided_on, steps=item.steps)


def _read(notice: Notice, items: Sequence[NoticeItem], today: date) -> NoticeRead:
    shown = [_item(i, today) for i in sorted(items, key=lambda i: i.position)]
    return NoticeRead(id=notice.id, region_id=notice.region_id, unit_id=notice.unit_id,
                      inspection_id=notice.inspection_id, title=notice.title, issued_on=notice.issued_on,
                      issued_by=notice.issued_by, open_items=sum(1 for i in shown if i.state not in FINAL),
                      overdue_items=sum(1 for i in shown if i.overdue), items=shown)


async def listed(session: AsyncSession, where: Sequence[Any], today: date, page: PageQuery, *,
                 overdue: bool) -> NoticeList:
    """Notices matching ``where`` with their items, in two queries; with ``overdue``, only the
    notices with an overdue item, and only those items."""
    query = select(Notice).where(*where)
    late = (NoticeItem.state.not_in(FINAL)) & (NoticeItem.deadline < today)
    if overdue:
        query = query.where(exists().where(NoticeItem.notice_id == Notice.id, late))
    notices, last = await page.fetch(session, query, [Notice.issued_at, Notice.id], lambda n: (n.issued_at, n.id),
                                     descending=True, scalars=True)
    by_notice: dict[uuid.UUID, list[NoticeItem]] = {n.id: [] for n in notices}
    if notices:
        item_query = select(NoticeItem).where(NoticeItem.notice_id.in_(list(by_notice)))
        for item in await session.scalars(item_query.where(late) if overdue else item_query):
            by_notice[item.notice_id].append(item)
    return page.page(NoticeList, [_read(n, by_notice[n.id], today) for n in notices], last, today=today)


async def of_region(session: AsyncSession, region_id: uuid.UUID, unit_id: uuid.UUID | None, scope: Scope,
                    today: date, page: PageQuery, *, overdue: bool) -> NoticeList:
    officer_of(scope, region_id)
    where = [Notice.region_id == region_id] + ([] if unit_id is None else [Notice.unit_id == unit_id])
    return await listed(session, where, today, page, overdue=overdue)


async def of_unit(session: AsyncSession, neighbours: Neighbours, unit_id: uuid.UUID, scope: Scope, today: date,
                  page: PageQuery, *, overdue: bool) -> NoticeList:
    """A unit's notices: for its own administrators and leaders, and its region's officers."""
    region = scope.unit_regions.get(str(unit_id))
    if region is None:
        found = await neighbours.unit_region(unit_id)
        if found is None or not scope.caller.administers_region(found):
            touch(unit_id=unit_id)
            raise NoticeNotFound(f"no unit {unit_id} of yours")
        region = found
    touch(region_id=region, unit_id=unit_id)
    return await listed(session, [Notice.unit_id == unit_id, Notice.region_id == uuid.UUID(region)], today, page,
                        overdue=overdue)


async def items_due(session: AsyncSession, unit_id: uuid.UUID, today: date) -> list[ItemDue]:
    """The unit's items open or returned (one query), the earliest deadline first."""
    rows = await session.execute(
        select(Notice.id, Notice.title, NoticeItem).join(NoticeItem, NoticeItem.notice_id == Notice.id)
        .where(Notice.unit_id == unit_id, NoticeItem.state.in_(("open", "returned")))
        .order_by(NoticeItem.deadline, Notice.issued_at, NoticeItem.position))
    return [ItemDue(notice_id=notice_id, notice_title=title, item_id=item.id, position=item.position, text=item.text,
                    deadline=item.deadline, state=item.state, overdue=item.deadline < today)
            for notice_id, title, item in rows]


async def one(session: AsyncSession, notice_id: uuid.UUID, scope: Scope, today: date) -> NoticeRead:
    notice = await notice_or_404(session, notice_id, scope)
    return _read(notice, list(await session.scalars(select(NoticeItem).where(NoticeItem.notice_id == notice.id))),
                 today)


async def _item_of(session: AsyncSession, notice: Notice, item_id: uuid.UUID) -> NoticeItem:
    item = await session.get(NoticeItem, item_id, with_for_update=True)
    if item is None or item.notice_id != notice.id:
        raise NoticeNotFound(f"notice {notice.id} has no item {item_id}")
    return item


def _step(item: NoticeItem, action: str, by: str, today: date, **what: Any) -> None:
    item.steps = [*item.steps, {"action": action, "on": today.isoformat(), "by": by, **what}]


async def answer(session: AsyncSession, notice_id: uuid.UUID, item_id: uuid.UUID, body: AnswerIn, scope: Scope,
                 today: date) -> NoticeRead:
    """The unit's response and evidence: to an open or returned item, or again before it is decided."""
    notice = await notice_or_404(session, notice_id, scope, act="answer")
    item = await _item_of(session, notice, item_id)
    if item.state in FINAL:
        raise RectificationState(f"item {item.position} is {item.state}: nothing more to answer",
                                 extra={"state": item.state})
    item.state, item.response, item.evidence, item.answered_on = "answered", body.response, body.evidence, today
    _step(item, "answer", scope.caller.subject, today, response=body.response, evidence=body.evidence)
    await session.flush()
    return await one(session, notice_id, scope, today)


async def decide(session: AsyncSession, notice_id: uuid.UUID, item_id: uuid.UUID, body: DecisionIn, scope: Scope,
                 today: date) -> NoticeRead:
    """Sign off (销号) or return an answered item; close any unfinished item. A return or a close
    names its reason (422 naming body.reason without one)."""
    notice = await notice_or_404(session, notice_id, scope, act="decide")
    if body.decision != "sign_off" and body.reason is None:
        raise bad_field(f"a {body.decision} needs its reason", "body.reason")
    item = await _item_of(session, notice, item_id)
    wanted = ("answered",) if body.decision in ("sign_off", "return") else ("open", "answered", "returned")
    if item.state not in wanted:
        raise RectificationState(f"item {item.position} is {item.state}: only an item {' or '.join(wanted)} "
                                 f"takes a {body.decision}", extra={"state": item.state})
    item.state = {"sign_off": "signed_off", "return": "returned", "close": "closed"}[body.decision]
    item.decided_on = today
    _step(item, body.decision, scope.caller.subject, today, reason=body.reason)
    await session.flush()
    return await one(session, notice_id, scope, today)

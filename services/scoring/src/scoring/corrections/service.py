"""Corrections of a period's hand-given inputs, each with a reason and kept in the period's
changes: a bonus or deduction item or a negative-list event amended or voided (a voided one is
kept, flagged, and left out of every close), a mark voided. A result already computed, published
or not, stays as it was and shows as stale; closing again makes a new version."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from scoring.corrections import history
from scoring.corrections.schemas import AdjustmentUpdate, ChangePage, ChangeRead, NegativeEventUpdate
from scoring.errors import (
    AdjustmentNotFound,
    AlreadyVoided,
    InputInvalid,
    MarkNotFound,
    NegativeEventNotFound,
)
from scoring.models import AdjustmentRow, Close, InputChange, Mark, NegativeEvent
from scoring.schemes.service import adjustment_values, rules_of, within_caps
from scoring.scope import Scope, scheme_of_input_or_404, scheme_or_404
from shared.pagination import PageQuery
from shared.periods import Period


def _bad(message: str, field: str) -> InputInvalid:
    return InputInvalid(message, errors=[{"field": field, "message": message}])


def _event_values(row: NegativeEvent) -> dict[str, Any]:
    return {"item": row.item, "note": row.note}


async def _locked(session: AsyncSession, model: type[AdjustmentRow] | type[NegativeEvent], row_id: uuid.UUID,
                  scope: Scope, missing: Exception, what: str) -> Any:
    """The item or event, locked, for its scheme's managers; a voided one is a 409."""
    row: Any = await session.scalar(select(model).where(model.id == row_id).with_for_update())
    if row is None:
        raise missing
    await scheme_of_input_or_404(session, row.scheme_id, scope, missing=missing)
    if row.voided_at is not None:
        raise AlreadyVoided(f"{what} {row_id} was voided at {row.voided_at.isoformat()}")
    return row


async def _adjustment(session: AsyncSession, adjustment_id: uuid.UUID, scope: Scope) -> AdjustmentRow:
    row: AdjustmentRow = await _locked(session, AdjustmentRow, adjustment_id, scope,
                                       AdjustmentNotFound(f"no bonus or deduction item {adjustment_id}"), "item")
    return row


async def _event(session: AsyncSession, event_id: uuid.UUID, scope: Scope) -> NegativeEvent:
    row: NegativeEvent = await _locked(session, NegativeEvent, event_id, scope,
                                       NegativeEventNotFound(f"no negative-list event {event_id}"), "event")
    return row


async def void_adjustment(session: AsyncSession, adjustment_id: uuid.UUID, reason: str,
                          scope: Scope) -> AdjustmentRow:
    row = await _adjustment(session, adjustment_id, scope)
    by = scope.caller.subject
    await session.execute(update(AdjustmentRow).where(AdjustmentRow.id == row.id)
                          .values(voided_at=func.now(), voided_by=by, void_reason=reason))
    await history.record(session, scheme_id=row.scheme_id, period=row.period, kind="adjustment", action="void",
                         changes=[(row.id, row.person_id, adjustment_values(row), None)], reason=reason, by=by)
    await session.refresh(row)
    return row


async def amend_adjustment(session: AsyncSession, adjustment_id: uuid.UUID, body: AdjustmentUpdate,
                           scope: Scope) -> AdjustmentRow:
    """Checked as a new item would be: the item in the scheme's catalogue (its latest version), and,
    under ``over_cap: refuse``, within the caps (counting the person's other items, not this one)."""
    row = await _adjustment(session, adjustment_id, scope)
    _, rules = await rules_of(session, row.scheme_id)
    code = body.item if body.item is not None else row.item
    item = rules.items.get(code)
    if item is None:
        raise _bad(f"{code!r} is not in the scheme's catalogue ({', '.join(sorted(rules.items)) or 'empty'})",
                   "body.item")
    points = body.points if body.points is not None else abs(row.points)
    if rules.caps.over_cap == "refuse":
        await within_caps(session, row.scheme_id, row.period, row.person_id, code, points, rules,
                          leaving_out=row.id)
    old = adjustment_values(row)
    new = {"item": code, "points": points if item.direction == "bonus" else -points,
           "evidence": body.evidence if body.evidence is not None else row.evidence,
           "approved_by": body.approved_by if body.approved_by is not None else row.approved_by}
    if (code, new["points"], new["evidence"], new["approved_by"]) == (row.item, row.points, row.evidence,
                                                                        row.approved_by):
        raise _bad("nothing changes: the item already has these values", "body")
    await session.execute(update(AdjustmentRow).where(AdjustmentRow.id == row.id).values(**new))
    await session.refresh(row)
    await history.record(session, scheme_id=row.scheme_id, period=row.period, kind="adjustment", action="amend",
                         changes=[(row.id, row.person_id, old, adjustment_values(row))], reason=body.reason,
                         by=scope.caller.subject)
    return row


async def void_event(session: AsyncSession, event_id: uuid.UUID, reason: str, scope: Scope) -> NegativeEvent:
    row = await _event(session, event_id, scope)
    by = scope.caller.subject
    await session.execute(update(NegativeEvent).where(NegativeEvent.id == row.id)
                          .values(voided_at=func.now(), voided_by=by, void_reason=reason))
    await history.record(session, scheme_id=row.scheme_id, period=row.period, kind="negative_event",
                         action="void", changes=[(row.id, row.person_id, _event_values(row), None)], reason=reason,
                         by=by)
    await session.refresh(row)
    return row


async def amend_event(session: AsyncSession, event_id: uuid.UUID, body: NegativeEventUpdate,
                      scope: Scope) -> NegativeEvent:
    """The item must be on the scheme's negative list (its latest version)."""
    row = await _event(session, event_id, scope)
    _, rules = await rules_of(session, row.scheme_id)
    code = body.item if body.item is not None else row.item
    if code not in rules.negative:
        raise _bad(f"{code!r} is not on the scheme's negative list ({', '.join(sorted(rules.negative)) or 'empty'})",
                   "body.item")
    old = _event_values(row)
    new = {"item": code, "note": body.note if body.note is not None else row.note}
    if new == old:
        raise _bad("nothing changes: the event already has these values", "body")
    await session.execute(update(NegativeEvent).where(NegativeEvent.id == row.id).values(**new))
    await session.refresh(row)
    await history.record(session, scheme_id=row.scheme_id, period=row.period, kind="negative_event",
                         action="amend", changes=[(row.id, row.person_id, old, new)], reason=body.reason,
                         by=scope.caller.subject)
    return row


async def void_mark(session: AsyncSession, scheme_id: uuid.UUID, period: Period, person_id: uuid.UUID,
                    indicator: str, reason: str, scope: Scope) -> ChangeRead:
    """The mark is taken away (the person is then without it, as if never marked); the history
    keeps its value, who gave it, who took it away and why."""
    await scheme_or_404(session, scheme_id, scope)
    found = (await session.execute(
        delete(Mark).where(Mark.scheme_id == scheme_id, Mark.period == period.code, Mark.person_id == person_id,
                           Mark.indicator == indicator).returning(Mark.mark, Mark.marked_by))).first()
    if found is None:
        last = await session.scalar(select(InputChange).where(
            InputChange.scheme_id == scheme_id, InputChange.period == period.code, InputChange.kind == "mark",
            InputChange.person_id == person_id, InputChange.old["indicator"].astext == indicator)
            .order_by(InputChange.serial.desc()).limit(1))
        if last is not None and last.action == "void":
            raise AlreadyVoided(f"the mark of {person_id} on {indicator!r} was taken away at "
                                f"{last.changed_at.isoformat()}")
        raise MarkNotFound(f"no mark of {person_id} on {indicator!r} in {period.code} under scheme {scheme_id}")
    serial = await history.record(
        session, scheme_id=scheme_id, period=period.code, kind="mark", action="void",
        changes=[(None, person_id, {"indicator": indicator, "mark": str(found[0]), "marked_by": found[1]}, None)],
        reason=reason, by=scope.caller.subject)
    change = await session.scalar(select(InputChange).where(
        InputChange.scheme_id == scheme_id, InputChange.period == period.code, InputChange.serial == serial))
    assert change is not None
    return ChangeRead.model_validate(change)


async def list_changes(session: AsyncSession, scheme_id: uuid.UUID, period: Period, scope: Scope, page: PageQuery,
                       *, kind: str | None, person_id: uuid.UUID | None, close_id: uuid.UUID | None) -> ChangePage:
    """The period's changes, oldest first; with ``close_id`` (a version of this scheme and period)
    only those made after that version was computed."""
    await scheme_or_404(session, scheme_id, scope)
    where = [InputChange.scheme_id == scheme_id, InputChange.period == period.code]
    if kind is not None:
        where.append(InputChange.kind == kind)
    if person_id is not None:
        where.append(InputChange.person_id == person_id)
    if close_id is not None:
        close = await session.get(Close, close_id)
        if close is None or (close.scheme_id, close.period) != (scheme_id, period.code):
            raise _bad(f"no result version {close_id} of {period.code} under this scheme", "query.close_id")
        serial, created_at = await history.since(session, close)
        where.append(InputChange.serial > serial if serial is not None else InputChange.changed_at > created_at)
    total = await session.scalar(select(func.count()).select_from(InputChange).where(*where)) or 0
    rows, last = await page.fetch(session, select(InputChange).where(*where),
                                  [InputChange.serial, InputChange.changed_at, InputChange.id],
                                  lambda r: (r.serial, r.changed_at, r.id), scalars=True)
    return page.page(ChangePage, [ChangeRead.model_validate(r) for r in rows], last, total=total)

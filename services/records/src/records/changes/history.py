"""The history of weekly records, monthly reports, leaders' comments and marks, and tasks: a
correction of any of them must say why, and its old and new values, who, when and why are kept,
read with the same scope as the records themselves (as attendance's, records.attendance.history)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from records import scope
from records.changes.models import RecordChange
from records.errors import InvalidReference, ReasonRequired
from records.roster.models import Person
from shared.pagination import Key, PageQuery
from shared.periods import Period
from shared.service_auth import Caller


def reason_of(text: str | None) -> str | None:
    return (text or "").strip() or None


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


async def keep(session: AsyncSession, caller: Caller, *, kind: str, record: Any, day: date,
               old: dict[str, Any], new: dict[str, Any], reason: str | None) -> bool:
    """Keep the change of ``record`` (with its ``person_id`` and ``unit_id``) from ``old`` to ``new``
    (only the fields that differ); False if nothing changes. A change without a reason is refused
    before anything is written (422 naming body.reason)."""
    before = {k: _json(v) for k, v in old.items() if _json(new[k]) != _json(v)}
    if not before:
        return False
    if reason is None:
        raise ReasonRequired(f"the {kind.replace('_', ' ')} would change ({', '.join(before)}): say why",
                             errors=[{"field": "body.reason", "message": "required when the call changes a record"}])
    session.add(RecordChange(kind=kind, record_id=record.id, person_id=record.person_id, unit_id=record.unit_id,
                             day=day, old=before, new={k: _json(new[k]) for k in before}, reason=reason,
                             changed_by=caller.subject))
    return True


async def list_changes(session: AsyncSession, page: PageQuery, *, caller: Caller, unit_id: uuid.UUID | None,
                       person_id: uuid.UUID | None, period: Period,
                       kind: str | None) -> tuple[list[tuple[RecordChange, Person]], int, Key]:
    """Changes of the records of ``period`` (by the day the record belongs to, not the day of the
    change), newest first; a change belongs to the record's unit."""
    extra = [RecordChange.kind == kind] if kind is not None else []
    return await scoped_changes(session, RecordChange, page, caller=caller, unit_id=unit_id, person_id=person_id,
                                period=period, extra=extra)


async def scoped_changes(session: AsyncSession, model: Any, page: PageQuery, *, caller: Caller,
                         unit_id: uuid.UUID | None, person_id: uuid.UUID | None, period: Period,
                         extra: list[Any]) -> tuple[list[tuple[Any, Person]], int, Key]:
    """A page of a history table (``model``: a change with its ``day``, ``unit_id``, ``person_id``,
    ``changed_at``) of a unit or a person, by the day changed within ``period``, newest first, with
    the same scope as the records it keeps (attendance's and the other records' alike)."""
    if unit_id is None and person_id is None:
        raise InvalidReference("give unit_id or person_id", errors=[{"field": "query.unit_id",
                                                                      "message": "unit_id or person_id is required"}])
    where = [model.day >= period.start, model.day <= period.end, scope.record_clause(caller, model), *extra]
    await scope.narrow(session, caller, model, where, unit_id=unit_id, person_id=person_id)
    total = await session.scalar(select(func.count()).select_from(model).where(*where)) or 0
    rows, last = await page.fetch(session,
                                  select(model, Person).join(Person, Person.id == model.person_id).where(*where),
                                  [model.changed_at, model.id], lambda r: (r[0].changed_at, r[0].id), descending=True)
    return [(c, p) for c, p in rows], total, last


async def of_record(session: AsyncSession, page: PageQuery, *, kind: str,
                    record_id: uuid.UUID) -> tuple[list[tuple[RecordChange, Person]], Key]:
    """The changes of one record (the caller checked: it sees the record), newest first."""
    rows, last = await page.fetch(
        session, select(RecordChange, Person).join(Person, Person.id == RecordChange.person_id)
        .where(RecordChange.kind == kind, RecordChange.record_id == record_id),
        [RecordChange.changed_at, RecordChange.id], lambda r: (r[0].changed_at, r[0].id), descending=True)
    return [(c, p) for c, p in rows], last

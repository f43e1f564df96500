"""The history of attendance days: every change of a recorded day's status or note, who made
it, when and why, read with the same scope as the days themselves."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from records import scope
from records.attendance.models import AttendanceChange
from records.errors import InvalidReference
from records.roster.models import Person
from shared.periods import Period
from shared.service_auth import Caller


async def list_changes(session: AsyncSession, *, caller: Caller, unit_id: uuid.UUID | None,
                       person_id: uuid.UUID | None, period: Period, limit: int,
                       offset: int) -> tuple[list[tuple[AttendanceChange, Person]], int]:
    """Changes of the days of ``period`` (by the day changed, not the day of the change), newest
    first. A change belongs to the unit of its day: the listing's rules apply unchanged."""
    if unit_id is None and person_id is None:
        raise InvalidReference("give unit_id or person_id", errors=[{"field": "query.unit_id",
                                                                      "message": "unit_id or person_id is required"}])
    where = [AttendanceChange.day >= period.start, AttendanceChange.day <= period.end,
             scope.record_clause(caller, AttendanceChange)]
    if unit_id is not None:
        await scope.valid_unit(session, caller, unit_id)
        where.append(AttendanceChange.unit_id == unit_id)
    if person_id is not None:
        await scope.valid_person_of_records(session, caller, person_id)
        where.append(AttendanceChange.person_id == person_id)
    total = await session.scalar(select(func.count()).select_from(AttendanceChange).where(*where)) or 0
    rows = await session.execute(
        select(AttendanceChange, Person).join(Person, Person.id == AttendanceChange.person_id).where(*where)
        .order_by(AttendanceChange.changed_at.desc(), AttendanceChange.id.desc()).limit(limit).offset(offset))
    return [(c, p) for c, p in rows], total

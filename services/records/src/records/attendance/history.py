"""The history of attendance days: every change of a recorded day's status or note, who made
it, when and why, read with the same scope as the days themselves."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from records.attendance.models import AttendanceChange
from records.changes.history import scoped_changes
from records.roster.models import Person
from shared.pagination import Key, PageQuery
from shared.periods import Period
from shared.service_auth import Caller


async def list_changes(session: AsyncSession, page: PageQuery, *, caller: Caller, unit_id: uuid.UUID | None,
                       person_id: uuid.UUID | None, period: Period) -> tuple[list[tuple[AttendanceChange, Person]], int,
                                                                              Key]:
    """Changes of the days of ``period`` (by the day changed, not the day of the change), newest
    first. A change belongs to the unit of its day: the listing's rules apply unchanged."""
    return await scoped_changes(session, AttendanceChange, page, caller=caller, unit_id=unit_id, person_id=person_id,
                                period=period, extra=[])

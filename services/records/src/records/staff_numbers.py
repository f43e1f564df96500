"""Staff numbers a spreadsheet turned into numbers: 000123 arrives as 123.

A region that sets its staff-number width (``PUT /regions/{id}/settings``) has such numbers padded back
with zeros on import. Without it, a number that came from a numeric cell and matches nobody is refused
saying why, rather than taken for someone new.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from records.roster.models import Assignment, Person, Region, Unit
from shared.row_errors import Reason


def was_number(value: Any) -> bool:
    """The cell came from a spreadsheet as a number (not text)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def nobody(value: Any, staff_no: str) -> Reason:
    """Why a staff number that matches nobody the caller manages is refused (``value``: the cell)."""
    return Reason("unknown_staff_no_lost_zeros", value=staff_no) if was_number(value) else Reason("unknown_staff_no")


def padded(staff_no: str, width: int | None) -> str:
    """All digits and shorter than the region's width: padded back with zeros."""
    if width and len(staff_no) < width and staff_no.isdigit():
        return staff_no.zfill(width)
    return staff_no


async def widths(session: AsyncSession) -> set[int]:
    """The staff-number widths regions have set (few)."""
    found = await session.scalars(select(Region.staff_no_width).where(Region.staff_no_width.is_not(None)).distinct())
    return {w for w in found if w is not None}


async def stored_numbers(session: AsyncSession, staff_nos: Iterable[str], known: set[int]) -> dict[str, str]:
    """For each all-digit staff number shorter than a region's width (``known``: see ``widths``), the padded
    number of a person of a region with that width, where there is one."""
    candidates = {padded(s, w): (s, w) for s in staff_nos if s.isdigit() for w in known if len(s) < w}
    if not candidates:
        return {}
    rows = await session.execute(
        select(Person.staff_no, Region.staff_no_width).join(Assignment, Assignment.person_id == Person.id)
        .join(Unit, Unit.id == Assignment.unit_id).join(Region, Region.id == Unit.region_id)
        .where(Person.staff_no.in_(candidates)))
    return {candidates[stored][0]: stored for stored, width in rows if candidates[stored][1] == width}

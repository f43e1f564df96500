"""The honours ledger (荣誉台账): honours and commendations recorded once, with their evidence,
for scoring's bonus points and quota's township points to be read from instead of keyed in.

An honour is authorised as a record of its unit (see ``records.scope``): a unit's own honour by
that unit, a person's by the unit they were placed in on the day it was awarded (a transfer
neither takes it with them nor leaves it to be changed by the next unit); the person sees their own.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import ColumnElement, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from records import scope
from records.errors import InvalidReference
from records.honours.models import Honour
from records.honours.schemas import HonourCreate, HonourRead, HonourVoidIn
from records.roster.models import Unit
from records.roster.service import placement_during
from shared.business_time import business_today
from shared.errors import Conflict, Forbidden, NotFound
from shared.pagination import Key, PageQuery
from shared.service_auth import Caller


def today() -> date:
    return business_today()


def _bad(field: str, message: str, detail: str) -> InvalidReference:
    return InvalidReference(detail, errors=[{"field": f"body.{field}", "message": message}])


async def _unit_of(session: AsyncSession, caller: Caller, body: HonourCreate) -> Unit:
    """The unit the honour belongs to, if the caller manages it: the unit named, or the person's
    on the day of the award. Named in the body, what the caller does not see is a 422."""
    if (body.person_id is None) == (body.unit_id is None):
        raise _bad("person_id", "give person_id or unit_id, exactly one",
                   "an honour is a person's or a unit's: give exactly one of person_id and unit_id")
    if body.unit_id is not None:
        unit = await session.get(Unit, body.unit_id)
        if unit is None or not scope.sees_unit(caller, unit):
            raise _bad("unit_id", "no such unit", f"unit {body.unit_id} does not exist")
    else:
        assert body.person_id is not None
        placement = await placement_during(session, body.person_id, body.awarded_on, body.awarded_on)
        if placement is None:
            ever = await placement_during(session, body.person_id, date.min, date.max)
            if ever is None or not scope.sees_unit(caller, await scope.record_unit(session, ever.unit_id)):
                raise _bad("person_id", "no such person", f"person {body.person_id} does not exist")
            raise _bad("awarded_on", "the person was not placed in a unit that day",
                       f"person {body.person_id} was not on the roster on {body.awarded_on}")
        unit = await scope.record_unit(session, placement.unit_id)
        if not scope.sees_unit(caller, unit):
            raise _bad("person_id", "no such person in the units you see",
                       f"person {body.person_id} was placed in a unit you do not see on {body.awarded_on}")
    if not scope.manages(caller):
        raise Forbidden("honours are recorded by the unit's administrator")
    return unit


async def create(session: AsyncSession, body: HonourCreate, *, caller: Caller) -> HonourRead:
    if not scope.manages(caller):
        raise Forbidden("honours are recorded by the unit's administrator")
    if body.awarded_on > today():
        raise _bad("awarded_on", "after today", f"an honour awarded on {body.awarded_on} is in the future")
    unit = await _unit_of(session, caller, body)
    honour = Honour(id=uuid.uuid4(), person_id=body.person_id, unit_id=unit.id, title=body.title, level=body.level,
                    awarded_on=body.awarded_on, awarded_by=body.awarded_by, evidence=body.evidence,
                    recorded_by=caller.subject)
    session.add(honour)
    await session.flush()
    await session.refresh(honour)
    return HonourRead.model_validate(honour)


async def _honour_or_raise(session: AsyncSession, caller: Caller, honour_id: uuid.UUID) -> tuple[Honour, Unit]:
    honour = await session.get(Honour, honour_id)
    not_found = NotFound(f"no honour {honour_id}", code="honour_not_found")
    if honour is None:
        raise not_found
    unit = await scope.record_unit(session, honour.unit_id)
    if not (scope.sees_unit(caller, unit) or (honour.person_id is not None and caller.is_person(honour.person_id))):
        raise not_found
    return honour, unit


async def read(session: AsyncSession, honour_id: uuid.UUID, *, caller: Caller) -> HonourRead:
    honour, _unit = await _honour_or_raise(session, caller, honour_id)
    return HonourRead.model_validate(honour)


async def void(session: AsyncSession, honour_id: uuid.UUID, body: HonourVoidIn, *, caller: Caller) -> HonourRead:
    """Voided, not deleted: the honour is kept with who voided it and why, and no longer counts."""
    honour, unit = await _honour_or_raise(session, caller, honour_id)
    if not scope.manages_unit(caller, unit):
        raise Forbidden("an honour is voided by its unit's administrator")
    if honour.voided_at is not None:
        raise Conflict(f"honour {honour_id} is voided already", code="honour_voided")
    honour.voided_at, honour.voided_by, honour.void_reason = datetime.now(UTC), caller.subject, body.reason
    await session.flush()
    return HonourRead.model_validate(honour)


def _visible(caller: Caller) -> ColumnElement[bool]:
    """The honours the caller sees: those of units they see, and their own."""
    if caller.is_province_wide:
        return true()
    in_units = Honour.unit_id.in_(scope.visible_units(caller))
    try:
        own = uuid.UUID(caller.person_id) if caller.person_id else None
    except ValueError:
        own = None
    return or_(in_units, Honour.person_id == own) if own is not None else in_units


async def list_honours(session: AsyncSession, page: PageQuery, *, caller: Caller, region_id: uuid.UUID | None,
                       unit_id: uuid.UUID | None, person_id: uuid.UUID | None, first: date | None, last: date | None,
                       include_voided: bool) -> tuple[list[HonourRead], int, Key]:
    """Honours awarded from ``first`` to ``last`` (either open), of a region's units and people, of a
    unit (its own and its people's, as of the day of each award) or of a person; in award order."""
    if region_id is None and unit_id is None and person_id is None:
        raise InvalidReference("give region_id, unit_id or person_id",
                               errors=[{"field": "query.region_id", "message": "region_id, unit_id or person_id "
                                                                               "is required"}])
    where: list[ColumnElement[bool]] = [_visible(caller)]
    if region_id is not None:
        await scope.valid_region(session, caller, region_id)
        where.append(Honour.unit_id.in_(select(Unit.id).where(Unit.region_id == region_id)))
    await scope.narrow(session, caller, Honour, where, unit_id=unit_id, person_id=person_id)
    if first is not None:
        where.append(Honour.awarded_on >= first)
    if last is not None:
        where.append(Honour.awarded_on <= last)
    if not include_voided:
        where.append(Honour.voided_at.is_(None))
    total = await session.scalar(select(func.count()).select_from(Honour).where(*where)) or 0
    rows, after = await page.fetch(session, select(Honour).where(*where), [Honour.awarded_on, Honour.id],
                                   lambda h: (h.awarded_on, h.id), scalars=True)
    return [HonourRead.model_validate(h) for h in rows], total, after

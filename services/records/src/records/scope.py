"""Who may see and change what in records: the caller as a WHERE clause per noun, and the
loaders (``valid_x``) that fetch an object through it or raise.

Every id a caller names goes through here, whether it came in the path, the query, the body
or a row of an uploaded file. An object the caller may not see is a 404 (its existence is not
revealed); one they see but may not change is a 403.

A region is seen by its administrators; a unit by its region's administrators and by the
unit's own administrator and leaders; a person by whoever sees the unit of their latest
placement, and by themself. A record (weekly record, monthly report, comment, task,
attendance day) belongs to the unit it was made in and is authorised by that unit, not by
wherever its person works now: a transfer neither hands a unit's history to the next unit nor
takes it from the last. The person always sees their own records.

Each loader tells the gateway's audit the region and unit of the object named (``touch``)
as soon as it is loaded, before deciding, so refused attempts are filed under it too.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, exists, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from records.attendance.models import Attendance, AttendanceChange
from records.changes.models import RecordChange
from records.errors import InvalidReference, PersonNotFound, RegionNotFound, UnitNotFound
from records.reports.models import LeaderComment, MonthlyReport
from records.roster.models import Assignment, Person, Region, Section, Unit
from records.tasks.models import Task
from records.work_logs.models import WorkLog
from shared.errors import Forbidden, NotFound
from shared.row_errors import Reason
from shared.service_auth import Caller
from shared.touched import touch

# ------------------------------------------------------------------ roles


def manages(caller: Caller) -> bool:
    """An administrator (unit, region, province) or another service: may change a unit's data.
    Leaders and members read and comment; they do not keep the roster or the records."""
    return not caller.roles or not set(caller.roles) <= {"member", "leader"}


def leads(caller: Caller) -> bool:
    """A leader or an administrator: comments on records and confirms tasks complete."""
    return manages(caller) or "leader" in caller.roles


def sees_unit(caller: Caller, unit: Unit) -> bool:
    return bool(caller.sees_unit(unit.id, unit.region_id))


def manages_unit(caller: Caller, unit: Unit) -> bool:
    return manages(caller) and sees_unit(caller, unit)


# ------------------------------------------------------------------ WHERE clauses


def _uuids(values: Iterable[str]) -> list[uuid.UUID]:
    out = []
    for value in values:
        try:
            out.append(uuid.UUID(value))
        except ValueError:
            continue
    return out


def _own_person(caller: Caller) -> uuid.UUID | None:
    ids = _uuids([caller.person_id]) if caller.person_id else []
    return ids[0] if ids else None


def region_clause(caller: Caller) -> ColumnElement[bool]:
    """The regions the caller administers."""
    if caller.is_province_wide:
        return true()
    return Region.id.in_(_uuids(caller.region_ids))


def unit_clause(caller: Caller) -> ColumnElement[bool]:
    """The units the caller sees: those of their regions, and their own unit."""
    if caller.is_province_wide:
        return true()
    return or_(Unit.region_id.in_(_uuids(caller.region_ids)), Unit.id.in_(_uuids(caller.unit_ids)))


def visible_units(caller: Caller) -> Select[uuid.UUID]:
    return select(Unit.id).where(unit_clause(caller))


Record = (type[WorkLog] | type[MonthlyReport] | type[LeaderComment] | type[Task] | type[Attendance]
          | type[AttendanceChange] | type[RecordChange])


def record_clause(caller: Caller, model: Record) -> ColumnElement[bool]:
    """The records (of ``model``) the caller sees: those made in a unit they see, and their own."""
    if caller.is_province_wide:
        return true()
    own = _own_person(caller)
    in_units = model.unit_id.in_(visible_units(caller))
    return or_(in_units, model.person_id == own) if own is not None else in_units


def person_history_clause(caller: Caller) -> ColumnElement[bool]:
    """The people the caller may ask about records of: themself, and anyone ever placed in a unit
    they see (a unit keeps the history of those who moved on)."""
    if caller.is_province_wide:
        return true()
    own = _own_person(caller)
    # correlated on the person (their placements, by index), never the set of everyone placed in the
    # caller's units: a region of a province is hundreds of thousands of placements
    # (an alias: a query that joins the placements itself must not swallow this one's FROM)
    placement = aliased(Assignment)
    placed = exists().where(placement.person_id == Person.id, placement.unit_id.in_(visible_units(caller)))
    return or_(placed, Person.id == own) if own is not None else placed


# ------------------------------------------------------------------ loaders


async def valid_region(session: AsyncSession, caller: Caller, region_id: uuid.UUID) -> Region:
    """The region, if the caller administers it; otherwise it does not exist for them."""
    region = await session.get(Region, region_id)
    if region is not None:
        touch(region_id=region.id)
    if region is None or not caller.administers_region(region.id):
        raise RegionNotFound(f"no region {region_id}")
    return region


async def valid_group(session: AsyncSession, caller: Caller, region_id: uuid.UUID, group: str) -> Region:
    """The region of an evaluation group, for the region's administrators and for the administrators
    and leaders of a unit of the region in that group (a merged group's supervising department runs
    its scheme, the other units see their own rows of it); otherwise the region does not exist for
    them, as for ``valid_region``."""
    region = await session.get(Region, region_id)
    if region is not None:
        touch(region_id=region.id)
    if region is not None and not caller.administers_region(region.id) and {"unit_admin", "leader"} & set(caller.roles):
        own = await session.scalar(select(Unit.id).where(
            Unit.id.in_(_uuids(caller.unit_ids)), Unit.region_id == region.id, Unit.evaluation_group == group)
            .limit(1))
        if own is not None:
            return region
    return await valid_region(session, caller, region_id)


async def valid_unit(session: AsyncSession, caller: Caller, unit_id: uuid.UUID, *, manage: bool = False) -> Unit:
    """The unit, if the caller sees it (a unit administrator of A gets 404 for B); with ``manage``,
    a leader who sees it gets 403."""
    unit = await session.get(Unit, unit_id)
    if unit is not None:
        touch(region_id=unit.region_id, unit_id=unit.id)
    if unit is None or not sees_unit(caller, unit):
        raise UnitNotFound(f"no unit {unit_id}")
    if manage and not manages(caller):
        raise Forbidden("a unit's roster is kept by its administrator")
    return unit


async def valid_placement(session: AsyncSession, caller: Caller, unit_id: uuid.UUID,
                          section_id: uuid.UUID | None) -> Unit:
    """The unit (and section) named in a body as where a person is to be placed: a unit the caller
    manages. Named in a body, an unseen unit is a bad reference (422), as one that does not exist;
    a leader of it gets 403."""
    unit = await session.get(Unit, unit_id)
    if unit is None or not sees_unit(caller, unit):
        raise InvalidReference(f"unit {unit_id} does not exist",
                               errors=[{"field": "body.unit_id", "message": "no such unit"}])
    if not manages(caller):
        raise Forbidden("people are placed by the unit's administrator")
    if section_id is not None:
        section = await session.get(Section, section_id)
        if section is None or section.unit_id != unit_id:
            raise InvalidReference(f"section {section_id} is not a section of unit {unit_id}",
                                   errors=[{"field": "body.section_id", "message": "not a section of the unit"}])
    return unit


async def history(session: AsyncSession, person_id: uuid.UUID) -> list[Assignment]:
    return list(await session.scalars(select(Assignment).where(Assignment.person_id == person_id)
                                      .order_by(Assignment.active_from)))


async def valid_person(session: AsyncSession, caller: Caller, person_id: uuid.UUID, *, manage: bool = False,
                       lock: bool = False) -> tuple[Person, list[Assignment], Unit]:
    """The person, their history and the unit of their latest placement, if the caller may see
    them: themself, or whoever sees that unit. ``manage`` (changing their placement) leaves out
    the person themself and leaders."""
    statement = select(Person).where(Person.id == person_id)
    if lock:
        statement = statement.with_for_update()
    person = await session.scalar(statement)
    if person is None:
        raise PersonNotFound(f"no person {person_id}")
    placements = await history(session, person_id)
    unit = await session.get(Unit, placements[-1].unit_id)
    assert unit is not None
    touch(region_id=unit.region_id, unit_id=unit.id)
    if sees_unit(caller, unit):
        if manage and not manages(caller):
            raise Forbidden("a person's placement is changed by their unit's administrator")
        return person, placements, unit
    if caller.is_person(person.id):
        if manage:
            raise Forbidden("a person's placement is changed by their unit's administrator")
        return person, placements, unit
    raise PersonNotFound(f"no person {person_id}")


async def valid_person_of_records(session: AsyncSession, caller: Caller, person_id: uuid.UUID) -> Person:
    """A person named to list their records: themself, or someone ever placed in a unit the caller
    sees (a unit still reads the records of those who moved on; the rows are filtered by unit)."""
    person = await session.scalar(select(Person).where(Person.id == person_id, person_history_clause(caller)))
    if person is None:
        latest = await session.scalar(select(Unit).join(Assignment, Assignment.unit_id == Unit.id)
                                      .where(Assignment.person_id == person_id)
                                      .order_by(Assignment.active_from.desc()).limit(1))
        if latest is not None:
            touch(region_id=latest.region_id, unit_id=latest.id)
        raise PersonNotFound(f"no person {person_id}")
    return person


async def narrow(session: AsyncSession, caller: Caller, model: Any, where: list[ColumnElement[bool]], *,
                 unit_id: uuid.UUID | None, person_id: uuid.UUID | None) -> None:
    """Narrow ``where`` to the records (of ``model``) of a unit, of a person, or both, each checked
    first: a unit or a person the caller may not see is not found."""
    if unit_id is not None:
        await valid_unit(session, caller, unit_id)
        where.append(model.unit_id == unit_id)
    if person_id is not None:
        await valid_person_of_records(session, caller, person_id)
        where.append(model.person_id == person_id)


async def record_unit(session: AsyncSession, unit_id: uuid.UUID) -> Unit:
    unit = await session.get(Unit, unit_id)
    assert unit is not None
    touch(region_id=unit.region_id, unit_id=unit.id)
    return unit


def may_write_record(caller: Caller, person_id: uuid.UUID, unit: Unit, *, what: str) -> None:
    """A weekly record or monthly report is written by its person, or by an administrator of the
    unit it belongs to (the unit the person was in at the time); a leader of it reads (403)."""
    if caller.is_person(person_id):
        return
    if not sees_unit(caller, unit):
        raise Forbidden(f"the {what} belongs to a unit you do not manage (the person was placed there then)",
                        code="record_of_another_unit")
    if not manages(caller):
        raise Forbidden(f"a {what} is written by the person or their unit's administrator")


async def valid_co_owners(session: AsyncSession, caller: Caller, unit_id: uuid.UUID, *, lead_id: uuid.UUID,
                          due_on: date, person_ids: Sequence[uuid.UUID]) -> None:
    """The co-owners (协办) named for a task of the unit: people of that unit (their latest placement
    is there, as the lead's, and they have not left before the task is due), named once and not the
    lead; else a 422 naming each ``body.co_owners.N.person_id`` (one outside the caller's units is
    told from one that does not exist by nothing)."""
    latest: dict[uuid.UUID, Assignment] = {}
    for stretch in await session.scalars(select(Assignment).where(Assignment.person_id.in_(person_ids))
                                         .order_by(Assignment.active_from)):
        latest[stretch.person_id] = stretch
    units = {u.id: u for u in await session.scalars(select(Unit).where(Unit.id.in_(
        {p.unit_id for p in latest.values()})))}
    errors, seen = [], {lead_id}
    for index, person_id in enumerate(person_ids):
        placement = latest.get(person_id)
        if person_id in seen:
            reason = "the lead" if person_id == lead_id else "named twice"
        elif placement is None or placement.unit_id != unit_id or not sees_unit(caller, units[placement.unit_id]):
            reason = "not a person of the task's unit"
        elif placement.active_to is not None and placement.active_to < due_on:
            reason = "leaves the unit before the task is due"
        else:
            reason = ""
        seen.add(person_id)
        if reason:
            errors.append({"field": f"body.co_owners.{index}.person_id", "message": reason})
    if errors:
        raise InvalidReference(f"{len(errors)} co-owner(s) cannot share the task: {errors[0]['message']}",
                               errors=errors)


R = TypeVar("R", WorkLog, MonthlyReport, Task)


async def valid_record(
        session: AsyncSession, caller: Caller, model: type[R], record_id: uuid.UUID,
        not_found: NotFound, *, lock: bool = False) -> tuple[R, Unit]:
    """A record and its unit, if the caller sees it: made in a unit they see, or their own; with
    ``lock``, its row is locked until the commit (a correction reads the old value it replaces)."""
    record = await session.get(model, record_id, with_for_update=lock)
    if record is None:
        raise not_found
    unit = await record_unit(session, record.unit_id)
    if not (sees_unit(caller, unit) or caller.is_person(record.person_id)):
        raise not_found
    return record, unit


def refusal_for_unit(caller: Caller, unit: Unit | None, *, region_id: uuid.UUID) -> Reason | None:
    """Why a row naming this unit (for placing people) is refused, or None."""
    if unit is None or unit.region_id != region_id or not sees_unit(caller, unit):
        return Reason("unknown_unit")
    if not manages(caller):
        return Reason("unit_not_managed")
    return None


def refusal_for_placed_person(caller: Caller, *, unit_id: uuid.UUID, region_id: uuid.UUID,
                              route_region_id: uuid.UUID | None = None) -> Reason | None:
    """Why a row naming an existing person, last placed in unit ``unit_id`` of ``region_id``, is
    refused, or None: the person must be in a unit the caller manages (and, for a region's
    roster, one of that region: a transfer between regions is a move, never a roster row)."""
    if route_region_id is not None and region_id != route_region_id:
        return Reason("other_region")
    if not (manages(caller) and caller.sees_unit(unit_id, region_id)):
        return Reason("unknown_staff_no")
    return None


"""Roster use cases: regions, units, sections, persons and their history of placements."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from records import events, scope
from records.errors import (
    DuplicateCode,
    InvalidReference,
    RegionNotFound,
    RosterConflict,
    SectionNotFound,
)
from records.roster.models import CHANGES, Assignment, Person, Region, Section, Unit
from records.roster.schemas import (
    AssignmentRead,
    HeadcountsRead,
    MemberChanges,
    MemberPage,
    MemberRead,
    PersonCreate,
    PersonMoveIn,
    PersonRead,
    RegionCreate,
    SectionCreate,
    SectionUpdate,
    UnitCreate,
    UnitHeadcount,
    UnitUpdate,
)
from shared import change_feed
from shared.errors import Forbidden, Unprocessable
from shared.pagination import Key, PageQuery
from shared.periods import Period, min_days
from shared.service_auth import Caller


async def insert_new(session: AsyncSession, row: object) -> bool:
    """Add a row; False (and nothing added) if a unique key says it exists already."""
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError:
        return False
    return True


async def insert_or_existing(session: AsyncSession, row: object, existing: Select[uuid.UUID]) -> uuid.UUID | None:
    """Add a row and refresh it; where a unique key says one is there already, nothing is added and that
    one's id (``existing`` selects it) is the answer."""
    if not await insert_new(session, row):
        return await session.scalar(existing)
    await session.refresh(row)
    return None


async def _insert(session: AsyncSession, row: object, duplicate: str) -> None:
    if not await insert_new(session, row):
        raise DuplicateCode(duplicate)


# ------------------------------------------------------------------ regions and units


async def create_region(session: AsyncSession, body: RegionCreate, *, caller: Caller) -> Region:
    if not caller.is_province_wide:
        raise Forbidden("only the province creates regions")
    if body.parent_id is not None and await session.get(Region, body.parent_id) is None:
        raise InvalidReference(f"parent region {body.parent_id} does not exist",
                               errors=[{"field": "body.parent_id", "message": "no such region"}])
    region = Region(id=uuid.uuid4(), code=body.code, name=body.name, parent_id=body.parent_id)
    await _insert(session, region, f"a region with code {body.code!r} already exists")
    return region


async def list_regions(session: AsyncSession, page: PageQuery, *, caller: Caller) -> tuple[list[Region], Key]:
    return await page.fetch(session, select(Region).where(scope.region_clause(caller)), [Region.code, Region.id],
                            lambda r: (r.code, r.id), scalars=True)


async def create_unit(session: AsyncSession, body: UnitCreate, *, caller: Caller) -> Unit:
    try:
        await scope.valid_region(session, caller, body.region_id)
    except RegionNotFound as exc:
        raise InvalidReference(f"region {body.region_id} does not exist",
                               errors=[{"field": "body.region_id", "message": "no such region"}]) from exc
    unit = Unit(id=uuid.uuid4(), region_id=body.region_id, code=body.code, name=body.name, kind=body.kind,
                evaluation_group=body.evaluation_group)
    await _insert(session, unit, f"region {body.region_id} already has a unit with code {body.code!r}")
    return unit


async def update_unit(session: AsyncSession, unit_id: uuid.UUID, body: UnitUpdate, *, caller: Caller) -> Unit:
    unit = await scope.valid_unit(session, caller, unit_id)
    if not caller.administers_region(unit.region_id):
        raise Forbidden("only the region changes its units")
    for field, value in body.model_dump(exclude_unset=True).items():
        setattr(unit, field, value)
    await session.flush()
    return unit


async def list_units(session: AsyncSession, page: PageQuery, *, region_id: uuid.UUID | None,
                     caller: Caller) -> tuple[list[Unit], Key]:
    statement = select(Unit).where(scope.unit_clause(caller))
    if region_id is not None:
        statement = statement.where(Unit.region_id == region_id)
    return await page.fetch(session, statement, [Unit.code, Unit.id], lambda u: (u.code, u.id), scalars=True)


async def create_section(session: AsyncSession, unit_id: uuid.UUID, body: SectionCreate, *,
                         caller: Caller) -> Section:
    await scope.valid_unit(session, caller, unit_id, manage=True)
    section = Section(id=uuid.uuid4(), unit_id=unit_id, name=body.name, coefficient=body.coefficient)
    await _insert(session, section, f"unit {unit_id} already has a section named {body.name!r}")
    return section


async def update_section(session: AsyncSession, unit_id: uuid.UUID, section_id: uuid.UUID, body: SectionUpdate, *,
                         caller: Caller) -> Section:
    """Rename a section or change its coefficient (科室系数): the next close of a scheme by section
    uses the new one. A section of another unit is not found."""
    await scope.valid_unit(session, caller, unit_id)
    section = await session.get(Section, section_id, with_for_update=True)
    if section is None or section.unit_id != unit_id:
        raise SectionNotFound(f"no section {section_id} in unit {unit_id}")
    await scope.valid_unit(session, caller, unit_id, manage=True)
    changes = body.model_dump(exclude_unset=True)
    name = changes.get("name")
    if name is not None and name != section.name and await session.scalar(
            select(Section.id).where(Section.unit_id == unit_id, Section.name == name)) is not None:
        raise DuplicateCode(f"unit {unit_id} already has a section named {name!r}")
    for field, value in changes.items():
        setattr(section, field, value)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:  # renamed at the same time to the same name
        raise DuplicateCode(f"unit {unit_id} already has a section named {name!r}") from exc
    await session.refresh(section)  # as stored (a coefficient to 3 places)
    return section


async def list_sections(session: AsyncSession, unit_id: uuid.UUID, page: PageQuery, *,
                        caller: Caller) -> tuple[list[Section], Key]:
    await scope.valid_unit(session, caller, unit_id)
    return await page.fetch(session, select(Section).where(Section.unit_id == unit_id), [Section.name, Section.id],
                            lambda s: (s.name, s.id), scalars=True)


# ------------------------------------------------------------------ persons


def _person_read(person: Person, history: list[Assignment]) -> PersonRead:
    return PersonRead(id=person.id, staff_no=person.staff_no, name=person.name,
                      history=[AssignmentRead.model_validate(a) for a in history])


async def create_person(session: AsyncSession, body: PersonCreate, *, caller: Caller) -> PersonRead:
    unit = await scope.valid_placement(session, caller, body.unit_id, body.section_id)  # the objects named first
    if body.active_to is not None and body.active_to < body.active_from:
        message = "active_to is before active_from"
        raise Unprocessable(message, code="validation_error", errors=[{"field": "body.active_to", "message": message}])
    person = Person(id=uuid.uuid4(), staff_no=body.staff_no, name=body.name)
    await _insert(session, person, f"a person with staff number {body.staff_no!r} already exists")
    assignment = Assignment(id=uuid.uuid4(), person_id=person.id, unit_id=body.unit_id, section_id=body.section_id,
                            staff_category=body.staff_category, post=body.post, active_from=body.active_from,
                            active_to=body.active_to)
    session.add(assignment)
    await session.flush()
    await events.roster_changed(session, region_id=unit.region_id, change="person_added", person_id=person.id,
                                unit_id=unit.id)
    return _person_read(person, [assignment])


async def read_person(session: AsyncSession, person_id: uuid.UUID, *, caller: Caller) -> PersonRead:
    person, history, _unit = await scope.valid_person(session, caller, person_id)
    return _person_read(person, history)


async def move_person(session: AsyncSession, person_id: uuid.UUID, body: PersonMoveIn, *, caller: Caller) -> PersonRead:
    """Close the open placement the day before ``on``; open the new one from ``on`` unless leaving."""
    person, history, unit = await scope.valid_person(session, caller, person_id, lock=True, manage=True)
    if not body.leave:  # the unit moved to is checked first: an outsider learns nothing of the person's dates
        assert body.unit_id is not None
        await scope.valid_placement(session, caller, body.unit_id, body.section_id)
    current = history[-1]
    if current.active_to is not None:
        raise RosterConflict(f"{person.name} left on {current.active_to + timedelta(days=1)}; "
                             "re-hire with a new placement instead")
    if body.on <= current.active_from:
        raise RosterConflict(f"the change on {body.on} is not after the current placement began "
                             f"({current.active_from})")
    current.active_to = body.on - timedelta(days=1)
    if not body.leave:
        assert body.unit_id is not None
        new = Assignment(id=uuid.uuid4(), person_id=person.id, unit_id=body.unit_id, section_id=body.section_id,
                         staff_category=body.staff_category or current.staff_category, post=body.post,
                         active_from=body.on)
        session.add(new)
        history.append(new)
    await session.flush()
    change = "person_left" if body.leave else "person_moved"
    await events.roster_changed(session, region_id=unit.region_id, change=change,
                                person_id=person.id, unit_id=body.unit_id or unit.id)
    return _person_read(person, history)


def _overlapping(start: date, end: date) -> ColumnElement[bool]:
    return and_(Assignment.active_from <= end,
                or_(Assignment.active_to.is_(None), Assignment.active_to >= start))


def _member(a: Assignment, p: Person) -> MemberRead:
    return MemberRead(id=a.id, person_id=p.id, staff_no=p.staff_no, name=p.name, unit_id=a.unit_id,
                      section_id=a.section_id, staff_category=a.staff_category, post=a.post,
                      active_from=a.active_from, active_to=a.active_to)


async def members(session: AsyncSession, page: PageQuery, *, unit_id: uuid.UUID, period: Period,
                  caller: Caller) -> MemberPage:
    """Everyone who belonged to the unit on any day of the period, with that placement."""
    await scope.valid_unit(session, caller, unit_id)
    where = (Assignment.unit_id == unit_id, _overlapping(period.start, period.end))
    total = await session.scalar(select(func.count()).select_from(Assignment).where(*where)) or 0
    rows, last = await page.fetch(
        session, select(Assignment, Person).join(Person, Person.id == Assignment.person_id).where(*where),
        [Person.staff_no, Assignment.active_from, Assignment.id], lambda r: (r[1].staff_no, r[0].active_from, r[0].id))
    return page.page(MemberPage, [_member(a, p) for a, p in rows], last, total=total)


async def member_changes(session: AsyncSession, page: PageQuery, *, unit_id: uuid.UUID, period: Period,
                         updated_after: str, caller: Caller) -> MemberChanges:
    """The unit's placements changed since the cursor (see ``shared.change_feed``): those of the period
    as they are now, the others (deleted, moved away, outside the period) as tombstones."""
    await scope.valid_unit(session, caller, unit_id)
    found = await change_feed.changes(session, CHANGES, table="assignments", cursor=updated_after, limit=page.limit,
                                      scope=change_feed.scope_in(CHANGES, "unit_id", [unit_id]))
    ids = [c.row_id for c in found.changes if not c.deleted]
    rows = await session.execute(select(Assignment, Person).join(Person, Person.id == Assignment.person_id).where(
        Assignment.id.in_(ids), Assignment.unit_id == unit_id, _overlapping(period.start, period.end)))
    return change_feed.answer(page, MemberChanges, found, {a.id: _member(a, p) for a, p in rows})


async def headcounts(session: AsyncSession, *, region_id: uuid.UUID, on: date, caller: Caller) -> HeadcountsRead:
    """Every unit of the region with the number of people on its roster on ``on`` (year end)."""
    await scope.valid_region(session, caller, region_id)
    active = and_(Assignment.unit_id == Unit.id, Assignment.active_from <= on,
                  or_(Assignment.active_to.is_(None), Assignment.active_to >= on))
    rows = await session.execute(
        select(Unit, func.count(Assignment.id)).outerjoin(Assignment, active)
        .where(Unit.region_id == region_id).group_by(Unit.id).order_by(Unit.code))
    return HeadcountsRead(region_id=region_id, on=on, units=[
        UnitHeadcount(unit_id=u.id, code=u.code, name=u.name, kind=u.kind, evaluation_group=u.evaluation_group,
                      headcount=count) for u, count in rows])


async def headcounts_in_scope(session: AsyncSession, *, region_id: uuid.UUID, period: Period,
                              min_share: Decimal, caller: Caller) -> HeadcountsRead:
    """Every unit of the region with the number of people in the period's scope there: on its
    roster for at least ``min_share`` of the period (``shared.periods.in_scope_of``), the same
    people as the unit's summary for the period grades."""
    await scope.valid_region(session, caller, region_id)
    start, end = period.start, period.end
    days = func.least(func.coalesce(Assignment.active_to, end), end) - func.greatest(Assignment.active_from, start) + 1
    in_scope = (select(Assignment.unit_id, Assignment.person_id).join(Unit, Unit.id == Assignment.unit_id)
                .where(Unit.region_id == region_id, _overlapping(start, end))
                .group_by(Assignment.unit_id, Assignment.person_id)
                .having(func.sum(days) >= min_days(period, min_share)).subquery())
    rows = await session.execute(
        select(Unit, func.count(in_scope.c.person_id)).outerjoin(in_scope, in_scope.c.unit_id == Unit.id)
        .where(Unit.region_id == region_id).group_by(Unit.id).order_by(Unit.code))
    return HeadcountsRead(region_id=region_id, period=period.code, min_share=min_share, units=[
        UnitHeadcount(unit_id=u.id, code=u.code, name=u.name, kind=u.kind, evaluation_group=u.evaluation_group,
                      headcount=count) for u, count in rows])


CATEGORY_NAMES = {"leadership": "班子成员", "middle": "中层干部", "staff": "其他在编", "non_staff": "不在编"}


async def roster_statement(session: AsyncSession, *, region_id: uuid.UUID, on: date,
                           caller: Caller) -> Select[str, str, str, str, str, str, date, str | None]:
    """The query of everyone on the region's units on a day (the region checked for the caller first)."""
    await scope.valid_region(session, caller, region_id)
    return (select(Person.staff_no, Person.name, Unit.code, Unit.name, Section.name, Assignment.staff_category,
                   Assignment.active_from, Assignment.post)
            .join(Assignment, Assignment.person_id == Person.id).join(Unit, Unit.id == Assignment.unit_id)
            .outerjoin(Section, Section.id == Assignment.section_id)
            .where(Unit.region_id == region_id, Assignment.active_from <= on,
                   or_(Assignment.active_to.is_(None), Assignment.active_to >= on))
            .order_by(Unit.code, Person.staff_no))


async def roster_on(session: AsyncSession, *, region_id: uuid.UUID, on: date, caller: Caller) -> list[list[str]]:
    """Everyone on the region's units on a day, in the roster import's own columns."""
    rows = await session.execute(await roster_statement(session, region_id=region_id, on=on, caller=caller))
    return [[staff_no, name, code, unit_name, section or "", CATEGORY_NAMES.get(category, category),
             active_from.isoformat(), post or ""]
            for staff_no, name, code, unit_name, section, category, active_from, post in rows]


async def placement_during(session: AsyncSession, person_id: uuid.UUID, first: date,
                           last: date) -> Assignment | None:
    """The person's latest placement overlapping the days first..last, if any."""
    placement: Assignment | None = await session.scalar(
        select(Assignment).where(Assignment.person_id == person_id, Assignment.active_from <= last,
                                 or_(Assignment.active_to.is_(None), Assignment.active_to >= first))
        .order_by(Assignment.active_from.desc()).limit(1))
    return placement

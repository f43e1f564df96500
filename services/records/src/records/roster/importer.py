"""Roster import: the quarterly sheet of who works where, from which day.

Each row says a person is in a unit (and section, staff category and post) from a date. A new
staff number adds the person; a changed unit, section, category or post from a later date is a
transfer (a sheet without the 岗位 column leaves posts as they are); a row that matches the
current placement changes nothing, so the same sheet can be sent again. All or nothing, like every import.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import IO, Any

from pydantic import ConfigDict
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from records import examples as ex
from records import scope
from records.attendance.importer import MISSING, FileImport, RawRow, RowError, parse_day, read_rows, staff_no_of
from records.attendance.service import ImportRejected, rejected
from records.progress import Progress, tick
from records.roster.models import Assignment, Person, Section, Unit
from records.staff_numbers import padded, was_number
from shared.cells import code_text
from shared.row_errors import Reason, RowProblem
from shared.service_auth import Caller
from shared.tabular import Table

COLUMNS = {
    "staff_no": ("工号", "人员编号", "编号", "staff_no"),
    "name": ("姓名", "name"),
    "unit": ("单位编码", "单位代码", "单位", "unit", "unit_code"),
    "section": ("科室", "科室名称", "section"),
    "category": ("人员类别", "类别", "staff_category", "category"),
    "active_from": ("起始日期", "到岗日期", "生效日期", "active_from", "from"),
    "post": ("岗位", "岗位名称", "post"),
}
REQUIRED = ("staff_no", "name", "unit", "category", "active_from")
CATEGORIES = {"班子成员": "leadership", "领导班子": "leadership", "中层干部": "middle", "中层": "middle",
              "其他在编": "staff", "在编": "staff", "一般干部": "staff", "不在编": "non_staff", "编外": "non_staff",
              **{c: c for c in ("leadership", "middle", "staff", "non_staff")}}


UNKNOWN_CATEGORY = Reason("unknown_category")


class _Keep:
    """A row that does not say the post: the person's post stays as it is."""


KEEP = _Keep()


class RosterImportResult(FileImport):
    model_config = ConfigDict(json_schema_extra=ex.of(ex.ROSTER_IMPORT))
    rows: int
    added: int
    moved: int
    unchanged: int


def read_sheet(filename: str, stream: IO[bytes], sheet: str | None = None) -> tuple[Table, list[RawRow]]:
    """A roster is a few thousand rows: read it whole. A unit or section merged down its block applies to each row."""
    table, rows = read_rows(stream, COLUMNS, REQUIRED, filename=filename, sheet=sheet)
    return table, list(rows)


async def import_roster(session: AsyncSession, rows: list[RawRow], *, region_id: uuid.UUID,
                        caller: Caller, table: Table | None = None,
                        progress: Progress | None = None) -> RosterImportResult:
    region = await scope.valid_region(session, caller, region_id)
    if not rows:
        raise ImportRejected(Reason("no_rows").text(), errors=[])
    units = {u.code: u for u in await session.scalars(select(Unit).where(Unit.region_id == region_id))}
    staff_nos = [padded(staff_no_of(r.values.get("staff_no")), region.staff_no_width) for r in rows]
    persons = {p.staff_no: p for p in await session.scalars(select(Person).where(Person.staff_no.in_(staff_nos)))}
    current: dict[uuid.UUID, Assignment] = {}
    for assignment in await session.scalars(select(Assignment).where(
            Assignment.person_id.in_([p.id for p in persons.values()])).order_by(Assignment.active_from)):
        current[assignment.person_id] = assignment
    # Where each existing person works now: a row may only place people of the route's region
    # that the caller manages (a staff number of another region's person is refused, not moved).
    placed_in = {u.id: u for u in await session.scalars(
        select(Unit).where(Unit.id.in_({a.unit_id for a in current.values()})))}
    sections = {(s.unit_id, s.name): s for s in await session.scalars(
        select(Section).where(Section.unit_id.in_([u.id for u in units.values()])))}
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    plan: list[tuple[RawRow, str, str, Unit, str | None, str, Any, str | _Keep | None]] = []
    for row, staff_no in zip(rows, staff_nos, strict=True):
        v = row.values
        bad = len(errors)
        if "__error__" in v:
            errors.append(RowError(row.number, "*", "", v["__error__"]))
            continue
        name = str(v.get("name") or "").strip()
        if not staff_no:
            errors.append(RowError(row.number, "staff_no", "", MISSING))
        elif staff_no in seen:
            errors.append(RowError(row.number, "staff_no", staff_no,
                                   Reason("duplicate_staff_no", first=seen[staff_no])))
        else:
            seen[staff_no] = row.number
        if not name:
            errors.append(RowError(row.number, "name", "", MISSING))
        unit = units.get(code_text(v.get("unit")))
        refused = scope.refusal_for_unit(caller, unit, region_id=region_id)
        if refused:
            errors.append(RowError(row.number, "unit", str(v.get("unit") or ""), refused))
        category = CATEGORIES.get(code_text(v.get("category")))
        if category is None:
            errors.append(RowError(row.number, "category", str(v.get("category") or ""), UNKNOWN_CATEGORY))
        try:
            active_from = parse_day(v.get("active_from"))
        except RowProblem as exc:
            errors.append(RowError(row.number, "active_from", str(v.get("active_from") or ""), exc.reason))
            active_from = None
        person = persons.get(staff_no)
        if person is None and staff_no and region.staff_no_width is None and was_number(v.get("staff_no")):
            errors.append(RowError(row.number, "staff_no", staff_no, Reason("staff_no_lost_zeros", value=staff_no)))
        placement = current.get(person.id) if person else None
        if placement is not None and active_from is not None and placement.active_to is None \
                and active_from < placement.active_from:
            errors.append(RowError(row.number, "active_from", active_from.isoformat(),
                                   Reason("before_placement", began=placement.active_from.isoformat())))
        if placement is not None:
            where = placed_in[placement.unit_id]
            refused = scope.refusal_for_placed_person(caller, unit_id=where.id, region_id=where.region_id,
                                                      route_region_id=region_id)
            if refused:
                errors.append(RowError(row.number, "staff_no", staff_no, refused))
        post: str | _Keep | None = KEEP
        if "post" in v:  # a sheet without the column leaves posts as they are
            post = str(v.get("post") or "").strip() or None
            if post is not None and len(post) > 64:
                errors.append(RowError(row.number, "post", post[:100], Reason("too_long", limit=64)))
        if len(errors) == bad:
            section_name = str(v.get("section") or "").strip() or None
            assert unit is not None and category is not None
            plan.append((row, staff_no, name, unit, section_name, category, active_from, post))
    if errors:
        raise rejected(errors, table, bad=len({e.row for e in errors}), rows=len(rows))
    added = moved = unchanged = 0
    for done, (_row, staff_no, name, unit, section_name, category, active_from, post) in enumerate(plan):
        await tick(progress, done)
        section_id = None
        if section_name:
            found = sections.get((unit.id, section_name))
            if found is None:
                found = sections[(unit.id, section_name)] = Section(id=uuid.uuid4(), unit_id=unit.id,
                                                                    name=section_name)
                session.add(found)
                await session.flush()
            section_id = found.id
        person = persons.get(staff_no)
        if person is None:
            person = Person(id=uuid.uuid4(), staff_no=staff_no, name=name)
            session.add(person)
            await session.flush()
            session.add(Assignment(id=uuid.uuid4(), person_id=person.id, unit_id=unit.id, section_id=section_id,
                                   staff_category=category, post=None if post is KEEP else post,
                                   active_from=active_from))
            added += 1
            continue
        placement = current.get(person.id)
        if isinstance(post, _Keep):
            post = placement.post if placement is not None else None
        same = placement is not None and placement.active_to is None and (
            placement.unit_id, placement.section_id, placement.staff_category, placement.post) == (
            unit.id, section_id, category, post)
        if same:
            unchanged += 1
            continue
        if placement is not None and placement.active_to is None and placement.active_from == active_from:
            placement.unit_id, placement.section_id, placement.staff_category = unit.id, section_id, category
            placement.post = post
        else:
            if placement is not None and placement.active_to is None:
                placement.active_to = active_from - timedelta(days=1)
            session.add(Assignment(id=uuid.uuid4(), person_id=person.id, unit_id=unit.id, section_id=section_id,
                                   staff_category=category, post=post, active_from=active_from))
        person.name = name
        moved += 1
    await session.flush()
    return RosterImportResult(rows=len(rows), added=added, moved=moved, unchanged=unchanged)


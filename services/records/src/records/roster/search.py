"""People search: by name, full pinyin (``zhangwei``), initials (``zw``, ``zengxm``) or staff number,
among the people the caller may see, a page at a time.

Who is found: a person whose latest placement is in a unit the caller sees (a region's
administrators: the region's units; a unit administrator or leader: their units; the province:
all), and, for a member, the people of their own unit (that of their latest placement). Pages
are in pinyin order, then staff number; ``next`` is the cursor of the page after.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Select, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from records import examples as ex
from records import scope
from records.errors import UnitNotFound
from records.roster.models import Assignment, Person, Section, Unit
from shared.db import SessionDep
from shared.errors import Unprocessable
from shared.pagination import Page, PageQuery
from shared.service_auth import Caller, CallerDep
from shared.touched import touch

router = APIRouter(prefix="/api/v1/records", tags=["roster"])


class PersonHit(BaseModel):
    person_id: uuid.UUID
    staff_no: str
    name: str
    name_pinyin: str
    unit_id: uuid.UUID
    unit_name: str
    section_id: uuid.UUID | None
    section_name: str | None
    staff_category: str
    post: str | None


class PersonSearchPage(Page[PersonHit]):
    """People found, by pinyin and staff number."""

    model_config = ConfigDict(json_schema_extra=ex.of(ex.SEARCH))


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def latest_placement() -> Select[Person, Assignment]:
    """Each person with their latest placement (no later one exists)."""
    later = aliased(Assignment)
    return (select(Person, Assignment).join(Assignment, Assignment.person_id == Person.id)
            .where(~exists().where(later.person_id == Assignment.person_id,
                                   later.active_from > Assignment.active_from)))


def _own_unit(caller: Caller) -> Select[uuid.UUID] | None:
    """The unit of the caller's own latest placement (a member's unit), if they are a person."""
    try:
        own = uuid.UUID(caller.person_id) if caller.person_id else None
    except ValueError:
        own = None
    if own is None:
        return None
    later = aliased(Assignment)
    return select(Assignment.unit_id).where(Assignment.person_id == own, ~exists().where(
        later.person_id == own, later.active_from > Assignment.active_from))


def searchable_units(caller: Caller) -> Select[uuid.UUID] | None:
    """The units whose people the caller may find; None: every unit."""
    if caller.is_province_wide:
        return None
    own = _own_unit(caller)
    seen = scope.visible_units(caller)
    return seen if own is None else select(seen.union(own).subquery().c[0])


def _hits(units: Select[uuid.UUID] | None) -> Select[Person, Assignment, str, str | None]:
    """People with their latest placement, its unit's and section's names, in ``units`` (None: all)."""
    statement = (latest_placement().add_columns(Unit.name, Section.name)
                 .join(Unit, Unit.id == Assignment.unit_id).outerjoin(Section, Section.id == Assignment.section_id))
    return statement if units is None else statement.where(Assignment.unit_id.in_(units))


def _hit(p: Person, a: Assignment, unit_name: str, section_name: str | None) -> PersonHit:
    return PersonHit(person_id=p.id, staff_no=p.staff_no, name=p.name, name_pinyin=p.name_pinyin, unit_id=a.unit_id,
                     unit_name=unit_name, section_id=a.section_id, section_name=section_name,
                     staff_category=a.staff_category, post=a.post)


async def search(session: AsyncSession, caller: Caller, page: PageQuery, *, q: str,
                 unit_id: uuid.UUID | None) -> PersonSearchPage:
    units = searchable_units(caller)
    if unit_id is not None:
        unit = await session.get(Unit, unit_id)
        if unit is not None:
            touch(region_id=unit.region_id, unit_id=unit.id)
        allowed = unit is not None and (units is None or unit_id in set(await session.scalars(units)))
        if not allowed:
            raise UnitNotFound(f"no unit {unit_id}")
    term = q.strip()
    if not term:
        raise Unprocessable("search for something", code="validation_error",
                            errors=[{"field": "query.q", "message": "blank"}])
    spelled = "".join(c for c in term.lower() if c.isascii() and c.isalnum())
    matches = [Person.name.ilike(_like(term)), Person.staff_no.ilike(_like(term)[1:])]
    if spelled:
        matches += [Person.name_pinyin.like(_like(spelled)), Person.name_short.like(_like(spelled))]
    statement = _hits(units if unit_id is None else None).where(or_(*matches))
    if unit_id is not None:
        statement = statement.where(Assignment.unit_id == unit_id)
    rows, last = await page.fetch(session, statement, [Person.name_pinyin, Person.staff_no],
                                  lambda row: (row[0].name_pinyin, row[0].staff_no))
    return page.page(PersonSearchPage, [_hit(*row) for row in rows], last)


@router.get("/persons/search", response_model=PersonSearchPage,
            summary="Find people",
            responses={404: {"description": "`unit_id` names a unit the caller may not see"},
                       422: {"description": "a bad query (an empty `q`, `limit` out of range, a foreign `after`)"}})
async def search_people(session: SessionDep, caller: CallerDep, request: Request, response: Response,
                        q: Annotated[str, Query(min_length=1, max_length=64, description="part of a name, its "
                                                "pinyin or initials, or the start of a staff number")],
                        unit_id: uuid.UUID | None = None,
                        limit: Annotated[int, Query(ge=1, le=100)] = 20,
                        after: Annotated[str | None, Query(max_length=400)] = None) -> PersonSearchPage:
    """Find people by part of a name (张伟), its pinyin (zhangwei) or initials (zw, zengxm), or the start of a staff
    number, among those the caller may see, optionally in one unit. In pinyin order, then staff number; a page of the
    shared form (`limit`/`after`, `next`), at most 100 a page.

    Callers: every signed-in role; a member finds the people of their own unit. Errors: 404 when `unit_id` names a
    unit the caller may not see; 422 `cursor_invalid` for an `after` this search did not give."""
    page = PageQuery(limit=limit, after=after, request=request, response=response)  # a search's pages are short
    return await search(session, caller, page, q=q, unit_id=unit_id)


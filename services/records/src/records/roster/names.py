"""People by id with what a screen shows of them: name, staff number, unit and section names.

A service that shows rows of people by id (scoring's results, rankings, explanations) asks for a
page of them at once. Each person is given with their placement on a day (the one that covers the
day; else the latest before it; else their first), and only if the caller may ask about them
(``scope.person_history_clause``): an id the caller may not see is left out, as one records does
not know.
"""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import case, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from records import examples as ex
from records import scope
from records.roster.models import Assignment, Person, Section, Unit
from shared.service_auth import Caller

MAX_IDS = 1000


class NamesIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=ex.of(ex.NAMES_IN))
    person_ids: list[uuid.UUID] = Field(min_length=1, max_length=MAX_IDS)
    on: date | None = Field(default=None, description="the placement of this day (default: the latest)")


class PersonName(BaseModel):
    person_id: uuid.UUID
    staff_no: str
    name: str
    unit_id: uuid.UUID
    unit_name: str
    region_id: uuid.UUID
    evaluation_group: str | None
    section_id: uuid.UUID | None
    section_name: str | None
    post: str | None
    staff_category: str


class NamesRead(BaseModel):
    model_config = ConfigDict(json_schema_extra=ex.of(ex.NAMES))
    people: list[PersonName] = Field(description="those of the ids the caller may see, in the order asked")


async def names(session: AsyncSession, body: NamesIn, *, caller: Caller) -> NamesRead:
    """One query for the whole page."""
    ids = list(dict.fromkeys(body.person_ids))
    if body.on is None:
        first = Assignment.active_from.desc()
        order = [Assignment.person_id, first]
    else:
        covers = case((Assignment.active_from <= body.on, 0), else_=1)
        order = [Assignment.person_id, covers, case((covers == 0, Assignment.active_from), else_=None).desc(),
                 Assignment.active_from]
    rows = await session.execute(
        select(Person.id, Person.staff_no, Person.name, Unit.id, Unit.name, Unit.region_id, Unit.evaluation_group,
               Section.id, Section.name, Assignment.post, Assignment.staff_category)
        .join(Assignment, Assignment.person_id == Person.id).join(Unit, Unit.id == Assignment.unit_id)
        .outerjoin(Section, Section.id == Assignment.section_id)
        .where(Person.id.in_(ids), scope.person_history_clause(caller))
        .order_by(*order).ext(distinct_on(Assignment.person_id)))
    found = {row[0]: PersonName(person_id=row[0], staff_no=row[1], name=row[2], unit_id=row[3], unit_name=row[4],
                                region_id=row[5], evaluation_group=row[6], section_id=row[7], section_name=row[8],
                                post=row[9], staff_category=row[10]) for row in rows}
    return NamesRead(people=[found[i] for i in ids if i in found])

"""Many people at once, by id: what a list of person ids needs to be shown by name (name, staff
number, unit, section, post), in one statement, so that a screen of rows never asks once a row."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from records import scope
from records.roster.models import Assignment, Person, Section, Unit
from shared.db import SessionDep
from shared.service_auth import Caller, CallerDep

router = APIRouter(prefix="/api/v1/records", tags=["roster"])

MAX_IDS = 1000


class PeopleLookup(BaseModel):
    model_config = ConfigDict(extra="forbid")
    person_ids: list[uuid.UUID] = Field(max_length=MAX_IDS, description=f"at most {MAX_IDS} person ids")


class PersonCard(BaseModel):
    """A person as a list row shows them: their latest placement (unit, section, post, category)."""

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


async def lookup(session: AsyncSession, caller: Caller, person_ids: list[uuid.UUID]) -> list[PersonCard]:
    """The people named that the caller may see (themself, anyone ever placed in a unit they see),
    in the order asked; an id they may not see is left out exactly as one that does not exist."""
    if not person_ids:
        return []
    latest = (select(Assignment.person_id, Assignment.unit_id, Assignment.section_id, Assignment.post,
                     Assignment.staff_category)
              .where(Assignment.person_id.in_(person_ids))
              .ext(distinct_on(Assignment.person_id)).order_by(Assignment.person_id, Assignment.active_from.desc())
              .subquery())
    rows = await session.execute(
        select(Person.id, Person.staff_no, Person.name, latest.c.unit_id, Unit.name, Unit.region_id,
               Unit.evaluation_group, latest.c.section_id, Section.name, latest.c.post, latest.c.staff_category)
        .join(latest, latest.c.person_id == Person.id)
        .join(Unit, Unit.id == latest.c.unit_id)
        .outerjoin(Section, Section.id == latest.c.section_id)
        .where(Person.id.in_(person_ids), scope.person_history_clause(caller)))
    found = {row[0]: PersonCard(person_id=row[0], staff_no=row[1], name=row[2], unit_id=row[3], unit_name=row[4],
                                region_id=row[5], evaluation_group=row[6], section_id=row[7], section_name=row[8],
                                post=row[9], staff_category=row[10]) for row in rows}
    return [found[i] for i in dict.fromkeys(person_ids) if i in found]


@router.post("/persons/lookup", response_model=list[PersonCard],
             summary="Many people by id in one call: name, staff number, unit, section and post of each the "
                     "caller may see (the others are left out, as ids that do not exist)")
async def lookup_people(body: PeopleLookup, session: SessionDep, caller: CallerDep) -> list[PersonCard]:
    return await lookup(session, caller, body.person_ids)

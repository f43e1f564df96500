"""Who a result row is about, in words: name, staff number, unit and section from records.

Scoring keeps people by id. Rows shown (a page of results, an explanation, the bottom list) are
given their names with one records call per page (``Neighbours.names``), after scoring has
decided which rows the caller sees: records is asked as the caller, with the scheme's region (the
rows are the scheme's, which the caller was checked to see, as for ``Neighbours.unit_names``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from scoring.clients import Neighbours
from scoring.models import Close, Objection, Scheme
from scoring.results.schemas import NamedRow, ObjectionRead
from scoring.scope import Scope
from shared.periods import parse_period
from shared.service_auth import Caller


async def loaded_scheme(session: AsyncSession, scheme_id: uuid.UUID) -> Scheme:
    """A scheme a check has already loaded (from the session, without a query)."""
    scheme = await session.get(Scheme, scheme_id)
    assert scheme is not None
    return scheme


def reader(caller: Caller, scheme: Scheme) -> Caller:
    """The caller asking records about rows of ``scheme`` they were checked to see."""
    return replace(caller, region_ids=(*caller.region_ids, str(scheme.region_id)))


async def name_rows(neighbours: Neighbours, scheme: Scheme, period: str, caller: Caller,
                    rows: Sequence[NamedRow]) -> None:
    """Fill in each row's name, staff number, unit and section (one records call per 1,000 rows)."""
    await name_people(neighbours, rows, on=parse_period(period).end, caller=reader(caller, scheme))


async def name_across(neighbours: Neighbours, schemes: Iterable[Scheme], caller: Caller,
                      rows: Sequence[NamedRow]) -> None:
    """Rows of several schemes and periods (the caller checked for each), named in one call by the
    people's latest placement, asked with the schemes' regions."""
    regions = tuple(dict.fromkeys(str(s.region_id) for s in schemes))
    await name_people(neighbours, rows, on=None, caller=replace(caller, region_ids=(*caller.region_ids, *regions)))


async def named_objections(session: AsyncSession, request: Request, scope: Scope,
                           objections: Sequence[Objection]) -> list[ObjectionRead]:
    """Objections the caller was checked to see, with the names of the people they are about: their
    schemes in one query, the names in one records call."""
    rows = [ObjectionRead.model_validate(o) for o in objections]
    if rows:
        schemes = await session.scalars(select(Scheme).join(Close, Close.scheme_id == Scheme.id)
                                        .where(Close.id.in_({o.close_id for o in objections})))
        await name_across(request.app.state.neighbours, schemes.unique().all(), scope.caller, rows)
    return rows


async def name_people(neighbours: Neighbours, rows: Sequence[NamedRow], *, on: date | None, caller: Caller) -> None:
    """Fill in the rows' names with their placement on ``on``, records asked as ``caller``; rows
    records does not show (or all, if records does not answer) keep null names."""
    if not rows:
        return
    found = await neighbours.names([row.person_id for row in rows], on=on, caller=caller)
    for row in rows:
        person = found.get(str(row.person_id))
        if person is not None:
            row.staff_no, row.name = person["staff_no"], person["name"]
            row.unit_name, row.section_name = person["unit_name"], person["section_name"]
            row.section_id = None if person["section_id"] is None else uuid.UUID(person["section_id"])

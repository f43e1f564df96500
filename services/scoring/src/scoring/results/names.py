"""Who a result row is about, in words: name, staff number, unit and section from records.

Scoring keeps people by id. Rows shown (a page of results, an explanation, the bottom list) are
given their names with one records call per page (``Neighbours.names``), after scoring has
decided which rows the caller sees: records is asked as the caller, with the scheme's region (the
rows are the scheme's, which the caller was checked to see, as for ``Neighbours.unit_names``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncSession

from scoring.clients import Neighbours
from scoring.models import Scheme
from scoring.results.schemas import NamedRow
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
    if not rows:
        return
    found = await neighbours.names([row.person_id for row in rows], on=parse_period(period).end,
                                   caller=reader(caller, scheme))
    for row in rows:
        person = found.get(str(row.person_id))
        if person is not None:
            row.staff_no, row.name = person["staff_no"], person["name"]
            row.unit_name, row.section_name = person["unit_name"], person["section_name"]
            row.section_id = None if person["section_id"] is None else uuid.UUID(person["section_id"])

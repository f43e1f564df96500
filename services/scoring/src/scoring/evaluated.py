"""The schemes that evaluate a person: public to those they evaluate (公开透明).

A scheme evaluates a person placed (at any time of their roster history) in its unit, or in a unit
of its region in its evaluation group, in its staff category if it names one. Records is asked for
the person's placements (one call) and, for a group's scheme, each placement's unit (its region and
group; as the system, after the caller was found to be the person).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from scoring.clients import Neighbours
from scoring.models import Scheme
from scoring.scope import Scope, scheme_or_404, unit_of


async def _placed(neighbours: Neighbours, person_id: str) -> list[tuple[str, str, str | None, str]]:
    """(unit, region, evaluation group, staff category) of each of the person's placements."""
    return await placed_in(neighbours, await neighbours.placements(person_id) or [])


async def placed_in(neighbours: Neighbours, history: Sequence[dict[str, Any]],
                    units: dict[str, dict[str, Any] | None] | None = None) -> list[tuple[str, str, str | None, str]]:
    """(unit, region, evaluation group, staff category) of each placement of a roster history; each
    unit as records knows it is kept in ``units`` if given."""
    out = []
    units = {} if units is None else units
    for placement in history:
        unit = str(placement["unit_id"])
        if unit not in units:
            units[unit] = await unit_of(neighbours, unit)
        found = units[unit]
        if found is not None:
            out.append((unit, str(found["region_id"]), found.get("evaluation_group"), str(placement["staff_category"])))
    return out


def _matches(scheme: Scheme, placed: Sequence[tuple[str, str, str | None, str]]) -> bool:
    for unit, region, group, category in placed:
        if scheme.staff_category is not None and scheme.staff_category != category:
            continue
        if scheme.unit_id is not None and str(scheme.unit_id) == unit:
            return True
        if scheme.group_name is not None and (group, region) == (scheme.group_name, str(scheme.region_id)):
            return True
    return False


async def evaluates(neighbours: Neighbours, scheme: Scheme, person_id: str) -> bool:
    return _matches(scheme, await _placed(neighbours, person_id))


async def schemes_evaluating(session: AsyncSession, neighbours: Neighbours, person_id: str) -> list[Scheme]:
    """Every scheme that evaluates the person, oldest first."""
    return await schemes_of_placed(session, await _placed(neighbours, person_id))


async def schemes_of_placed(session: AsyncSession, placed: Sequence[tuple[str, str, str | None, str]]) -> list[Scheme]:
    """Every scheme that evaluates a person placed so (``placed_in``), oldest first."""
    if not placed:
        return []
    clauses: list[ColumnElement[bool]] = [Scheme.unit_id.in_({uuid.UUID(unit) for unit, _, _, _ in placed})]
    clauses.extend(and_(Scheme.region_id == uuid.UUID(region), Scheme.group_name == group)
                   for _, region, group, _ in placed if group is not None)
    schemes = await session.scalars(select(Scheme).where(or_(*clauses)).order_by(Scheme.created_at, Scheme.id))
    return [s for s in schemes if _matches(s, placed)]


async def readable_scheme(session: AsyncSession, neighbours: Neighbours, scheme_id: uuid.UUID,
                          scope: Scope) -> tuple[Scheme, bool]:
    """A scheme for whoever sees it (False), or for a person it evaluates (True); else a 404."""
    scheme = await session.get(Scheme, scheme_id)
    person = scope.caller.person_id
    if (scheme is not None and person is not None and not scope.sees(scheme)
            and await evaluates(neighbours, scheme, person)):
        return scheme, True
    return await scheme_or_404(session, scheme_id, scope, manage=False), False

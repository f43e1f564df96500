"""Before a close: what is missing, unit by unit and person by person, so it can be chased.

Every leaf of the scheme's indicator tree a person has no mark or value for is listed with its
missing-input policy and whether it holds the close back (``refuse``; ``unit_mean`` where nobody in
the unit has one; ``renormalise`` where no leaf is left to share the weight); the others say how
they will be scored. An open rating round of the period is listed too (its ballots so far are
counted as they stand). A period built from its parts (a year, a half year) lists its parts not yet published
(``quarters_unpublished``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from scoring.clients import Neighbours
from scoring.models import Close, RatingRound, Scheme
from scoring.results.engine import engine_means, missing_finder, unit_means_of_compacts
from scoring.results.inputs import compacts_of, gather_parts
from scoring.results.schemas import PersonMissing, Readiness, UnitReadiness
from scoring.schemes.service import rules_of
from shared.periods import Period
from shared.service_auth import Caller


async def readiness(session: AsyncSession, neighbours: Neighbours, scheme: Scheme, period: Period,
                    caller: Caller) -> Readiness:
    _, rules = await rules_of(session, scheme.id)
    round_ = await session.scalar(select(RatingRound).where(RatingRound.scheme_id == scheme.id,
                                                            RatingRound.period == period.code))
    build = rules.periods.build_of(period.kind) if period.kind in rules.periods.closes else None
    year = build is not None  # built from its parts (the year, a half year)
    people, own, wanted = await gather_parts(session, neighbours, scheme, period, caller, rules,
                                             year=year, round_open=True)
    compacts = compacts_of(people, wanted, own)
    units: dict[str, UnitReadiness] = {}
    blocking = listed = 0
    find = None if year else missing_finder(rules, engine_means(unit_means_of_compacts(compacts.values(), rules)),
                                            every=True)
    for pid, c in compacts.items():
        unit_id = c["unit"] or ""
        unit = units.get(unit_id)
        if unit is None:
            unit = units[unit_id] = UnitReadiness(unit_id=c["unit"], people=0, people_missing=0, people_blocking=0,
                                                  missing=[])
        unit.people += 1
        lacking: list[dict[str, Any]] = find(c) if find is not None else []
        if not lacking:
            continue
        blocks = any(entry["blocks"] for entry in lacking)
        unit.people_missing += 1
        unit.people_blocking += blocks
        blocking += blocks
        listed += len(lacking)
        unit.missing.append(PersonMissing(person_id=pid, blocks=blocks, indicators=lacking))
    quarters_unpublished: list[str] = []
    parts = [] if build is None else [p.code for p in period.parts(build.from_)]
    if parts:
        published = set(await session.scalars(
            select(Close.period).where(Close.scheme_id == scheme.id, Close.period.in_(parts),
                                       Close.published_at.is_not(None))))
        quarters_unpublished = [q for q in parts if q not in published]
    round_open = round_ is not None and round_.status == "open"
    return Readiness(
        scheme_id=scheme.id, period=period.code, people=len(compacts),
        ready=not blocking and not round_open and not (parts and len(quarters_unpublished) == len(parts)),
        people_blocking=blocking, missing_total=listed,
        round={"id": str(round_.id), "status": round_.status} if round_ is not None else None,
        quarters_unpublished=quarters_unpublished,
        units=sorted(units.values(), key=lambda u: (-u.people_blocking, -u.people_missing, u.unit_id or "")))

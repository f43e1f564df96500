"""Xiacun's bottom list: ranked monthly, a person at the bottom of their group in the scheme's
``bottom_rule.months_running`` consecutive months of a quarter makes a public statement (表态发言)
at the quarterly meeting.

Each month is read from its latest close (for those who may see drafts; else its latest
published close); a month without one breaks a run. A group is the scheme's people of its staff
category (records says whose is which), or all of them; in a month a person's rank in the group
is one more than the number of its people who scored higher, and they are at the bottom when
fewer than ``last`` of its people scored lower (equal scores at the edge are all at the bottom).
"""

from __future__ import annotations

import uuid
from fractions import Fraction
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from scoring.clients import Neighbours
from scoring.errors import InputInvalid, NoBottomRule, ResultNotFound
from scoring.examples import NAMED
from scoring.models import Result
from scoring.period_settings import BottomGroupIn
from scoring.results.names import name_rows
from scoring.results.schemas import NamedRow
from scoring.rounds.service import scope_people
from scoring.schemes.service import rules_of
from scoring.scope import Scope, scheme_or_404
from shared.labels import label_of
from shared.numbers import decimal_str
from shared.periods import Period

from .service import latest_close, visible_units


class MonthClose(BaseModel):
    period: str
    close_id: uuid.UUID | None = Field(description="the close the month is read from; none: not closed (or not "
                                                   "published, for you): it breaks a run")
    version: int | None


class MonthPlace(BaseModel):
    period: str
    rank: int = Field(description="1 + the group's people who scored higher in the month")
    of: int = Field(description="the group's people scored in the month")
    score: str
    at_bottom: bool


class BottomPerson(NamedRow):
    unit_id: uuid.UUID | None
    months_running: int = Field(description="the longest run of consecutive months at the bottom in the quarter")
    months: list[MonthPlace]


class BottomGroup(BaseModel):
    name: str
    staff_category: str | None
    staff_category_label: ClassVar[Any] = label_of("staff_category", "staff_category")
    last: int
    people: list[BottomPerson] = Field(description="at the bottom in at least months_running consecutive months")


class BottomRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"scheme_id": "55070116-7a0a-5e5f-83b9-72778a55e596",
         "period": "2025Q2",
         "months_running": 1,
         "months": [{"period": "2025Q2", "close_id": "c6bca1f9-5b9f-5d7c-a861-f65ce9c1dc82", "version": 1}],
         "groups": [{"name": "夏村镇",
                     "staff_category": "staff",
                     "last": 1,
                     "people": [{**NAMED,
                                 "unit_id": "eac565fd-f2ae-5153-9e88-7b7cb5e97050",
                                 "months_running": 1,
                                 "months": [{"period": "2025Q2",
                                             "rank": 1,
                                             "of": 1,
                                             "score": "86.50",
                                             "at_bottom": False}]}]}]}]})
    scheme_id: uuid.UUID
    period: str
    months_running: int
    months: list[MonthClose]
    groups: list[BottomGroup]


def places(scores: dict[str, Fraction], last: int) -> dict[str, tuple[int, bool]]:
    """Each person's rank in the group and whether they are among its last ``last``."""
    values = sorted(scores.values())
    out = {}
    for pid, score in scores.items():
        lower = sum(1 for v in values if v < score)
        higher = sum(1 for v in values if v > score)
        out[pid] = (higher + 1, lower < last)
    return out


def longest_run(flags: list[bool]) -> int:
    best = run = 0
    for flag in flags:
        run = run + 1 if flag else 0
        best = max(best, run)
    return best


async def bottom_list(session: AsyncSession, neighbours: Neighbours, scheme_id: uuid.UUID, period: Period,
                      scope: Scope) -> BottomRead:
    if period.kind != "quarter":
        message = f"the bottom list is of a quarter (like 2025Q1), not a {period.kind} ({period.code})"
        raise InputInvalid(message, errors=[{"field": "path.period", "message": message}])
    scheme = await scheme_or_404(session, scheme_id, scope, manage=False)
    units = visible_units(scope, scheme)
    if units is not None and not units:
        raise ResultNotFound(f"no results of {period.code} under scheme {scheme_id} for you")
    _, rules = await rules_of(session, scheme.id)
    rule = rules.bottom
    if rule is None:
        raise NoBottomRule(f"scheme {scheme_id} has no bottom_rule: it keeps no bottom list")
    drafts = scope.manages(scheme)
    months: list[MonthClose] = []
    scored: list[dict[str, tuple[Fraction, str | None]]] = []  # month by month: person → (score, unit)
    for month in period.months_of():
        close = await latest_close(session, scheme.id, month.code, published=not drafts)
        months.append(MonthClose(period=month.code, close_id=None if close is None else close.id,
                                 version=None if close is None else close.version))
        rows: dict[str, tuple[Fraction, str | None]] = {}
        if close is not None:
            for pid, unit, score in await session.execute(
                    select(Result.person_id, Result.unit_id, Result.score).where(Result.close_id == close.id)):
                if score is not None:
                    rows[str(pid)] = (Fraction(score), None if unit is None else str(unit))
        scored.append(rows)
    categories: dict[str, str] = {}
    if any(g.staff_category is not None for g in rule.groups):
        asked = () if scheme.staff_category is not None else ("staff_category",)  # else asked already
        categories = {str(p["person_id"]): p["staff_category"] for p in await scope_people(
            neighbours, scheme, period, scope.caller, fields=asked)}
    groups = [BottomGroup(name=g.name, staff_category=g.staff_category, last=g.last,
                          people=_group(g, months, scored, categories, units, rule.months_running))
              for g in rule.groups]
    await name_rows(neighbours, scheme, period.code, scope.caller, [p for g in groups for p in g.people])
    return BottomRead(scheme_id=scheme.id, period=period.code, months_running=rule.months_running,
                      months=months, groups=groups)


def _group(group: BottomGroupIn, months: list[MonthClose], scored: list[dict[str, tuple[Fraction, str | None]]],
           categories: dict[str, str], units: set[str] | None, running: int) -> list[BottomPerson]:
    def member(pid: str) -> bool:
        return group.staff_category is None or categories.get(pid) == group.staff_category

    by_month = [places({pid: s for pid, (s, _) in rows.items() if member(pid)}, group.last) for rows in scored]
    people = sorted({pid for month in by_month for pid in month})
    out = []
    for pid in people:
        flags = [pid in month and month[pid][1] for month in by_month]
        run = longest_run(flags)
        unit = next(rows[pid][1] for rows in scored if pid in rows)
        if run < running or (units is not None and unit not in units):
            continue
        out.append(BottomPerson(
            person_id=uuid.UUID(pid), unit_id=None if unit is None else uuid.UUID(unit), months_running=run,
            months=[MonthPlace(period=m.period, rank=places_[pid][0], of=len(places_), score=decimal_str(rows[pid][0]),
                               at_bottom=places_[pid][1])
                    for m, places_, rows in zip(months, by_month, scored, strict=True) if pid in places_]))
    return out

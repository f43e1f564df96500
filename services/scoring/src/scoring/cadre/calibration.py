"""Calibration (校准) for a region's organisation department: how each unit's raters mark, as
aggregates only, and anonymous by construction.

Per unit (each scheme of the region rated in the period: a unit's scheme is its unit's, a group's
scheme its lead unit's where it names one) and per rater group: the raters and marks counted, the
mean, the spread (population standard deviation, min and max), the share of identical marks (the
marks equal to the group's most common mark) and how far the group's mean sits from the region's.

A group with fewer raters than its scheme's anonymity threshold (``min_raters_shown``, the one
results are masked by) is left out: it is named with ``fewer_than`` and nothing of its marks is
shown, nor counted in its unit's or the region's figures (a region mean taken over it would give
its mean away where it is the only group).

And the units where everyone got the same grade (大锅饭): of the latest version of each scheme's
period, the units of two people or more whose results all carry one grade.

Four statements, whatever the size of the region: the schemes, the marks counted per scheme,
group and mark, the raters per group, and the grades counted per result version and unit.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from scoring.models import Close, RatingRound, RatingRow, Result, Scheme, SchemeVersion
from scoring.periods import PeriodDep
from scoring.scope import ScopeDep
from shared.db import SessionDep
from shared.errors import NotFound
from shared.periods import Period
from shared.touched import touch

router = APIRouter(prefix="/api/v1/scoring", tags=["calibration"])

CENT = Decimal("0.01")
DEFAULT_MIN_RATERS = 3


class Spread(BaseModel):
    raters: int
    marks: int
    mean: str
    stddev: str = Field(description="population standard deviation of the marks")
    min: str
    max: str
    identical_share: str = Field(description="share of the marks equal to the most common mark (0..1)")
    from_region_mean: str = Field(description="this mean minus the region's")


class GroupSpread(Spread):
    rater_group: str


class LeftOut(BaseModel):
    rater_group: str
    fewer_than: int = Field(description="the group has fewer raters than this: nothing of its marks is shown")


class UnitCalibration(BaseModel):
    scheme_id: uuid.UUID
    scheme_name: str
    unit_id: uuid.UUID | None
    unit_name: str | None
    overall: Spread | None = Field(description="over the groups shown; null if none is")
    groups: list[GroupSpread]
    left_out: list[LeftOut]


class SameGrade(BaseModel):
    scheme_id: uuid.UUID
    close_id: uuid.UUID
    unit_id: uuid.UUID | None
    unit_name: str | None
    people: int
    grade: str | None


#: How a unit's (or a rater group's) marks spread, as the example shows it.
SPREAD: dict[str, Any] = {"raters": 1, "marks": 1, "mean": "86.50", "stddev": "2", "min": "86.50", "max": "86.50",
                          "identical_share": "0.3", "from_region_mean": "86.50"}


class Calibration(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"region_id": "46634a0c-c4ca-5e54-b5b1-be81442f2839",
         "period": "2025Q2",
         "region_mean": "86.50",
         "units": [{"scheme_id": "55070116-7a0a-5e5f-83b9-72778a55e596",
                    "scheme_name": "夏村镇机关干部",
                    "unit_id": "eac565fd-f2ae-5153-9e88-7b7cb5e97050",
                    "unit_name": "夏村镇",
                    "overall": SPREAD,
                    "groups": [{**SPREAD, "rater_group": "leadership"}],
                    "left_out": [{"rater_group": "leadership", "fewer_than": 1}]}],
         "same_grade_units": [{"scheme_id": "55070116-7a0a-5e5f-83b9-72778a55e596",
                               "close_id": "c6bca1f9-5b9f-5d7c-a861-f65ce9c1dc82",
                               "unit_id": "eac565fd-f2ae-5153-9e88-7b7cb5e97050",
                               "unit_name": "夏村镇",
                               "people": 1,
                               "grade": "good"}]}]})
    region_id: uuid.UUID
    period: str
    region_mean: str | None = Field(description="the mean of every mark of the groups shown")
    units: list[UnitCalibration] = Field(description="by unit name")
    same_grade_units: list[SameGrade] = Field(description="大锅饭: units whose people all got one grade")


def _cents(value: Decimal) -> str:
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))


def _mean(histogram: dict[Decimal, int]) -> Decimal:
    return sum((mark * count for mark, count in histogram.items()), Decimal(0)) / sum(histogram.values())


def _spread(histogram: dict[Decimal, int], raters: int, region_mean: Decimal) -> Spread:
    n = sum(histogram.values())
    mean = _mean(histogram)
    variance = sum(((mark - mean) ** 2 * count for mark, count in histogram.items()), Decimal(0)) / n
    share = Decimal(max(histogram.values())) / n
    return Spread(raters=raters, marks=n, mean=_cents(mean), stddev=_cents(variance.sqrt()), min=_cents(min(histogram)),
                  max=_cents(max(histogram)), identical_share=str(share.quantize(Decimal("0.0001"),
                                                                                  rounding=ROUND_HALF_UP)),
                  from_region_mean=_cents(mean - region_mean))


def _merge(histograms: Iterable[dict[Decimal, int]]) -> dict[Decimal, int]:
    merged: dict[Decimal, int] = defaultdict(int)
    for histogram in histograms:
        for mark, count in histogram.items():
            merged[mark] += count
    return merged


async def latest_definitions(session: AsyncSession, scheme_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    """The definition of each scheme's latest version, in one statement."""
    versions = await session.scalars(
        select(SchemeVersion).where(SchemeVersion.scheme_id.in_(scheme_ids))
        .order_by(SchemeVersion.scheme_id, SchemeVersion.version.desc()).ext(distinct_on(SchemeVersion.scheme_id)))
    return {v.scheme_id: v.definition for v in versions}


async def _thresholds(session: AsyncSession, scheme_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    return {scheme_id: int(definition.get("min_raters_shown", DEFAULT_MIN_RATERS))
            for scheme_id, definition in (await latest_definitions(session, scheme_ids)).items()}


async def _marks(session: AsyncSession, scheme_ids: Sequence[uuid.UUID], period: Period
                 ) -> tuple[dict[tuple[uuid.UUID, str], dict[Decimal, int]], dict[tuple[uuid.UUID, str], int]]:
    """The marks counted per (scheme, rater group, mark), and the raters per (scheme, rater group)."""
    histograms: dict[tuple[uuid.UUID, str], dict[Decimal, int]] = defaultdict(dict)
    raters: dict[tuple[uuid.UUID, str], int] = {}
    counted = (select(RatingRound.scheme_id, RatingRow.rater_group, RatingRow.mark, func.count())
               .join(RatingRound, RatingRound.id == RatingRow.round_id)
               .where(RatingRound.scheme_id.in_(scheme_ids), RatingRound.period == period.code)
               .group_by(RatingRound.scheme_id, RatingRow.rater_group, RatingRow.mark))
    for scheme_id, group, mark, n in await session.execute(counted):
        histograms[(scheme_id, group)][Decimal(mark)] = n
    distinct = (select(RatingRound.scheme_id, RatingRow.rater_group, func.count(func.distinct(RatingRow.rater_id)))
                .join(RatingRound, RatingRound.id == RatingRow.round_id)
                .where(RatingRound.scheme_id.in_(scheme_ids), RatingRound.period == period.code)
                .group_by(RatingRound.scheme_id, RatingRow.rater_group))
    for scheme_id, group, n in await session.execute(distinct):
        raters[(scheme_id, group)] = n
    return histograms, raters


async def _same_grade(session: AsyncSession, scheme_ids: Sequence[uuid.UUID], period: Period,
                      names: dict[str, str]) -> list[SameGrade]:
    latest = (select(Close.id).where(Close.scheme_id.in_(scheme_ids), Close.period == period.code)
              .order_by(Close.scheme_id, Close.version.desc()).ext(distinct_on(Close.scheme_id)))
    rows = await session.execute(
        select(Close.scheme_id, Result.close_id, Result.unit_id, func.count(), func.min(Result.grade))
        .join(Close, Close.id == Result.close_id).where(Result.close_id.in_(latest))
        .group_by(Close.scheme_id, Result.close_id, Result.unit_id)
        .having(func.count() >= 2, func.count(func.distinct(Result.grade)) == 1,
                func.count(Result.grade) == func.count()))
    found = [SameGrade(scheme_id=scheme_id, close_id=close_id, unit_id=unit_id,
                       unit_name=names.get(str(unit_id)), people=people, grade=grade)
             for scheme_id, close_id, unit_id, people, grade in rows]
    return sorted(found, key=lambda s: (s.unit_name or "", str(s.unit_id)))


async def calibration(session: AsyncSession, region_id: uuid.UUID, period: Period,
                      names: dict[str, str]) -> Calibration:
    schemes = list(await session.scalars(select(Scheme).where(Scheme.region_id == region_id)
                                         .order_by(Scheme.created_at, Scheme.id)))
    ids = [s.id for s in schemes]
    thresholds = await _thresholds(session, ids)
    histograms, raters = await _marks(session, ids, period)
    shown = {key: h for key, h in histograms.items()
             if raters.get(key, 0) >= thresholds.get(key[0], DEFAULT_MIN_RATERS)}
    everything = _merge(shown.values())
    region_mean = _mean(everything) if everything else None
    units: list[UnitCalibration] = []
    for scheme in schemes:
        keys = sorted(key for key in histograms if key[0] == scheme.id)
        if not keys:
            continue
        groups = [GroupSpread(rater_group=key[1], **_spread(shown[key], raters[key], region_mean or Decimal(0))
                              .model_dump()) for key in keys if key in shown]
        merged = _merge(shown[key] for key in keys if key in shown)
        unit = scheme.unit_id if scheme.unit_id is not None else scheme.lead_unit_id
        units.append(UnitCalibration(
            scheme_id=scheme.id, scheme_name=scheme.name, unit_id=unit, unit_name=names.get(str(unit)),
            overall=_spread(merged, sum(raters[key] for key in keys if key in shown), region_mean or Decimal(0))
            if merged else None, groups=groups,
            left_out=[LeftOut(rater_group=key[1], fewer_than=thresholds.get(scheme.id, DEFAULT_MIN_RATERS))
                      for key in keys if key not in shown]))
    units.sort(key=lambda u: (u.unit_name or "", u.scheme_name, str(u.scheme_id)))
    return Calibration(region_id=region_id, period=period.code,
                       region_mean=None if region_mean is None else _cents(region_mean), units=units,
                       same_grade_units=await _same_grade(session, ids, period, names))


@router.get("/regions/{region_id}/periods/{period}/calibration", response_model=Calibration,
            summary="Calibration: per unit and rater group, the spread of marks and the distance from the region's "
                    "mean, groups under the anonymity threshold left out; units where everyone got one grade",
            responses={404: {"description": "no such region among the caller's"},
                       422: {"description": "not a period (path.period)"}})
async def read_calibration(region_id: uuid.UUID, period: PeriodDep, session: SessionDep, scope: ScopeDep,
                           request: Request) -> Calibration:
    """Calibration across the region's units for a period: per unit and rater group, the spread of marks and
    the distance from the region's mean; groups smaller than the anonymity threshold are left out, and units
    where everyone got one grade are flagged. 404 `region_not_found`; 422 `invalid_period`.
    """
    touch(region_id=region_id)
    if not scope.caller.administers_region(region_id):
        raise NotFound(f"no region {region_id}", code="region_not_found")
    names: dict[str, Any] = await request.app.state.neighbours.unit_names(region_id=region_id, caller=scope.caller)
    return await calibration(session, region_id, period, names)

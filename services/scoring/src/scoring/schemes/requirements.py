"""A region's requirements of the schemes its units submit for review (方案审核).

Every version a unit submits is checked against them before a person looks at it: the share of
the best quarter grade (好) its grade rule allows, the quarters' share of a year it builds, rater
groups present, every indicator carrying its scoring standard in words (Xiacun: 明确每一项指标评分
标准及规则), the missing-input policy stated. A submission breaking a hard requirement is refused
(422, each violation naming its field of the definition); the others are listed in the submission
for the reviewer. The national defaults apply in a region that has set none.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from scoring.clients import Neighbours
from scoring.definitions import IndicatorIn, SchemeDefinition
from scoring.errors import RegionNotFound
from scoring.models import ReviewRequirements
from scoring.scope import Scope
from scoring.shares import PATTERN, Share, parse_share
from shared.errors import UpstreamUnavailable
from shared.service_auth import SYSTEM_CALLER
from shared.touched import touch

TWELVE_PLACES = Decimal("1e-12")
Requirement = Literal["good_share", "year_quarter_share", "rater_groups", "scoring_standards", "missing_policy"]


def _national_hard() -> list[Requirement]:
    return ["good_share", "year_quarter_share", "rater_groups"]


class RequirementsIn(BaseModel):
    """A region's requirements; left out: the national default."""
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"rater_groups": False, "scoring_standards": False, "missing_policy": False, "hard": ["good_share"]}]})
    good_share_max: Share | None = Field(
        default_factory=lambda: parse_share("0.4"),
        description="the most share of the best quarter grade (好, the first of grades.order) a scheme may allow "
                    "(good_share); null: not checked. A number is taken to 12 decimal places")
    year_quarter_share_min: Share | None = Field(
        default_factory=lambda: parse_share("0.6"),
        description="where the scheme closes years: the least share of the year its quarters make "
                    "(year_quarter_share); null: not checked. A number is taken to 12 decimal places")
    rater_groups: bool = Field(default=True, description="the scheme has a democratic evaluation (raters.groups)")
    scoring_standards: bool = Field(default=True, description="every indicator states its scoring standard "
                                                              "(indicators[].standard)")
    missing_policy: bool = Field(default=True, description="the scheme states what a missing input counts as "
                                                           "(missing_inputs, or each leaf's missing)")
    hard: list[Requirement] = Field(default_factory=_national_hard, max_length=5,
                                    description="the requirements whose violation refuses a submission; the others "
                                                "are listed for the reviewer")


    @field_validator("good_share_max", "year_quarter_share_min")
    @classmethod
    def _kept_as_text(cls, value: Share | None) -> Share | None:
        """A share is stored as its text, of at most 12 decimal places: a number with more (a binary
        float's digits, ``0.1 + 0.2``) or in exponent form is taken to 12 places (half to even)."""
        if value is None or re.fullmatch(PATTERN, value.text):
            return value
        rounded = Decimal(value.text).quantize(TWELVE_PLACES, rounding=ROUND_HALF_EVEN)
        return parse_share(format(rounded.normalize(), "f"))


class RequirementsRead(RequirementsIn):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"good_share_max": "0.3",
         "year_quarter_share_min": "0.3",
         "rater_groups": False,
         "scoring_standards": False,
         "missing_policy": False,
         "hard": ["good_share"],
         "region_id": "46634a0c-c4ca-5e54-b5b1-be81442f2839",
         "national_defaults": False}]})
    region_id: uuid.UUID
    national_defaults: bool = Field(description="true: the region has set none, these are the national defaults")


class Violation(BaseModel):
    requirement: Requirement
    field: str = Field(description="the field of the version's definition, e.g. definition.indicators.0.standard")
    message: str
    hard: bool


def _violation(settings: RequirementsIn, requirement: Requirement, field: str, message: str) -> dict[str, Any]:
    return {"requirement": requirement, "field": f"definition.{field}", "message": message,
            "hard": requirement in settings.hard}


def _indicators(items: list[IndicatorIn], path: str) -> Iterator[tuple[IndicatorIn, str]]:
    stack = [(item, f"{path}.{index}") for index, item in enumerate(items)]
    stack.reverse()
    while stack:  # depth first, in the order written (a tree is at most 8 levels deep)
        item, at = stack.pop()
        yield item, at
        stack.extend(reversed([(child, f"{at}.children.{i}") for i, child in enumerate(item.children)]))


def _share_text(value: Fraction) -> str:
    return getattr(value, "text", None) or str(Decimal(value.numerator) / value.denominator)


def violations(settings: RequirementsIn, stored: dict[str, Any], stated: list[str] | None) -> list[dict[str, Any]]:
    """What of ``settings`` the definition ``stored`` (with its author's ``stated`` fields) breaks."""
    definition = SchemeDefinition.model_validate(stored)
    out: list[dict[str, Any]] = []
    if settings.good_share_max is not None:
        top = definition.grades.order[0]
        caps = [(i, c) for i, c in enumerate(definition.grades.caps) if c.grade == top]
        limit = _share_text(settings.good_share_max)
        if not caps:
            out.append(_violation(settings, "good_share", "grades.caps",
                                  f"no cap on the share of {top}: the region allows at most {limit}"))
        for index, cap in caps:
            if Fraction(cap.max_share) > settings.good_share_max:
                out.append(_violation(settings, "good_share", f"grades.caps.{index}.max_share",
                                      f"{top} capped at {_share_text(cap.max_share)}: the region allows at most "
                                      f"{limit}"))
    if settings.year_quarter_share_min is not None and "year" in definition.periods.closes:
        build = definition.periods.build.get("year")
        field, share = "annual.quarter_weight", Fraction(definition.annual.quarter_weight)
        if build is not None and build.share is not None:
            field, share = "periods.build.year.share", Fraction(build.share)
        if share < settings.year_quarter_share_min:
            out.append(_violation(settings, "year_quarter_share", field,
                                  f"the quarters make {_share_text(share)} of the year: the region requires at least "
                                  f"{_share_text(settings.year_quarter_share_min)}"))
    if settings.rater_groups and definition.raters is None:
        out.append(_violation(settings, "rater_groups", "raters", "no democratic evaluation (rater groups)"))
    if settings.scoring_standards:
        out.extend(_violation(settings, "scoring_standards", f"{at}.standard",
                              f"indicator {item.code} ({item.name}) has no scoring standard")
                   for item, at in _indicators(definition.indicators, "indicators") if item.standard is None)
    if settings.missing_policy and stated is not None and "missing_inputs" not in stated:
        leaves = [item for item, _ in _indicators(definition.indicators, "indicators") if not item.children]
        if any(leaf.missing is None for leaf in leaves):
            out.append(_violation(settings, "missing_policy", "missing_inputs",
                                  "what a missing mark or value counts as is not stated (missing_inputs)"))
    return out


async def of_region(session: AsyncSession, region_id: uuid.UUID) -> tuple[RequirementsIn, bool]:
    """The region's requirements, and whether they are the national defaults (none set)."""
    row = await session.get(ReviewRequirements, region_id)
    if row is None:
        return RequirementsIn(), True
    return RequirementsIn.model_validate(row.settings), False


def _may_read(scope: Scope, region_id: uuid.UUID) -> bool:
    """The region's administrators; and the unit administrators of its units, who submit to it."""
    caller = scope.caller
    return caller.administers_region(region_id) or (
        "unit_admin" in caller.roles and str(region_id) in scope.unit_regions.values())


async def read(session: AsyncSession, region_id: uuid.UUID, scope: Scope) -> RequirementsRead:
    touch(region_id=region_id)
    if not _may_read(scope, region_id):
        raise RegionNotFound(f"no region {region_id} of yours")
    settings, national = await of_region(session, region_id)
    return RequirementsRead(**settings.model_dump(), region_id=region_id, national_defaults=national)


async def put(session: AsyncSession, neighbours: Neighbours, region_id: uuid.UUID, body: RequirementsIn,
              scope: Scope) -> RequirementsRead:
    """Set by the region's administrators (or the province's) for a region records knows."""
    touch(region_id=region_id)
    if not scope.caller.administers_region(region_id):
        raise RegionNotFound(f"no region {region_id} of yours")
    response = await neighbours.records.request("GET", f"/api/v1/records/regions/{region_id}", caller=SYSTEM_CALLER)
    if response.status_code in (404, 422):
        raise RegionNotFound(f"no region {region_id} of yours")
    if response.status_code != 200:
        raise UpstreamUnavailable(f"records answered {response.status_code} for region {region_id}")
    settings = body.model_dump(mode="json")
    statement = insert(ReviewRequirements).values(region_id=region_id, settings=settings,
                                                  updated_by=scope.caller.subject)
    await session.execute(statement.on_conflict_do_update(
        index_elements=["region_id"], set_={"settings": settings, "updated_by": scope.caller.subject,
                                            "updated_at": func.now()}))
    return RequirementsRead(**body.model_dump(), region_id=region_id, national_defaults=False)

"""Stateless previews of the scoring rules: check an indicator tree, grade a group under a rule.

What-if tools for the organisation department while a scheme is drafted; nothing is stored.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Annotated, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from scoring.domain import grades as grading
from scoring.domain import indicators as tree
from shared.errors import Unprocessable

router = APIRouter(prefix="/api/v1/scoring", tags=["previews"])

Share = Annotated[Decimal, Field(ge=0, le=1)]


class SchemeInvalid(Unprocessable):
    code = "scheme_invalid"
    title = "The scheme breaks a rule"


class MappingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["steps", "linear"]
    steps: list[tuple[Decimal, Decimal]] = Field(default_factory=list, description="(threshold, score), ascending")
    factor: Decimal = Decimal(1)


class IndicatorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=100)
    weight: Share = Field(description="share of the parent, e.g. 0.2")
    children: list[IndicatorIn] = Field(default_factory=list, max_length=100)
    metric: str | None = Field(default=None, description="a records summary metric for a derived leaf")
    mapping: MappingIn | None = None


class TreeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    indicators: list[IndicatorIn] = Field(min_length=1, max_length=100)


class TreeRead(BaseModel):
    valid: bool
    leaves: list[dict[str, str]]


def to_tree(items: list[IndicatorIn]) -> tuple[tree.Indicator, ...]:
    return tuple(tree.Indicator(
        code=i.code, name=i.name, weight=Fraction(i.weight), children=to_tree(i.children), metric=i.metric,
        mapping=None if i.mapping is None else tree.MetricMapping(
            kind=i.mapping.kind, steps=tuple((Fraction(a), Fraction(b)) for a, b in i.mapping.steps),
            factor=Fraction(i.mapping.factor)))
        for i in items)


@router.post("/schemes/indicators/check", response_model=TreeRead,
             summary="Check an indicator tree: weights add up to 100% at every node")
async def check_tree(body: TreeIn) -> TreeRead:
    indicators = to_tree(body.indicators)
    try:
        tree.validate(indicators)
    except tree.SchemeError as exc:
        raise SchemeInvalid(str(exc), errors=[{"field": f"body.{exc.field}", "message": str(exc)}]) from exc
    return TreeRead(valid=True, leaves=[{"path": path, "effective_weight": str(Decimal(weight.numerator) /
                                                                              Decimal(weight.denominator))}
                                        for _, path, weight in tree.leaves(indicators)])


class CapIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    grade: str
    max_share: Share


class RuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    order: list[str] = Field(default=list(grading.QUARTER_GRADES), min_length=2)
    caps: list[CapIn] = Field(default_factory=lambda: [CapIn(grade="good", max_share=Decimal("0.4"))])
    default: str = "average"
    rounding: Literal["floor", "half_up", "ceiling"] = "floor"
    tie_at_cap: Literal["exclude", "include"] = "exclude"
    tie_keys: list[str] = Field(default_factory=list)


class CandidateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    person_id: str = Field(min_length=1, max_length=64)
    score: Decimal
    tie_values: dict[str, Decimal] = Field(default_factory=dict)
    cap_at: str | None = None
    veto: bool = False


class GradePreviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rule: RuleIn = Field(default_factory=RuleIn)
    candidates: list[CandidateIn] = Field(min_length=1, max_length=20_000)


class GradeOut(BaseModel):
    person_id: str
    grade: str
    rank: int
    reasons: list[str]


class GradePreviewOut(BaseModel):
    slots: dict[str, int]
    ties_at_caps: list[dict[str, object]]
    results: list[GradeOut]


@router.post("/grades/preview", response_model=GradePreviewOut,
             summary="Grade a group under a rule: shares as caps, rounding and ties as stated")
async def preview_grades(body: GradePreviewIn) -> GradePreviewOut:
    rule = grading.GradeRule(order=tuple(body.rule.order),
                             caps=tuple(grading.GradeCap(c.grade, Fraction(c.max_share)) for c in body.rule.caps),
                             default=body.rule.default, rounding=body.rule.rounding, tie_at_cap=body.rule.tie_at_cap,
                             tie_keys=tuple(body.rule.tie_keys))
    known = set(body.rule.order)
    for index, candidate in enumerate(body.candidates):
        if candidate.cap_at is not None and candidate.cap_at not in known:
            raise SchemeInvalid(f"{candidate.cap_at!r} is not a grade of the rule",
                                errors=[{"field": f"body.candidates.{index}.cap_at", "message": "unknown grade"}])
    try:
        result = grading.grade([grading.Candidate(c.person_id, Fraction(c.score),
                                                  {k: Fraction(v) for k, v in c.tie_values.items()}, c.cap_at, c.veto)
                                for c in body.candidates], rule)
    except grading.GradeRuleError as exc:
        field = exc.field if exc.field == "candidates" else f"rule.{exc.field}"
        raise SchemeInvalid(str(exc), errors=[{"field": f"body.{field}", "message": str(exc)}]) from exc
    return GradePreviewOut(slots=result.slots,
                           ties_at_caps=[{"grade": g, "people": list(p)} for g, p in result.ties_at_caps],
                           results=[GradeOut(person_id=r.person_id, grade=r.grade, rank=r.rank, reasons=list(r.reasons))
                                    for r in result.results])

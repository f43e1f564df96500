"""Stateless previews of the scoring rules: check an indicator tree, grade a group under a rule.

What-if tools for the organisation department while a scheme is drafted; nothing is stored.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from scoring.definitions import IndicatorTreeIn, RuleIn, to_rule, to_tree
from scoring.domain import grades as grading
from scoring.domain import indicators as tree
from scoring.errors import SchemeInvalid

router = APIRouter(prefix="/api/v1/scoring", tags=["previews"])

class TreeIn(IndicatorTreeIn):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"indicators": [{"code": "de", "name": "德", "weight": "0.3"},
                        {"code": "ji",
                         "name": "绩",
                         "weight": "0.7",
                         "children": [{"code": "ji1", "name": "重点任务", "weight": "0.6"},
                                      {"code": "ji2", "name": "日常工作", "weight": "0.4"}]}]}]})


class TreeRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"valid": True, "leaves": [{"path": "de", "effective_weight": "0.3"},
                                   {"path": "ji/ji1", "effective_weight": "0.42"},
                                   {"path": "ji/ji2", "effective_weight": "0.28"}]}]})
    valid: bool
    leaves: list[dict[str, str]]


@router.post("/schemes/indicators/check", response_model=TreeRead,
             summary="Check an indicator tree: weights add up to 100% at every node")
async def check_tree(body: TreeIn) -> TreeRead:
    """Checks an indicator tree without storing it: at every node the children's weights must add up to 100%.
    A valid tree answers 200 with its leaves and the weight each carries in the whole; one that is not is a
    422 `scheme_invalid` whose `errors` name the node (as saving it in a scheme would be).
    """
    indicators = to_tree(body.indicators)
    try:
        tree.validate(indicators)
    except tree.SchemeError as exc:
        raise SchemeInvalid(str(exc), errors=[{"field": f"body.{exc.field}", "message": str(exc)}]) from exc
    return TreeRead(valid=True, leaves=[{"path": path, "effective_weight": str(Decimal(weight.numerator) /
                                                                              Decimal(weight.denominator))}
                                        for _, path, weight in tree.leaves(indicators)])


class CandidateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    person_id: str = Field(min_length=1, max_length=64)
    score: Decimal
    tie_values: dict[str, Decimal] = Field(default_factory=dict)
    cap_at: str | None = None
    veto: bool = False


class GradePreviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"rule": {"order": ["score", "score"],
                  "caps": [{"grade": "good", "max_share": "0.3"}],
                  "default": "fairly_good",
                  "rounding": "floor",
                  "tie_at_cap": "exclude",
                  "tie_keys": ["tie_key"],
                  "compare_within": ["unit"]},
         "candidates": [{"person_id": "person_id", "score": "86.5", "tie_values": {"de": "2"}, "veto": False}]}]})
    rule: RuleIn = Field(default_factory=RuleIn)
    candidates: list[CandidateIn] = Field(min_length=1, max_length=20_000)


class GradeOut(BaseModel):
    person_id: str
    grade: str
    rank: int
    reasons: list[str]


class GradePreviewOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"slots": {"de": 1},
         "ties_at_caps": [{}],
         "results": [{"person_id": "person_id", "grade": "good", "rank": 1, "reasons": ["录入有误，更正"]}]}]})
    slots: dict[str, int]
    ties_at_caps: list[dict[str, object]]
    results: list[GradeOut]


@router.post("/grades/preview", response_model=GradePreviewOut,
             summary="Grade a group under a rule: shares as caps, rounding and ties as stated")
async def preview_grades(body: GradePreviewIn) -> GradePreviewOut:
    """Grades a group of candidates under a grade rule without storing anything: shares as caps, rounding, ties
    at a cap and vetoes applied as the rule states. Returns each candidate's grade, rank and reasons, and
    the slots of each grade. 422 for a rule that cannot be applied.
    """
    rule = to_rule(body.rule)
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

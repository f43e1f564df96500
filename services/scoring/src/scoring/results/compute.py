"""A period's results from its inputs: every person's score, rank and grade, with the explanation.

Pure: the caller gathers the inputs (records summary, rating sums, marks, adjustments, negative
events) and stores what comes out. The same inputs in any order give the same bytes.

The total, per person: indicator score × (1 - evaluation share) + rater evaluation × share, times
the base coefficient, plus the net of bonus and deduction after caps. The grade: the scheme's grade
rule over everyone in the scheme, after the negative list (cap or veto) and the score thresholds
(a score below a threshold is no better than its grade). Scores are exact; they are rendered as
decimals rounded half-even at 6 places.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import orjson

from scoring.definitions import METRICS, Rules
from scoring.domain import adjustments as adjusting
from scoring.domain import grades as grading
from scoring.domain import indicators as tree
from scoring.domain import raters as rating
from shared.numbers import decimal_str


@dataclass(frozen=True)
class AdjustmentInput:
    item: str
    points: Fraction
    evidence: str
    approved_by: str


@dataclass(frozen=True)
class PersonInputs:
    person_id: str
    unit_id: str | None = None
    section_id: str | None = None
    metrics: Mapping[str, Fraction] = field(default_factory=dict)
    marks: Mapping[str, Fraction] = field(default_factory=dict)
    ratings: Mapping[str, tuple[Fraction, int]] = field(default_factory=dict)  # group → (sum of marks, raters)
    adjustments: Sequence[AdjustmentInput] = ()
    negatives: Sequence[tuple[str, str]] = ()  # (item, note)


@dataclass(frozen=True)
class PersonResult:
    person_id: str
    unit_id: str | None
    score: Fraction
    rank: int | None  # None: not graded (excluded)
    grade: str | None
    detail: dict[str, Any]


def metrics_from_summary(person: Mapping[str, Any]) -> dict[str, Fraction]:
    """The scheme metrics of one person of a records summary (absent when there is nothing to rate)."""
    out: dict[str, Fraction] = {}

    def rate(part: int, whole: int) -> Fraction | None:
        return Fraction(100 * part, whole) if whole else None

    days = person.get("attendance") or {}
    recorded = sum(days.values())
    values = {
        "weekly_on_time_rate": rate(person["weeks_on_time"], person["weeks_due"]),
        "weekly_submitted_rate": rate(min(person["weeks_submitted"], person["weeks_due"]), person["weeks_due"]),
        "monthly_report_rate": rate(min(person["monthly_reports"], person["months_due"]), person["months_due"]),
        "attendance_rate": rate(days.get("present", 0) + days.get("business_trip", 0), recorded),
        "task_completion": None if person.get("task_completion") is None else Fraction(str(person["task_completion"])),
        "mean_leader_mark": None if person.get("mean_leader_mark") is None
        else Fraction(str(person["mean_leader_mark"])),
        "task_load": Fraction(str(person.get("task_load") or 0)),
        "leave_days_in_year": Fraction(int(person.get("leave_days_in_year") or 0)),
    }
    for name in METRICS:
        value = values[name]
        if value is not None:
            out[name] = value
    return out


def _d(value: Fraction | None) -> str | None:
    return None if value is None else decimal_str(value)


def _coefficient(person: PersonInputs, rules: Rules, mean_load: Fraction) -> tuple[Fraction, str]:
    base = rules.base
    if base.kind == "section":
        section = person.section_id
        if section is not None and section in base.coefficients:
            return Fraction(base.coefficients[section]), f"section {section} coefficient"
        return Fraction(base.default), "no coefficient for the person's section: the default"
    if base.kind == "task_load":
        load = person.metrics.get("task_load", Fraction(0))
        value = tree.task_load_base(load, group_mean_load=mean_load, floor=Fraction(base.floor),
                                    ceiling=Fraction(base.ceiling))
        return value, (f"task load {decimal_str(load)} against the group's mean {decimal_str(mean_load)}, "
                       f"kept within {base.floor}-{base.ceiling}")
    return Fraction(1), "flat"


def compute(people: Sequence[PersonInputs], rules: Rules) -> list[PersonResult]:
    if not people:
        return []
    loads = [p.metrics.get("task_load", Fraction(0)) for p in people]
    mean_load = sum(loads, Fraction(0)) / len(loads)
    order = {g: i for i, g in enumerate(rules.rule.order)}
    details: dict[str, dict[str, Any]] = {}
    totals: dict[str, Fraction] = {}
    exclusions: dict[str, list[str]] = {}
    candidates = []
    for person in sorted(people, key=lambda p: p.person_id):
        coefficient, why = _coefficient(person, rules, mean_load)
        evaluation = None
        if rules.rater_weights:
            evaluation = rating.evaluate_sums(person.person_id, person.ratings, rules.rater_weights,
                                              missing=rules.rater_missing)
        applied = adjusting.apply([adjusting.Adjustment(a.item, a.points, a.evidence) for a in person.adjustments],
                                  rules.caps)
        composition = tree.compose_leaves(
            rules.leaves, marks=person.marks, metrics=person.metrics,
            evaluation=None if evaluation is None else evaluation.score, evaluation_share=rules.rater_share,
            coefficient=coefficient, adjustments=applied.net)
        cap_at: str | None = None
        veto = False
        excluded: list[str] = []
        limits = []
        for item, note in sorted(person.negatives):
            declared = rules.negative.get(item)
            if declared is None:
                continue
            if declared.effect == "exclude":
                excluded.append(f"negative item {item}: {declared.name}")
                limits.append({"rule": f"negative item {item}", "effect": "no grade", "note": note})
            elif declared.effect == "veto":
                veto = True
                limits.append({"rule": f"negative item {item}", "effect": "veto", "note": note})
            else:
                assert declared.grade is not None
                limits.append({"rule": f"negative item {item}", "effect": f"no better than {declared.grade}",
                               "note": note})
                if cap_at is None or order[declared.grade] > order[cap_at]:
                    cap_at = declared.grade
        for grade, below in rules.thresholds:
            if composition.total < below:
                limits.append({"rule": f"score below {decimal_str(below)}", "effect": f"no better than {grade}"})
                if cap_at is None or order[grade] > order[cap_at]:
                    cap_at = grade
        totals[person.person_id] = composition.total
        if excluded:
            exclusions[person.person_id] = excluded
        else:
            candidates.append(grading.Candidate(
                person.person_id, composition.total,
                {k: person.metrics.get(k, Fraction(0)) for k in rules.rule.tie_keys}, cap_at, veto))
        details[person.person_id] = {
            "total": _d(composition.total),
            "formula": "(indicators × (1 - evaluation share) + evaluation × share) × coefficient + adjustments",
            "indicators": {
                "score": _d(composition.indicator_score),
                "weight": _d(1 - rules.rater_share) if evaluation is not None and evaluation.score is not None
                else "1",
                "leaves": [{"path": leaf.path, "weight": _d(leaf.effective_weight), "value": _d(leaf.value),
                            "score": _d(leaf.score), "contribution": _d(leaf.contribution)}
                           for leaf in composition.leaves]},
            "evaluation": None if evaluation is None else {
                "score": _d(evaluation.score), "share": _d(rules.rater_share),
                "groups": [{"group": part.group, "weight": _d(part.weight),
                            "effective_weight": _d(part.effective_weight), "raters": part.raters,
                            "mean": _d(part.mean), "contribution": _d(part.contribution)}
                           for part in evaluation.parts]},
            "coefficient": {"kind": rules.base.kind, "value": _d(coefficient), "why": why},
            "adjustments": {"bonus": _d(applied.bonus), "deduction": _d(applied.deduction), "net": _d(applied.net),
                            "capped": list(applied.capped),
                            "items": [{"item": a.item, "points": _d(a.points), "evidence": a.evidence,
                                       "approved_by": a.approved_by}
                                      for a in sorted(person.adjustments,
                                                      key=lambda a: (a.item, a.points, a.evidence))]},
            "limits": limits,
            "notes": list(composition.notes),
        }
    grading_ = grading.grade(candidates, rules.rule)
    units = {p.person_id: p.unit_id for p in people}
    results = []
    for outcome in grading_.results:
        detail = details[outcome.person_id]
        detail["grade"] = {"grade": outcome.grade, "rank": outcome.rank, "of": len(candidates),
                           "reasons": list(outcome.reasons), "slots": grading_.slots}
        results.append(PersonResult(outcome.person_id, units[outcome.person_id], totals[outcome.person_id],
                                    outcome.rank, outcome.grade, detail))
    for person_id, items in exclusions.items():
        details[person_id]["grade"] = {"grade": None, "rank": None, "of": len(candidates),
                                       "reasons": [f"excluded from grading: {w}" for w in items],
                                       "slots": grading_.slots}
        results.append(PersonResult(person_id, units[person_id], totals[person_id], None, None, details[person_id]))
    results.sort(key=lambda r: r.person_id)
    return results


def canonical(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def digest(value: Any) -> str:
    return hashlib.sha256(canonical(value)).hexdigest()

"""A period's results from its inputs: every person's score, rank and grade, and the explanation.

Pure: the caller gathers the inputs (records summary, rating sums, marks, adjustments, negative
events) and stores what comes out. The same inputs in any order give the same bytes.

The total, per person: indicator score × (1 - evaluation share) + rater evaluation × share, times
the base coefficient, plus the net of bonus and deduction after caps. The grade: the scheme's grade
rule over everyone in the scheme, after the negative list (cap, veto, or exclusion from grading)
and the score thresholds (a score below a threshold is no better than its grade). Scores are
exact; they are rendered as decimals rounded half-even at 6 places.

Two paths give the same totals: ``compose_person`` with the domain functions (the reference, and
the explanation of one person), and ``scoring.results.engine`` in integer arithmetic for a whole
close; property tests hold them equal.
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import orjson

from scoring.definitions import Rules
from scoring.domain import adjustments as adjusting
from scoring.domain import grades as grading
from scoring.domain import indicators as tree
from scoring.domain import raters as rating
from scoring.results import groups as grouping
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
    section_name: str | None = None  # for the explanation of a coefficient by section
    post: str | None = None  # 岗位, for a scheme that compares within posts (grades.compare_within)
    staff_category: str | None = None  # for a scheme that compares within staff categories
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


@dataclass(frozen=True)
class Limits:
    cap_at: str | None
    veto: bool
    excluded: tuple[str, ...]
    listed: tuple[dict[str, str], ...]


@dataclass(frozen=True)
class Composed:
    total: Fraction
    limits: Limits
    detail: dict[str, Any]


def _d(value: Fraction | None) -> str | None:
    return None if value is None else decimal_str(value)


NO_LIMITS = Limits(None, False, (), ())

#: Where a person's group is (grades.compare_within).
GROUP_ATTRIBUTES = {"unit": "unit_id", "section": "section_id", "post": "post", "staff_category": "staff_category"}


def limits_of(negatives: Sequence[tuple[str, str]], total: Fraction, rules: Rules) -> Limits:
    """What the negative list and the score thresholds allow the person's grade to be."""
    if not negatives and all(total >= below for _, below in rules.thresholds):
        return NO_LIMITS
    order = {g: i for i, g in enumerate(rules.rule.order)}
    cap_at: str | None = None
    veto = False
    excluded: list[str] = []
    listed: list[dict[str, str]] = []
    for item, note in sorted(negatives):
        declared = rules.negative.get(item)
        if declared is None:
            continue
        rule = f"negative item {item}"
        if declared.effect == "exclude":
            excluded.append(f"{rule}: {declared.name}")
            listed.append({"rule": rule, "effect": "no grade", "note": note})
        elif declared.effect == "veto":
            veto = True
            listed.append({"rule": rule, "effect": "veto", "note": note})
        else:
            assert declared.grade is not None
            listed.append({"rule": rule, "effect": f"no better than {declared.grade}", "note": note})
            if cap_at is None or order[declared.grade] > order[cap_at]:
                cap_at = declared.grade
    for grade, below in rules.thresholds:
        if total < below:
            listed.append({"rule": f"score below {decimal_str(below)}", "effect": f"no better than {grade}"})
            if cap_at is None or order[grade] > order[cap_at]:
                cap_at = grade
    return Limits(cap_at, veto, tuple(excluded), tuple(listed))


def coefficient_of(person: PersonInputs, rules: Rules, mean_load: Fraction) -> tuple[Fraction, str]:
    """The base coefficient and where it came from. By section (Binzhou's 科室系数 × indicators):
    the scheme's ``base.coefficients`` for the person's section if it names it (an override for
    this scheme), else the coefficient stored on the section in the records (the summary's
    ``section_coefficient``), else the scheme's ``base.default``."""
    base = rules.base
    if base.kind == "section":
        section = person.section_id
        if section is None:
            return Fraction(base.default), f"no section: the scheme's default {decimal_str(Fraction(base.default))}"
        named = f"section {person.section_name} ({section})" if person.section_name else f"section {section}"
        if section in base.coefficients:
            value = Fraction(base.coefficients[section])
            return value, f"{named}: the scheme's coefficient {decimal_str(value)} (base.coefficients)"
        stored = person.metrics.get("section_coefficient")
        if stored is not None:
            return stored, f"{named}: the section's coefficient {decimal_str(stored)} (科室系数, from the roster)"
        return Fraction(base.default), (f"{named} has no coefficient: the scheme's default "
                                        f"{decimal_str(Fraction(base.default))}")
    if base.kind == "task_load":
        load = person.metrics.get("task_load", Fraction(0))
        value = tree.task_load_base(load, group_mean_load=mean_load, floor=Fraction(base.floor),
                                    ceiling=Fraction(base.ceiling))
        return value, (f"task load {decimal_str(load)} against the group's mean {decimal_str(mean_load)}, "
                       f"kept within {base.floor}-{base.ceiling}")
    return Fraction(1), "flat"


def mean_task_load(people: Sequence[PersonInputs]) -> Fraction:
    if not people:
        return Fraction(0)
    return sum((p.metrics.get("task_load", Fraction(0)) for p in people), Fraction(0)) / len(people)


#: The mean score of each unit_mean leaf in each unit: unit → leaf code → (mean score, people).
UnitMeans = Mapping[str, Mapping[str, tuple[Fraction, int]]]


def compose_person(person: PersonInputs, rules: Rules, mean_load: Fraction,
                   unit_means: UnitMeans | None = None) -> Composed:
    """The reference: one person's total with every part of it, for the explanation."""
    coefficient, why = coefficient_of(person, rules, mean_load)
    evaluation = None
    if rules.rater_weights:
        evaluation = rating.evaluate_sums(person.person_id, person.ratings, rules.rater_weights,
                                          missing=rules.rater_missing)
    applied = adjusting.apply([adjusting.Adjustment(a.item, a.points, a.evidence) for a in person.adjustments],
                              rules.caps)
    composition = tree.compose_leaves(
        rules.leaves, marks=person.marks, metrics=person.metrics,
        evaluation=None if evaluation is None else evaluation.score, evaluation_share=rules.rater_share,
        coefficient=coefficient, adjustments=applied.net, mark_max=rules.mark_max,
        unit_means=(unit_means or {}).get(person.unit_id or ""))
    limits = limits_of(person.negatives, composition.total, rules)
    detail = {
        "total": _d(composition.total),
        "formula": "(indicators × (1 - evaluation share) + evaluation × share) × coefficient + adjustments",
        "indicators": {
            "score": _d(composition.indicator_score),
            "weight": _d(1 - rules.rater_share) if evaluation is not None and evaluation.score is not None else "1",
            "leaves": [_leaf(leaf, rules) for leaf in composition.leaves],
            **({} if composition.renormalised_over is None else
               {"renormalised_over": _d(composition.renormalised_over)})},
        "missing": [{"path": leaf.path, "policy": leaf.missing} for leaf in composition.leaves if leaf.missing],
        "evaluation": None if evaluation is None else {
            "score": _d(evaluation.score), "share": _d(rules.rater_share),
            "groups": [{"group": part.group, "weight": _d(part.weight), "effective_weight": _d(part.effective_weight),
                        "raters": part.raters, "mean": _d(part.mean), "contribution": _d(part.contribution)}
                       for part in evaluation.parts]},
        "coefficient": {"kind": rules.base.kind, "value": _d(coefficient), "why": why},
        "adjustments": {"bonus": _d(applied.bonus), "deduction": _d(applied.deduction), "net": _d(applied.net),
                        "capped": list(applied.capped), "over_cap": rules.caps.over_cap,
                        "items": [{"item": a.item, "points": _d(a.points), "evidence": a.evidence,
                                   "approved_by": a.approved_by}
                                  for a in sorted(person.adjustments, key=lambda a: (a.item, a.points, a.evidence))]},
        "limits": list(limits.listed),
        "notes": list(composition.notes),
    }
    return Composed(composition.total, limits, detail)


def _leaf(leaf: tree.LeafPart, rules: Rules) -> dict[str, Any]:
    out = {"path": leaf.path, "weight": _d(leaf.effective_weight), "value": _d(leaf.value),
           "score": _d(leaf.score), "contribution": _d(leaf.contribution)}
    if leaf.code in rules.reverse_leaves:
        out["direction"] = "lower is better"
    if leaf.missing:
        out["missing"] = leaf.missing
    return out


def grade_all(scored: Sequence[tuple[str, Fraction, Limits, Mapping[str, Fraction]]],
              rules: Rules) -> tuple[dict[str, tuple[str | None, int | None, list[str]]], dict[str, int], int]:
    """Grade everyone not excluded: person → (grade, rank, reasons); the slots; how many were graded."""
    candidates = [grading.Candidate(pid, total, {k: tie.get(k, Fraction(0)) for k in rules.rule.tie_keys},
                                    limits.cap_at, limits.veto)
                  for pid, total, limits, tie in scored if not limits.excluded]
    result = grading.grade(candidates, rules.rule)
    out: dict[str, tuple[str | None, int | None, list[str]]] = {
        r.person_id: (r.grade, r.rank, list(r.reasons)) for r in result.results}
    for pid, _, limits, _ in scored:
        if limits.excluded:
            out[pid] = (None, None, [f"excluded from grading: {w}" for w in limits.excluded])
    return out, result.slots, len(candidates)


def unit_means_of(people: Iterable[tuple[str | None, Mapping[str, Fraction], Mapping[str, Fraction]]],
                  rules: Rules) -> dict[str, dict[str, tuple[Fraction, int]]]:
    """For each unit_mean leaf, its mean score in each unit among the people who have a mark or
    value (``people``: each one's unit, marks and metrics); a unit where nobody has one has none."""
    wanted = rules.unit_mean_leaves
    if not wanted:
        return {}
    sums: dict[str, dict[str, list[Any]]] = {}
    for unit, marks, metrics in people:
        for leaf in wanted:
            given = marks.get(leaf.code) if leaf.metric is None else metrics.get(leaf.metric)
            if given is not None:
                entry = sums.setdefault(unit or "", {}).setdefault(leaf.code, [Fraction(0), 0])
                entry[0] += leaf.score(given, rules.mark_max)
                entry[1] += 1
    return {unit: {code: (total / count, count) for code, (total, count) in codes.items()}
            for unit, codes in sorted(sums.items())}


def compute(people: Sequence[PersonInputs], rules: Rules) -> list[PersonResult]:
    """The reference close: every person composed with the domain functions, then graded."""
    mean_load = mean_task_load(people)
    means = unit_means_of(((p.unit_id, p.marks, p.metrics) for p in people), rules)
    composed = {p.person_id: compose_person(p, rules, mean_load, means) for p in people}
    scored = {p.person_id: (p.person_id, composed[p.person_id].total, composed[p.person_id].limits, p.metrics)
              for p in people}
    within = rules.compare_within
    by_group: dict[tuple[str | None, ...], list[str]] = {}
    for person in people:
        by_group.setdefault(tuple(getattr(person, GROUP_ATTRIBUTES[g]) for g in within), []).append(person.person_id)
    grades: dict[str, tuple[str | None, int | None, list[str]]] = {}
    shown: dict[str, dict[str, Any]] = {}
    for key, members in by_group.items():  # one group, the whole scheme, unless compared within groups
        given, slots, graded = grade_all([scored[pid] for pid in members], rules)
        for pid in members:
            grade_, rank_, why = given[pid]
            grades[pid] = (grade_, rank_, [grouping.note(within, key, graded), *why] if within else why)
            shown[pid] = {"of": graded, "slots": slots, **({"group": grouping.label(within, key)} if within else {})}
    results = []
    for person in sorted(people, key=lambda p: p.person_id):
        grade, rank, reasons = grades[person.person_id]
        detail = composed[person.person_id].detail
        detail["grade"] = {"grade": grade, "rank": rank, "reasons": reasons, **shown[person.person_id]}
        results.append(PersonResult(person.person_id, person.unit_id, composed[person.person_id].total, rank, grade,
                                    detail))
    return results


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector paused while an export, or a close's job, builds hundreds of
    thousands of small, acyclic objects in one go (it otherwise rescans them again and again)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def canonical(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def digest(value: Any) -> str:
    return hashlib.sha256(canonical(value)).hexdigest()

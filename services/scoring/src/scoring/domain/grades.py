"""Quarter and year grades inside one evaluation group, under shares that are scheme settings.

Rule (national practice, every number a setting): people are ranked by score, highest first;
the top grades are capped by share of the group (e.g. ``good`` at most 40%: the cap is
``share × group size`` rounded by the scheme's method, ``floor`` unless it says otherwise, so a
cap is never exceeded by rounding); everyone else gets the default grade. A negative-list
event caps a person's grade (``no better than average``) or vetoes it (the lowest grade).

Ties: people with equal scores are ordered by the scheme's tie-break keys in turn (each a
number, higher first, e.g. on-time weekly records, attendance rate); if they are still equal
where a cap falls, ``tie_at_cap="exclude"`` (default) keeps them all out of the higher grade
(the cap holds) and ``"include"`` lets them all in (the cap may be passed by the tie); either
way the result says so. Input order never matters; the final order is by person id.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from fractions import Fraction

from shared.field_error import FieldError

QUARTER_GRADES = ("good", "fairly_good", "average", "poor")
ANNUAL_GRADES = ("excellent", "competent", "basically_competent", "incompetent")
ROUNDING = {"floor": ROUND_FLOOR, "half_up": ROUND_HALF_UP, "ceiling": ROUND_CEILING}


class GradeRuleError(FieldError):
    """Input this rule cannot take; ``field`` names where the problem is."""


@dataclass(frozen=True)
class GradeCap:
    grade: str
    max_share: Fraction  # of the group, e.g. Fraction(2, 5) for 40%


@dataclass(frozen=True)
class GradeRule:
    order: tuple[str, ...]  # best first, e.g. QUARTER_GRADES
    caps: tuple[GradeCap, ...]  # for the top grades, in order
    default: str  # what everyone else gets
    rounding: str = "floor"
    tie_at_cap: str = "exclude"
    tie_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class Candidate:
    person_id: str
    score: Fraction
    tie_values: Mapping[str, Fraction] = field(default_factory=dict)
    cap_at: str | None = None  # negative list: no better than this grade
    veto: bool = False  # negative list: the lowest grade


@dataclass(frozen=True)
class GradeResult:
    person_id: str
    grade: str
    rank: int  # 1 = best; equal candidates share a rank
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Grading:
    results: tuple[GradeResult, ...]
    slots: dict[str, int]  # the cap, in people, of each capped grade
    ties_at_caps: tuple[tuple[str, tuple[str, ...]], ...]  # (grade, people tied where its cap fell)


def validate(rule: GradeRule) -> None:
    known = set(rule.order)
    if rule.default not in known:
        raise GradeRuleError(f"default grade {rule.default!r} is not in the order", field="default")
    total = Fraction(0)
    for index, cap in enumerate(rule.caps):
        if cap.grade not in known:
            raise GradeRuleError(f"grade {cap.grade!r} is not in the order", field=f"caps.{index}.grade")
        if not 0 <= cap.max_share <= 1:
            raise GradeRuleError("a share is between 0 and 1", field=f"caps.{index}.max_share")
        if rule.order.index(cap.grade) >= rule.order.index(rule.default):
            raise GradeRuleError(f"capped grade {cap.grade!r} must rank above the default",
                                 field=f"caps.{index}.grade")
        total += cap.max_share
    if total > 1:
        raise GradeRuleError("the capped shares add up to more than the whole group", field="caps")
    if rule.rounding not in ROUNDING:
        raise GradeRuleError(f"rounding is one of {', '.join(ROUNDING)}", field="rounding")
    if rule.tie_at_cap not in ("exclude", "include"):
        raise GradeRuleError("tie_at_cap is exclude or include", field="tie_at_cap")


def cap_size(share: Fraction, group: int, rounding: str) -> int:
    exact = Decimal(share.numerator) * group / Decimal(share.denominator)
    return int(exact.to_integral_value(rounding=ROUNDING[rounding]))


def grade(candidates: Sequence[Candidate], rule: GradeRule) -> Grading:
    validate(rule)
    ids = [c.person_id for c in candidates]
    if len(set(ids)) != len(ids):
        raise GradeRuleError("a person appears twice", field="candidates")

    keys = {c.person_id: _order_key(c, rule.tie_keys) for c in candidates}

    def key(c: Candidate) -> tuple[object, ...]:
        return keys[c.person_id]

    ranked = sorted(candidates, key=lambda c: (keys[c.person_id], c.person_id))
    ranks: dict[str, int] = {}
    previous_key: tuple[object, ...] | None = None
    for position, c in enumerate(ranked):
        here = keys[c.person_id]
        ranks[c.person_id] = ranks[ranked[position - 1].person_id] if here == previous_key else position + 1
        previous_key = here
    size = len(candidates)
    slots = {cap.grade: cap_size(cap.max_share, size, rule.rounding) for cap in rule.caps}
    given: dict[str, str] = {}
    reasons: dict[str, list[str]] = {c.person_id: [] for c in candidates}
    ties: list[tuple[str, tuple[str, ...]]] = []
    lowest = rule.order[-1]
    for c in ranked:
        if c.veto:
            given[c.person_id] = lowest
            reasons[c.person_id].append(f"vetoed by the negative list: {lowest}")
    order_index = {g: i for i, g in enumerate(rule.order)}
    for cap in rule.caps:
        eligible = [c for c in ranked if c.person_id not in given and
                    (c.cap_at is None or order_index[c.cap_at] <= order_index[cap.grade])]
        room = slots[cap.grade]
        chosen = eligible[:room]
        if room < len(eligible) and room > 0 and key(eligible[room - 1]) == key(eligible[room]):
            boundary = key(eligible[room])
            tied = [c for c in eligible if key(c) == boundary]
            ties.append((cap.grade, tuple(sorted(c.person_id for c in tied))))
            if rule.tie_at_cap == "exclude":
                chosen = [c for c in chosen if key(c) != boundary]
                for c in tied:
                    reasons[c.person_id].append(
                        f"tied where the {cap.grade} cap fell; the cap holds (tie_at_cap=exclude)")
            else:
                chosen_ids = {c.person_id for c in chosen}
                chosen = chosen + [c for c in tied if c.person_id not in chosen_ids]
                for c in tied:
                    reasons[c.person_id].append(
                        f"tied where the {cap.grade} cap fell; all admitted (tie_at_cap=include)")
        within = (f" within the {cap.grade} cap of {room} "
                  f"({float(cap.max_share) * 100:g}% of {size}, {rule.rounding})")
        for c in chosen:
            given[c.person_id] = cap.grade
            reasons[c.person_id].append(f"rank {ranks[c.person_id]}{within}")
    for c in ranked:
        if c.person_id not in given:
            grade_ = rule.default
            if c.cap_at is not None and order_index[c.cap_at] > order_index[grade_]:
                grade_ = c.cap_at
            given[c.person_id] = grade_
            if c.cap_at is not None:
                reasons[c.person_id].append(f"limited to no better than {c.cap_at} (see the limits)")
            reasons[c.person_id].append(f"rank {ranks[c.person_id]}: {grade_}")
    results = tuple(GradeResult(person_id=pid, grade=given[pid], rank=ranks[pid], reasons=tuple(reasons[pid]))
                    for pid in sorted(given))
    return Grading(results=results, slots=slots, ties_at_caps=tuple(ties))


SCALE = 10**12


def _order_key(c: Candidate, tie_keys: tuple[str, ...]) -> tuple[object, ...]:
    """Best first: score, then each tie key, higher first. Each exact value is preceded by its
    floor at 12 decimal places, an integer that orders the same way and settles nearly every
    comparison without the (slow) exact one."""
    out: list[object] = []
    for value in (c.score, *(c.tie_values.get(k, Fraction(0)) for k in tie_keys)):
        out.append(-(value.numerator * SCALE // value.denominator))
        out.append(-value)
    return tuple(out)


def annual_from_quarters(quarter_grades: Sequence[str], *, failing: str = "poor") -> tuple[str | None, str]:
    """Chengbu's rule: 3 failing quarters in a year give 基本称职 at best, 4 give 不称职;
    fewer leave the annual grade to the year's evaluation (``None``). Returns the bound and why."""
    count = sum(1 for g in quarter_grades if g == failing)
    if count >= 4:
        return "incompetent", f"{count} quarters graded {failing}: incompetent"
    if count == 3:
        return "basically_competent", f"3 quarters graded {failing}: basically competent at best"
    consequence = {0: "none", 1: "a talk with the unit head", 2: "a notice of criticism"}[count]
    return None, f"{count} quarter(s) graded {failing}: {consequence}"


"""The year: the annual score from the quarters and the year-end evaluation, and the annual grade.

Score (Binzhou): the mean of the quarter scores available × ``quarter_weight`` + the year-end
evaluation × (1 - ``quarter_weight``). The quarters are at least 60% of the annual score, so
``quarter_weight`` is between 3/5 and 1, else refused. Without a year-end evaluation the
quarters' mean stands for the whole, and the notes say so.

Grade: a person under sanction, under investigation or on more than half a year of leave is
excluded (``excluded_reason``): no grade, no rank, no priority. Chengbu escalation counts the
quarters graded with the failing grade (``poor``): the 1st, 2nd, 3rd and 4th bring, in turn, a
talk with the unit head, a notice of criticism, an annual grade of basically competent at best,
and incompetent; the consequences accumulate (whoever had a second failing quarter also had the
talk). A negative-list ``cap_at`` bounds the grade the same way; the lower bound wins.

The top ``excellent_slots`` by annual score among those neither excluded nor bound below
excellent are excellent. People tied where the slot count falls: the slot count holds and all
of them stay out (as ``tie_at_cap="exclude"`` in grades); the result names them. Slots not given
(a tie, or fewer eligible people than slots) are reported as unused, with the reason. Everyone
else is competent unless bound lower. All four quarters graded good give priority in
commendation, training and promotion (Chengbu). Input order never matters: results are by
score, highest first, then person id; equal scores share a rank.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from scoring.domain.grades import ANNUAL_GRADES, QUARTER_GRADES, annual_from_quarters

MIN_QUARTER_WEIGHT = Fraction(3, 5)
ESCALATION = ("a talk with the unit head", "a notice of criticism", "annual grade basically_competent at best",
              "annual grade incompetent")


class YearRuleError(ValueError):
    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class AnnualScore:
    quarter_scores: tuple[Fraction, ...]
    quarters_mean: Fraction
    year_end: Fraction | None
    quarter_weight: Fraction  # as applied: 1 without a year-end evaluation
    year_end_weight: Fraction  # as applied: 0 without a year-end evaluation
    quarters_contribution: Fraction
    year_end_contribution: Fraction
    total: Fraction
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class YearCandidate:
    person_id: str
    score: Fraction  # the annual score
    quarter_grades: tuple[str, ...] = ()  # among QUARTER_GRADES, at most four
    excluded_reason: str | None = None  # e.g. "under sanction": no grade at all
    cap_at: str | None = None  # negative list: no better than this annual grade


@dataclass(frozen=True)
class YearResult:
    person_id: str
    grade: str | None  # None when excluded
    rank: int | None  # among the graded, 1 = best, equal scores share a rank; None when excluded
    reasons: tuple[str, ...]
    consequences: tuple[str, ...]  # Chengbu escalation, accumulated
    four_good_priority: bool


@dataclass(frozen=True)
class YearGrading:
    results: tuple[YearResult, ...]  # by score, highest first, then person id
    excellent_slots: int
    slots_given: int
    slots_unused: int
    tied_at_slots: tuple[str, ...]  # people tied where the slot count fell, all kept out of excellent
    notes: tuple[str, ...]


def _pct(share: Fraction) -> str:
    return f"{float(share) * 100:g}%"


def annual_score(quarter_scores: Sequence[Fraction], year_end: Fraction | None, *,
                 quarter_weight: Fraction) -> AnnualScore:
    if not MIN_QUARTER_WEIGHT <= quarter_weight <= 1:
        raise YearRuleError(f"the quarters are 60% to 100% of the annual score, not {_pct(quarter_weight)}",
                            field="quarter_weight")
    if not 1 <= len(quarter_scores) <= 4:
        raise YearRuleError(f"one to four quarter scores, not {len(quarter_scores)}", field="quarter_scores")
    quarters = tuple(quarter_scores)
    mean = sum(quarters, Fraction(0)) / len(quarters)
    notes = []
    if len(quarters) < 4:
        notes.append(f"{len(quarters)} of 4 quarters scored: their mean stands for the quarters")
    if year_end is None:
        notes.append(f"no year-end evaluation: the quarters stand for the whole "
                     f"(declared quarter weight {_pct(quarter_weight)})")
        weight, end_weight = Fraction(1), Fraction(0)
    else:
        weight, end_weight = quarter_weight, 1 - quarter_weight
    end_part = year_end * end_weight if year_end is not None else Fraction(0)
    return AnnualScore(quarter_scores=quarters, quarters_mean=mean, year_end=year_end, quarter_weight=weight,
                       year_end_weight=end_weight, quarters_contribution=mean * weight,
                       year_end_contribution=end_part, total=mean * weight + end_part, notes=tuple(notes))


def _lower(grade: str, bound: str | None) -> str:
    """The worse of a grade and an optional bound."""
    if bound is None or ANNUAL_GRADES.index(grade) >= ANNUAL_GRADES.index(bound):
        return grade
    return bound


def _validate(people: Sequence[YearCandidate], excellent_slots: int, failing: str) -> None:
    if excellent_slots < 0:
        raise YearRuleError("the number of excellent slots is not negative", field="excellent_slots")
    if failing not in QUARTER_GRADES:
        raise YearRuleError(f"the failing grade is one of {', '.join(QUARTER_GRADES)}", field="failing")
    ids = [p.person_id for p in people]
    if len(set(ids)) != len(ids):
        raise YearRuleError("a person appears twice", field="people")
    for p in people:
        if len(p.quarter_grades) > 4 or any(g not in QUARTER_GRADES for g in p.quarter_grades):
            raise YearRuleError(f"{p.person_id}: at most four quarter grades among {', '.join(QUARTER_GRADES)}",
                                field=f"people.{p.person_id}.quarter_grades")
        if p.cap_at is not None and p.cap_at not in ANNUAL_GRADES:
            raise YearRuleError(f"{p.person_id}: cap {p.cap_at!r} is not an annual grade",
                                field=f"people.{p.person_id}.cap_at")


def grade_year(people: Sequence[YearCandidate], *, excellent_slots: int, failing: str = "poor") -> YearGrading:
    _validate(people, excellent_slots, failing)
    ranked = sorted(people, key=lambda p: (-p.score, p.person_id))
    graded = [p for p in ranked if p.excluded_reason is None]
    ranks: dict[str, int] = {}
    for position, p in enumerate(graded):
        previous = graded[position - 1] if position else None
        ranks[p.person_id] = ranks[previous.person_id] if previous and previous.score == p.score else position + 1
    reasons: dict[str, list[str]] = {p.person_id: [] for p in ranked}
    bounds: dict[str, str | None] = {}
    for p in ranked:
        if p.excluded_reason is not None:
            reasons[p.person_id].append(f"excluded: {p.excluded_reason}; no annual grade")
            continue
        bound, why = annual_from_quarters(p.quarter_grades, failing=failing)
        if any(g == failing for g in p.quarter_grades):
            reasons[p.person_id].append(f"Chengbu escalation: {why}")
        if p.cap_at is not None:
            reasons[p.person_id].append(f"negative list: no better than {p.cap_at}")
            bound = p.cap_at if bound is None else _lower(bound, p.cap_at)
        bounds[p.person_id] = bound
    eligible = [p for p in graded if bounds[p.person_id] in (None, "excellent")]
    room = excellent_slots
    chosen = eligible[:room]
    tied: list[str] = []
    notes: list[str] = []
    if 0 < room < len(eligible) and eligible[room - 1].score == eligible[room].score:
        boundary = eligible[room].score
        tied = [p.person_id for p in eligible if p.score == boundary]
        chosen = [p for p in chosen if p.score != boundary]
        notes.append(f"{', '.join(tied)} tied at {float(boundary):g} where the {room} excellent slot(s) fell; "
                     f"the slot count holds and all of them stay out")
        for pid in tied:
            reasons[pid].append(f"tied at {float(boundary):g} where the excellent slots fell; the slot count holds")
    if len(eligible) < room:
        notes.append(f"{len(eligible)} eligible for {room} excellent slot(s)")
    excellent = {p.person_id for p in chosen}
    results = []
    for p in ranked:
        pid = p.person_id
        count = sum(1 for g in p.quarter_grades if g == failing)
        four_good = p.excluded_reason is None and len(p.quarter_grades) == 4 and \
            all(g == "good" for g in p.quarter_grades)
        grade: str | None = None
        if p.excluded_reason is None:
            grade = "excellent" if pid in excellent else _lower("competent", bounds[pid])
            within = f", within the {room} excellent slot(s)" if pid in excellent else ""
            reasons[pid].append(f"rank {ranks[pid]} with {float(p.score):g}: {grade}{within}")
        if four_good:
            reasons[pid].append("four quarters graded good: priority in commendation, training and promotion")
        results.append(YearResult(person_id=pid, grade=grade, rank=ranks.get(pid), reasons=tuple(reasons[pid]),
                                  consequences=ESCALATION[:count], four_good_priority=four_good))
    return YearGrading(results=tuple(results), excellent_slots=room, slots_given=len(excellent),
                       slots_unused=room - len(excellent), tied_at_slots=tuple(tied), notes=tuple(notes))

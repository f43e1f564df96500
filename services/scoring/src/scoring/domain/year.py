"""The year: the annual score from the quarters and the year-end evaluation, and the annual grade.

Score (Binzhou): the mean of the quarter scores available × ``quarter_weight`` + the year-end
evaluation × (1 - ``quarter_weight``). The quarters are at least 60% of the annual score, so
``quarter_weight`` is between 3/5 and 1, else refused. Without a year-end evaluation the
quarters' mean stands for the whole, and the notes say so. A quarter with a score but no grade
(the person was excluded from grading in it, e.g. under investigation) counts in the score; its
grade neither fails nor counts as good, and the reasons say so.

Grade: a person under sanction, under investigation or on more than half a year of leave is
excluded (``excluded_reason``): no grade, no rank, no priority. The escalation counts the
quarters graded with the failing grade (``poor``) and applies every step whose count is reached,
in order (``escalation``; Chengbu's, the default: the 1st, 2nd, 3rd and 4th bring, in turn, a
talk with the unit head, a notice of criticism, an annual grade of basically competent at best,
and incompetent); the consequences accumulate (whoever had a second failing quarter also had the
talk). A ``grade`` step bounds the annual grade; so does a negative-list ``cap_at``; the lowest
bound wins. With ``poor_quarter_bars_excellent`` (Chengbu) a single failing quarter already
bars an excellent year.

All four quarters graded good give priority in commendation, training and promotion (Chengbu).
With ``four_good_breaks_ties`` it is also the ranking's tie-break: of people with equal annual
scores, those with four good quarters rank first (and take an excellent slot first); the reasons
name whom it put ahead of whom. Otherwise, and among people still equal, equal scores share a
rank.

The top ``excellent_slots`` in that order among those neither excluded nor bound below excellent
are excellent. People still tied where the slot count falls: the slot count holds and all of
them stay out (as ``tie_at_cap="exclude"`` in grades); the result names them. Slots not given (a
tie, or fewer eligible people than slots) are reported as unused, with the reason. Everyone else
is competent unless bound lower. Input order never matters: results are by score, highest
first, then four good quarters first (with the tie-break), then person id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from scoring.domain.grades import ANNUAL_GRADES, QUARTER_GRADES
from shared.field_error import FieldError

MIN_QUARTER_WEIGHT = Fraction(3, 5)
ACTIONS = {"talk": "a talk with the unit head", "notice": "a notice of criticism", "grade": "an annual grade bound"}


class YearRuleError(FieldError):
    """Input this rule cannot take; ``field`` names where the problem is."""


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
class EscalationStep:
    failing_quarters: int  # from this many quarters graded with the failing grade, 1-4
    action: str  # among ACTIONS
    grade: str | None = None  # for action="grade": no better than this annual grade


CHENGBU_ESCALATION = (EscalationStep(1, "talk"), EscalationStep(2, "notice"),
                      EscalationStep(3, "grade", "basically_competent"), EscalationStep(4, "grade", "incompetent"))


@dataclass(frozen=True)
class YearCandidate:
    person_id: str
    score: Fraction  # the annual score
    quarter_grades: tuple[str, ...] = ()  # among QUARTER_GRADES, at most four
    excluded_reason: str | None = None  # e.g. "under sanction": no grade at all
    cap_at: str | None = None  # negative list: no better than this annual grade
    ungraded_quarters: tuple[str, ...] = ()  # quarters scored but not graded, each with why


@dataclass(frozen=True)
class YearResult:
    person_id: str
    grade: str | None  # None when excluded
    rank: int | None  # among the graded, 1 = best, equals share a rank (see the tie-break); None when excluded
    reasons: tuple[str, ...]
    consequences: tuple[str, ...]  # Chengbu escalation, accumulated
    four_good_priority: bool


@dataclass(frozen=True)
class YearGrading:
    results: tuple[YearResult, ...]  # by score, highest first, then four good quarters (tie-break), person id
    excellent_slots: int
    slots_given: int
    slots_unused: int
    tied_at_slots: tuple[str, ...]  # people tied where the slot count fell, all kept out of excellent
    notes: tuple[str, ...]  # unused slots, the tie at the slots, where four good quarters decided an order


def _pct(share: Fraction) -> str:
    return f"{float(share) * 100:g}%"


def annual_score(quarter_scores: Sequence[Fraction], year_end: Fraction | None, *,
                 quarter_weight: Fraction) -> AnnualScore:
    """Binzhou's year: the quarters at least 60% (``built_score`` of four quarters)."""
    return built_score(quarter_scores, year_end, share=quarter_weight, min_share=MIN_QUARTER_WEIGHT)


def built_score(part_scores: Sequence[Fraction], end: Fraction | None, *, share: Fraction,
                min_share: Fraction = Fraction(0), parts: int = 4, part: str = "quarter", whole: str = "annual",
                end_name: str = "year-end") -> AnnualScore:
    """A longer period's score built from its parts (a year from its quarters, a half year from its
    quarters or months): the mean of the part scores available × ``share`` + the period-end
    evaluation × the rest; without a period-end evaluation the parts' mean stands for the whole.
    ``share`` is between ``min_share`` and 1; one to ``parts`` scores."""
    if not min_share <= share <= 1:
        raise YearRuleError(f"the {part}s are {_pct(min_share)} to 100% of the {whole} score, not {_pct(share)}",
                            field=f"{part}_weight")
    if not 1 <= len(part_scores) <= parts:
        raise YearRuleError(f"one to {_words(parts)} {part} scores, not {len(part_scores)}", field=f"{part}_scores")
    scores = tuple(part_scores)
    mean = sum(scores, Fraction(0)) / len(scores)
    notes = []
    if len(scores) < parts:
        notes.append(f"{len(scores)} of {parts} {part}s scored: their mean stands for the {part}s")
    if end is None:
        notes.append(f"no {end_name} evaluation: the {part}s stand for the whole "
                     f"(declared {part} weight {_pct(share)})")
        weight, end_weight = Fraction(1), Fraction(0)
    else:
        weight, end_weight = share, 1 - share
    end_part = end * end_weight if end is not None else Fraction(0)
    return AnnualScore(quarter_scores=scores, quarters_mean=mean, year_end=end, quarter_weight=weight,
                       year_end_weight=end_weight, quarters_contribution=mean * weight,
                       year_end_contribution=end_part, total=mean * weight + end_part, notes=tuple(notes))


def _words(count: int) -> str:
    return {2: "two", 3: "three", 4: "four", 6: "six", 12: "twelve"}.get(count, str(count))


def _lower(grade: str, bound: str | None) -> str:
    """The worse of a grade and an optional bound."""
    if bound is None or ANNUAL_GRADES.index(grade) >= ANNUAL_GRADES.index(bound):
        return grade
    return bound


def describe(step: EscalationStep) -> str:
    """What a step brings, as the consequences list it."""
    if step.action != "grade":
        return ACTIONS[step.action]
    at_best = "" if step.grade == ANNUAL_GRADES[-1] else " at best"
    return f"annual grade {step.grade}{at_best}"


def validate_escalation(steps: Sequence[EscalationStep]) -> None:
    """Counts 1-4, ascending and unique; a ``grade`` step has an annual grade below excellent, no
    better than an earlier step's; the other steps have none. Fields are ``escalation.N.…``."""
    previous, bound = 0, ANNUAL_GRADES[0]
    for index, step in enumerate(steps):
        where = f"escalation.{index}"
        if not 1 <= step.failing_quarters <= 4:
            raise YearRuleError(f"step {index}: one to four failing quarters, not {step.failing_quarters}",
                                field=f"{where}.failing_quarters")
        if step.failing_quarters <= previous:
            raise YearRuleError(f"step {index}: the failing quarters ascend, each count once "
                                f"({step.failing_quarters} after {previous})", field=f"{where}.failing_quarters")
        previous = step.failing_quarters
        if step.action not in ACTIONS:
            raise YearRuleError(f"step {index}: the action is one of {', '.join(ACTIONS)}", field=f"{where}.action")
        if step.action != "grade":
            if step.grade is not None:
                raise YearRuleError(f"step {index}: only a 'grade' step names a grade", field=f"{where}.grade")
            continue
        if step.grade not in ANNUAL_GRADES[1:]:
            raise YearRuleError(f"step {index}: a 'grade' step names an annual grade below excellent "
                                f"({', '.join(ANNUAL_GRADES[1:])}), not {step.grade!r}", field=f"{where}.grade")
        if ANNUAL_GRADES.index(step.grade) < ANNUAL_GRADES.index(bound):
            raise YearRuleError(f"step {index}: {step.grade} is better than the earlier step's {bound}",
                                field=f"{where}.grade")
        bound = step.grade


def _validate(people: Sequence[YearCandidate], excellent_slots: int, failing: str,
              escalation: Sequence[EscalationStep]) -> None:
    if excellent_slots < 0:
        raise YearRuleError("the number of excellent slots is not negative", field="excellent_slots")
    if failing not in QUARTER_GRADES:
        raise YearRuleError(f"the failing grade is one of {', '.join(QUARTER_GRADES)}", field="failing")
    validate_escalation(escalation)
    ids = [p.person_id for p in people]
    if len(set(ids)) != len(ids):
        raise YearRuleError("a person appears twice", field="people")
    for p in people:
        if len(p.quarter_grades) + len(p.ungraded_quarters) > 4 or \
                any(g not in QUARTER_GRADES for g in p.quarter_grades):
            raise YearRuleError(f"{p.person_id}: at most four quarters, graded among {', '.join(QUARTER_GRADES)}",
                                field=f"people.{p.person_id}.quarter_grades")
        if p.cap_at is not None and p.cap_at not in ANNUAL_GRADES:
            raise YearRuleError(f"{p.person_id}: cap {p.cap_at!r} is not an annual grade",
                                field=f"people.{p.person_id}.cap_at")


def _four_good(p: YearCandidate) -> bool:
    return p.excluded_reason is None and len(p.quarter_grades) == 4 and all(g == "good" for g in p.quarter_grades)


def _steps(p: YearCandidate, failing: str, escalation: Sequence[EscalationStep]) -> list[EscalationStep]:
    """The escalation steps the person's failing quarters reach, in order."""
    count = sum(1 for g in p.quarter_grades if g == failing)
    return [s for s in escalation if s.failing_quarters <= count]


def _bound(p: YearCandidate, failing: str, escalation: Sequence[EscalationStep], bars: bool,
           reasons: list[str]) -> str | None:
    """The grade the escalation, the bar and the negative list leave at best, with the reasons."""
    for why in p.ungraded_quarters:
        reasons.append(f"{why}: its score counts, its grade neither fails nor counts as good")
    count = sum(1 for g in p.quarter_grades if g == failing)
    steps = _steps(p, failing, escalation)
    bound: str | None = None
    for step in steps:
        if step.grade is not None:
            bound = _lower(step.grade, bound)
    if count:
        brings = "; ".join(describe(s) for s in steps) or "no escalation step"
        reasons.append(f"escalation, {count} quarter(s) graded {failing}: {brings}")
    if count and bars and bound is None:
        reasons.append(f"{count} quarter(s) graded {failing}: not excellent (poor_quarter_bars_excellent)")
        bound = "competent"
    if p.cap_at is not None:
        reasons.append(f"negative list: no better than {p.cap_at}")
        bound = _lower(p.cap_at, bound)
    return bound


def _tie_break_reasons(graded: Sequence[YearCandidate], four_good: set[str], reasons: dict[str, list[str]],
                       notes: list[str]) -> None:
    """Where four good quarters put one person ahead of another with the same annual score."""
    by_score: dict[Fraction, list[str]] = {}
    for p in graded:
        by_score.setdefault(p.score, []).append(p.person_id)
    for score, ids in by_score.items():
        first = [pid for pid in ids if pid in four_good]
        after = [pid for pid in ids if pid not in four_good]
        if not first or not after:
            continue
        notes.append(f"at {float(score):g}, {', '.join(first)} (four good quarters) rank ahead of {', '.join(after)} "
                     f"(four_good_breaks_ties)")
        for pid in first:
            reasons[pid].append(f"equal annual score {float(score):g} with {', '.join(after)}: four quarters graded "
                                f"good rank first (four_good_breaks_ties)")
        for pid in after:
            reasons[pid].append(f"equal annual score {float(score):g} with {', '.join(first)}, ranked first for four "
                                f"quarters graded good (four_good_breaks_ties)")


def grade_year(people: Sequence[YearCandidate], *, excellent_slots: int, failing: str = "poor",
               escalation: Sequence[EscalationStep] = CHENGBU_ESCALATION, poor_quarter_bars_excellent: bool = False,
               four_good_breaks_ties: bool = False) -> YearGrading:
    """The annual grades (see the module). The keywords' defaults are the rule as it was before they
    were settings (no bar, no tie-break); a scheme's ``annual`` block passes its own (Chengbu's by
    default: both on)."""
    _validate(people, excellent_slots, failing, escalation)
    four_good = {p.person_id for p in people if _four_good(p)}

    def key(p: YearCandidate) -> tuple[Fraction, bool]:
        """What orders people and decides ties: the score, then four good quarters if they break ties."""
        return p.score, four_good_breaks_ties and p.person_id in four_good

    ranked = sorted(people, key=lambda p: (-p.score, not key(p)[1], p.person_id))
    graded = [p for p in ranked if p.excluded_reason is None]
    ranks: dict[str, int] = {}
    for position, p in enumerate(graded):
        previous = graded[position - 1] if position else None
        ranks[p.person_id] = ranks[previous.person_id] if previous and key(previous) == key(p) else position + 1
    reasons: dict[str, list[str]] = {p.person_id: [] for p in ranked}
    bounds: dict[str, str | None] = {}
    for p in ranked:
        if p.excluded_reason is not None:
            reasons[p.person_id].append(f"excluded: {p.excluded_reason}; no annual grade")
            continue
        bounds[p.person_id] = _bound(p, failing, escalation, poor_quarter_bars_excellent, reasons[p.person_id])
    notes: list[str] = []
    if four_good_breaks_ties:
        _tie_break_reasons(graded, four_good, reasons, notes)
    eligible = [p for p in graded if bounds[p.person_id] in (None, "excellent")]
    room = excellent_slots
    chosen = eligible[:room]
    tied: list[str] = []
    if 0 < room < len(eligible) and key(eligible[room - 1]) == key(eligible[room]):
        boundary = key(eligible[room])
        tied = [p.person_id for p in eligible if key(p) == boundary]
        chosen = [p for p in chosen if key(p) != boundary]
        notes.append(f"{', '.join(tied)} tied at {float(boundary[0]):g} where the {room} excellent slot(s) fell; "
                     f"the slot count holds and all of them stay out")
        for pid in tied:
            reasons[pid].append(f"tied at {float(boundary[0]):g} where the excellent slots fell; the slot count holds")
    if len(eligible) < room:
        notes.append(f"{len(eligible)} eligible for {room} excellent slot(s)")
    excellent = {p.person_id for p in chosen}
    results = []
    for p in ranked:
        pid = p.person_id
        grade: str | None = None
        if p.excluded_reason is None:
            grade = "excellent" if pid in excellent else _lower("competent", bounds[pid])
            within = f", within the {room} excellent slot(s)" if pid in excellent else ""
            reasons[pid].append(f"rank {ranks[pid]} with {float(p.score):g}: {grade}{within}")
        if pid in four_good:
            reasons[pid].append("four quarters graded good: priority in commendation, training and promotion")
        results.append(YearResult(person_id=pid, grade=grade, rank=ranks.get(pid), reasons=tuple(reasons[pid]),
                                  consequences=tuple(describe(s) for s in _steps(p, failing, escalation)),
                                  four_good_priority=pid in four_good))
    return YearGrading(results=tuple(results), excellent_slots=room, slots_given=len(excellent),
                       slots_unused=room - len(excellent), tied_at_slots=tuple(tied), notes=tuple(notes))

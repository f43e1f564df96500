"""The year's settings as pure functions: four good quarters as the ranking's tie-break, a failing
quarter barring an excellent year, the escalation steps as a list (validated), and quarters scored
without a grade."""

from __future__ import annotations

import itertools
import random
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.definitions import SchemeDefinition, compile_rules
from scoring.domain.grades import ANNUAL_GRADES, QUARTER_GRADES, annual_from_quarters
from scoring.domain.year import (
    CHENGBU_ESCALATION,
    EscalationStep,
    YearCandidate,
    YearGrading,
    YearRuleError,
    grade_year,
    validate_escalation,
)
from scoring.errors import SchemeInvalid

F = Fraction
GOOD4 = ("good",) * 4
ONE_FAIR = ("good", "fairly_good", "good", "good")


def by_id(grading: YearGrading) -> dict[str, str | None]:
    return {r.person_id: r.grade for r in grading.results}


def reasons_of(grading: YearGrading, pid: str) -> tuple[str, ...]:
    return next(r.reasons for r in grading.results if r.person_id == pid)


class TestFourGoodBreaksTies:
    def people(self) -> list[YearCandidate]:
        # c 95; a and b both 90, only a with four good quarters; d 90 with no quarter grades
        return [YearCandidate("a", F(90), GOOD4), YearCandidate("b", F(90), ONE_FAIR),
                YearCandidate("c", F(95), ONE_FAIR), YearCandidate("d", F(85))]

    def test_four_good_rank_first_and_take_the_slot(self) -> None:
        result = grade_year(self.people(), excellent_slots=2, four_good_breaks_ties=True)
        # order: c 95, then a (90, four good) ahead of b (90); the 2 slots go to c and a
        assert [(r.person_id, r.rank, r.grade) for r in result.results] == [
            ("c", 1, "excellent"), ("a", 2, "excellent"), ("b", 3, "competent"), ("d", 4, "competent")]
        assert (result.slots_given, result.tied_at_slots) == (2, ())
        assert ("equal annual score 90 with b: four quarters graded good rank first (four_good_breaks_ties)"
                in reasons_of(result, "a"))
        assert ("equal annual score 90 with a, ranked first for four quarters graded good (four_good_breaks_ties)"
                in reasons_of(result, "b"))
        assert result.notes == ("at 90, a (four good quarters) rank ahead of b (four_good_breaks_ties)",)
        assert not any("four_good_breaks_ties" in reason for reason in reasons_of(result, "c"))

    def test_without_the_tie_break_equal_scores_share_a_rank_and_the_slot_count_holds(self) -> None:
        result = grade_year(self.people(), excellent_slots=2)
        # a and b tied at 90 where slot 2 falls: both stay out, one slot unused (today's rule)
        assert [(r.person_id, r.rank, r.grade) for r in result.results] == [
            ("c", 1, "excellent"), ("a", 2, "competent"), ("b", 2, "competent"), ("d", 4, "competent")]
        assert (result.slots_given, result.slots_unused, result.tied_at_slots) == (1, 1, ("a", "b"))
        assert result.results[1].four_good_priority  # the flag stays: priority in commendation

    def test_two_with_four_good_quarters_still_tie(self) -> None:
        people = [YearCandidate("a", F(90), GOOD4), YearCandidate("b", F(90), GOOD4),
                  YearCandidate("c", F(90), ONE_FAIR)]
        result = grade_year(people, excellent_slots=1, four_good_breaks_ties=True)
        # a and b equal on both keys: they share rank 1 and the single slot stays unused; c ranks 3
        assert [(r.person_id, r.rank, r.grade) for r in result.results] == [
            ("a", 1, "competent"), ("b", 1, "competent"), ("c", 3, "competent")]
        assert result.tied_at_slots == ("a", "b")

    def test_an_excluded_person_is_no_one_s_tie_break(self) -> None:
        people = [YearCandidate("a", F(90), GOOD4, excluded_reason="under sanction"),
                  YearCandidate("b", F(90), ONE_FAIR)]
        result = grade_year(people, excellent_slots=1, four_good_breaks_ties=True)
        assert by_id(result) == {"b": "excellent", "a": None}
        assert result.notes == ()


class TestPoorQuarterBarsExcellent:
    def test_one_failing_quarter_bars_the_top_score(self) -> None:
        people = [YearCandidate("p", F(95), ("poor", "good", "good", "good")), YearCandidate("q", F(80), ONE_FAIR)]
        barred = grade_year(people, excellent_slots=1, poor_quarter_bars_excellent=True)
        # p ranks first but may not be excellent: the slot goes to q
        assert by_id(barred) == {"p": "competent", "q": "excellent"}
        assert reasons_of(barred, "p")[:2] == (
            "escalation, 1 quarter(s) graded poor: a talk with the unit head",
            "1 quarter(s) graded poor: not excellent (poor_quarter_bars_excellent)")
        assert by_id(grade_year(people, excellent_slots=1)) == {"p": "excellent", "q": "competent"}

    def test_the_bar_is_not_named_where_the_escalation_already_bounds_lower(self) -> None:
        people = [YearCandidate("p", F(95), ("poor", "poor", "poor", "good"))]
        result = grade_year(people, excellent_slots=1, poor_quarter_bars_excellent=True)
        assert by_id(result) == {"p": "basically_competent"}
        assert not any("poor_quarter_bars_excellent" in reason for reason in reasons_of(result, "p"))

    def test_the_failing_grade_is_the_scheme_s(self) -> None:
        people = [YearCandidate("p", F(95), ("average", "good", "good", "good"))]
        assert by_id(grade_year(people, excellent_slots=1, failing="average",
                                poor_quarter_bars_excellent=True)) == {"p": "competent"}
        assert by_id(grade_year(people, excellent_slots=1, poor_quarter_bars_excellent=True)) == {"p": "excellent"}


class TestEscalationSteps:
    def test_a_scheme_s_own_steps(self) -> None:
        # a stricter unit: a notice from the 1st failing quarter, basically competent from the 2nd
        steps = (EscalationStep(1, "notice"), EscalationStep(2, "grade", "basically_competent"))
        people = [YearCandidate("one", F(95), ("poor", "good", "good", "good")),
                  YearCandidate("two", F(94), ("poor", "poor", "good", "good")),
                  YearCandidate("four", F(93), ("poor",) * 4)]
        result = grade_year(people, excellent_slots=1, escalation=steps)
        assert by_id(result) == {"one": "excellent", "two": "basically_competent", "four": "basically_competent"}
        consequences = {r.person_id: r.consequences for r in result.results}
        assert consequences == {"one": ("a notice of criticism",),
                                "two": ("a notice of criticism", "annual grade basically_competent at best"),
                                "four": ("a notice of criticism", "annual grade basically_competent at best")}

    def test_no_steps_no_consequences(self) -> None:
        result = grade_year([YearCandidate("p", F(95), ("poor",) * 4)], excellent_slots=1, escalation=())
        assert (result.results[0].grade, result.results[0].consequences) == ("excellent", ())
        assert "escalation, 4 quarter(s) graded poor: no escalation step" in result.results[0].reasons

    @pytest.mark.parametrize(("steps", "field"), [
        ((EscalationStep(0, "talk"),), "escalation.0.failing_quarters"),
        ((EscalationStep(5, "talk"),), "escalation.0.failing_quarters"),
        ((EscalationStep(2, "talk"), EscalationStep(2, "notice")), "escalation.1.failing_quarters"),
        ((EscalationStep(3, "talk"), EscalationStep(1, "notice")), "escalation.1.failing_quarters"),
        ((EscalationStep(1, "warn"),), "escalation.0.action"),
        ((EscalationStep(1, "talk", "competent"),), "escalation.0.grade"),
        ((EscalationStep(1, "grade"),), "escalation.0.grade"),
        ((EscalationStep(1, "grade", "excellent"),), "escalation.0.grade"),
        ((EscalationStep(1, "grade", "poor"),), "escalation.0.grade"),
        ((EscalationStep(1, "grade", "incompetent"), EscalationStep(2, "grade", "competent")), "escalation.1.grade"),
    ])
    def test_bad_steps_are_refused_by_name(self, steps: tuple[EscalationStep, ...], field: str) -> None:
        with pytest.raises(YearRuleError) as info:
            validate_escalation(steps)
        assert info.value.field == field
        with pytest.raises(YearRuleError):
            grade_year([], excellent_slots=1, escalation=steps)


class TestUngradedQuarters:
    def test_an_ungraded_quarter_neither_fails_nor_counts_as_good(self) -> None:
        person = YearCandidate("p", F(95), ("good", "good", "good"),
                               ungraded_quarters=("2025Q3 not graded (under investigation)",))
        result = grade_year([person], excellent_slots=1, four_good_breaks_ties=True,
                            poor_quarter_bars_excellent=True).results[0]
        assert (result.grade, result.four_good_priority, result.consequences) == ("excellent", False, ())
        assert result.reasons[0] == ("2025Q3 not graded (under investigation): its score counts, its grade neither "
                                     "fails nor counts as good")

    def test_at_most_four_quarters_graded_or_not(self) -> None:
        person = YearCandidate("p", F(95), GOOD4, ungraded_quarters=("2025Q3 not graded",))
        with pytest.raises(YearRuleError) as info:
            grade_year([person], excellent_slots=1)
        assert info.value.field == "people.p.quarter_grades"


def definition(annual: dict[str, Any]) -> SchemeDefinition:
    return SchemeDefinition.model_validate({"indicators": [{"code": "ji", "name": "绩", "weight": "1"}],
                                            "annual": annual})


class TestSchemeSettings:
    def test_the_defaults_are_chengbu_s(self) -> None:
        annual = compile_rules(definition({})).annual
        assert (annual.poor_quarter_bars_excellent, annual.four_good_breaks_ties) == (True, True)
        assert annual.steps() == CHENGBU_ESCALATION
        assert [s.model_dump(exclude_none=True) for s in annual.escalation] == [
            {"failing_quarters": 1, "action": "talk"}, {"failing_quarters": 2, "action": "notice"},
            {"failing_quarters": 3, "action": "grade", "grade": "basically_competent"},
            {"failing_quarters": 4, "action": "grade", "grade": "incompetent"}]

    def test_a_bad_step_is_refused_naming_the_setting(self) -> None:
        with pytest.raises(SchemeInvalid) as info:
            compile_rules(definition({"escalation": [{"failing_quarters": 1, "action": "grade",
                                                      "grade": "excellent"}]}))
        assert info.value.errors == [{"field": "body.annual.escalation.0.grade", "message": str(info.value)}]


@st.composite
def year_people(draw: st.DrawFn) -> list[YearCandidate]:
    count = draw(st.integers(min_value=0, max_value=12))
    people = []
    for i in range(count):
        grades = tuple(draw(st.lists(st.sampled_from(QUARTER_GRADES[:1] * 3 + QUARTER_GRADES), max_size=4)))
        ungraded = tuple(f"Q{n} not graded" for n in range(draw(st.integers(min_value=0,
                                                                            max_value=4 - len(grades)))))
        people.append(YearCandidate(f"p{i:02d}", F(draw(st.integers(min_value=60, max_value=64))), grades,
                                    draw(st.sampled_from([None, None, None, "under sanction"])),
                                    draw(st.sampled_from([None, None, None, *ANNUAL_GRADES])), ungraded))
    return people


@st.composite
def escalations(draw: st.DrawFn) -> tuple[EscalationStep, ...]:
    counts = sorted(draw(st.sets(st.integers(min_value=1, max_value=4))))
    steps, bound = [], 1
    for count in counts:
        action = draw(st.sampled_from(["talk", "notice", "grade"]))
        grade = None
        if action == "grade":
            bound = draw(st.integers(min_value=bound, max_value=len(ANNUAL_GRADES) - 1))
            grade = ANNUAL_GRADES[bound]
        steps.append(EscalationStep(count, action, grade))
    return tuple(steps)


SETTINGS = st.fixed_dictionaries({"poor_quarter_bars_excellent": st.booleans(),
                                  "four_good_breaks_ties": st.booleans(), "escalation": escalations()})


def grade_index(grade: str | None) -> int:
    return ANNUAL_GRADES.index(grade) if grade is not None else len(ANNUAL_GRADES)


class TestYearRuleProperties:
    @given(year_people(), st.integers(min_value=0, max_value=6), SETTINGS, st.randoms(use_true_random=False))
    def test_input_order_never_matters(self, people: list[YearCandidate], slots: int, settings: dict[str, Any],
                                       rnd: random.Random) -> None:
        shuffled = list(people)
        rnd.shuffle(shuffled)
        assert grade_year(shuffled, excellent_slots=slots, **settings) == grade_year(
            people, excellent_slots=slots, **settings)

    @given(year_people(), st.integers(min_value=0, max_value=6), SETTINGS)
    def test_the_settings_hold(self, people: list[YearCandidate], slots: int, settings: dict[str, Any]) -> None:
        result = grade_year(people, excellent_slots=slots, **settings)
        excellent = sum(r.grade == "excellent" for r in result.results)
        assert excellent == result.slots_given <= slots
        assert result.slots_given + result.slots_unused == slots
        people_by_id = {p.person_id: p for p in people}
        order = [people_by_id[r.person_id] for r in result.results if r.rank is not None]
        for r in result.results:
            p = people_by_id[r.person_id]
            if settings["poor_quarter_bars_excellent"] and "poor" in p.quarter_grades:
                assert r.grade != "excellent"
            failing = sum(g == "poor" for g in p.quarter_grades)
            for step in settings["escalation"]:
                if step.grade is not None and step.failing_quarters <= failing and r.grade is not None:
                    assert grade_index(r.grade) >= grade_index(step.grade)
        if settings["four_good_breaks_ties"]:
            # of equal scores, nobody without four good quarters comes before someone with them
            flags = {r.person_id: r.four_good_priority for r in result.results}
            for before, after in itertools.pairwise(order):
                if before.score == after.score:
                    assert flags[before.person_id] >= flags[after.person_id]

    @given(year_people(), st.integers(min_value=0, max_value=6), SETTINGS, st.integers(min_value=0, max_value=11),
           st.integers(min_value=1, max_value=10))
    def test_raising_a_score_never_lowers_the_grade(self, people: list[YearCandidate], slots: int,
                                                    settings: dict[str, Any], pick: int, raise_by: int) -> None:
        if not people:
            return
        person = people[pick % len(people)]
        raised = [YearCandidate(p.person_id, p.score + raise_by, p.quarter_grades, p.excluded_reason, p.cap_at,
                                p.ungraded_quarters) if p is person else p for p in people]
        before = by_id(grade_year(people, excellent_slots=slots, **settings))[person.person_id]
        after = by_id(grade_year(raised, excellent_slots=slots, **settings))[person.person_id]
        assert grade_index(after) <= grade_index(before)

    @given(st.lists(st.sampled_from(QUARTER_GRADES), max_size=4))
    def test_the_default_steps_bound_as_chengbu_s_rule(self, quarters: list[str]) -> None:
        # the escalation list with its default gives the bound grades.annual_from_quarters gave before it
        bound, _ = annual_from_quarters(quarters)
        result = grade_year([YearCandidate("p", F(90), tuple(quarters))], excellent_slots=1).results[0]
        assert result.grade == ("excellent" if bound is None else bound)

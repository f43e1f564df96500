"""The year (annual score, annual grade, Chengbu escalation) and the bonus payout, as pure functions."""

from __future__ import annotations

import random
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.domain.bonus import BonusCandidate, BonusRuleError, pay_out, to_fen
from scoring.domain.grades import ANNUAL_GRADES, QUARTER_GRADES
from scoring.domain.year import YearCandidate, YearGrading, YearRuleError, annual_score, grade_year

F = Fraction
COEFFICIENTS = {"excellent": F(3, 2), "competent": F(1), "basically_competent": F(1, 2), "incompetent": F(0)}
WITHHOLDING = {"average": F(1, 10)}


def by_id(grading: YearGrading) -> dict[str, str | None]:
    return {r.person_id: r.grade for r in grading.results}


class TestAnnualScore:
    def test_binzhou_by_hand(self) -> None:
        result = annual_score([F(90), F(80), F(85), F(95)], F(80), quarter_weight=F(3, 5))
        # mean (90 + 80 + 85 + 95) / 4 = 87.5; 87.5 x 0.6 = 52.5; 80 x 0.4 = 32; total 84.5
        assert result.quarters_mean == F(175, 2)
        assert (result.quarters_contribution, result.year_end_contribution) == (F(105, 2), F(32))
        assert result.total == F(169, 2)
        assert (result.quarter_weight, result.year_end_weight) == (F(3, 5), F(2, 5))
        assert result.notes == ()

    def test_without_a_year_end_the_quarters_stand_for_the_whole(self) -> None:
        result = annual_score([F(90), F(80), F(85)], None, quarter_weight=F(7, 10))
        # mean (90 + 80 + 85) / 3 = 85, weight 1
        assert result.total == 85
        assert (result.quarter_weight, result.year_end_weight, result.year_end_contribution) == (F(1), F(0), F(0))
        assert "3 of 4 quarters scored: their mean stands for the quarters" in result.notes
        assert any("quarters stand for the whole" in note for note in result.notes)

    def test_quarter_weight_of_one_ignores_the_year_end(self) -> None:
        assert annual_score([F(70)], F(100), quarter_weight=F(1)).total == 70

    @pytest.mark.parametrize("weight", [F(1, 2), F(59, 100), F(11, 10)])
    def test_quarter_weight_outside_60_to_100_percent_is_refused(self, weight: Fraction) -> None:
        with pytest.raises(YearRuleError) as info:
            annual_score([F(90)], F(80), quarter_weight=weight)
        assert info.value.field == "quarter_weight"

    @pytest.mark.parametrize("count", [0, 5])
    def test_one_to_four_quarters(self, count: int) -> None:
        with pytest.raises(YearRuleError) as info:
            annual_score([F(80)] * count, F(80), quarter_weight=F(3, 5))
        assert info.value.field == "quarter_scores"


def township() -> list[YearCandidate]:
    poor, good = "poor", "good"
    return [
        YearCandidate("t01", F(99), (good,) * 4, excluded_reason="under investigation"),
        YearCandidate("t02", F(97), (poor, poor, poor, good)),
        YearCandidate("t03", F(96), (good,) * 4, cap_at="competent"),
        YearCandidate("t04", F(95), (good,) * 4),
        YearCandidate("t05", F(90), (good, "fairly_good", good, good)),
        YearCandidate("t06", F(90)),
        YearCandidate("t07", F(85), (poor, good, good, good)),
        YearCandidate("t08", F(80), (poor, "average", poor, good)),
        YearCandidate("t09", F(75), (poor,) * 4),
        YearCandidate("t10", F(70), ("average",) * 4),
    ]


class TestGradeYear:
    def test_a_township_of_ten_with_two_slots_and_a_tie(self) -> None:
        result = grade_year(township(), excellent_slots=2)
        # eligible for excellent, by score: t04 95, t05 90, t06 90, t07 85, t08 80, t10 70
        # (t01 excluded, t02 bound by 3 poor quarters, t03 capped, t09 bound by 4 poor quarters);
        # slot 2 falls on t05/t06 tied at 90: the slot count holds, both stay out, one slot unused
        assert by_id(result) == {"t01": None, "t02": "basically_competent", "t03": "competent", "t04": "excellent",
                                 "t05": "competent", "t06": "competent", "t07": "competent", "t08": "competent",
                                 "t09": "incompetent", "t10": "competent"}
        assert (result.slots_given, result.slots_unused, result.tied_at_slots) == (1, 1, ("t05", "t06"))
        assert [r.person_id for r in result.results] == [f"t{i:02d}" for i in range(1, 11)]
        # ranks among the nine graded; t05 and t06 share 4
        assert [r.rank for r in result.results] == [None, 1, 2, 3, 4, 4, 6, 7, 8, 9]
        results = {r.person_id: r for r in result.results}
        assert results["t01"].reasons == ("excluded: under investigation; no annual grade",)
        assert not results["t01"].four_good_priority  # excluded: no priority even with four good quarters
        assert [pid for pid, r in results.items() if r.four_good_priority] == ["t03", "t04"]
        assert "negative list: no better than competent" in results["t03"].reasons
        assert any("tied at 90" in reason for reason in results["t05"].reasons)
        assert results["t08"].consequences == ("a talk with the unit head", "a notice of criticism")

    def test_fewer_eligible_than_slots_leaves_slots_unused(self) -> None:
        result = grade_year([YearCandidate("a", F(90)), YearCandidate("b", F(80), excluded_reason="under sanction"),
                             YearCandidate("c", F(70), cap_at="basically_competent")], excellent_slots=3)
        assert by_id(result) == {"a": "excellent", "c": "basically_competent", "b": None}
        assert (result.slots_given, result.slots_unused) == (1, 2)
        assert result.notes == ("1 eligible for 3 excellent slot(s)",)

    @pytest.mark.parametrize(("poor", "grade", "consequences"), [
        (0, "excellent", ()),
        (1, "excellent", ("a talk with the unit head",)),
        (2, "excellent", ("a talk with the unit head", "a notice of criticism")),
        (3, "basically_competent", ("a talk with the unit head", "a notice of criticism",
                                    "annual grade basically_competent at best")),
        (4, "incompetent", ("a talk with the unit head", "a notice of criticism",
                            "annual grade basically_competent at best", "annual grade incompetent")),
    ])
    def test_chengbu_escalation(self, poor: int, grade: str, consequences: tuple[str, ...]) -> None:
        quarters = ("poor",) * poor + ("good",) * (4 - poor)
        result = grade_year([YearCandidate("p", F(95), quarters)], excellent_slots=1).results[0]
        assert (result.grade, result.consequences, result.four_good_priority) == (grade, consequences, poor == 0)

    def test_the_lower_of_escalation_and_cap_wins(self) -> None:
        person = YearCandidate("p", F(95), ("poor",) * 3, cap_at="incompetent")
        assert by_id(grade_year([person], excellent_slots=1)) == {"p": "incompetent"}

    @pytest.mark.parametrize(("kwargs", "field"), [
        ({"excellent_slots": -1}, "excellent_slots"), ({"excellent_slots": 1, "failing": "bad"}, "failing")])
    def test_bad_settings_are_refused_by_name(self, kwargs: dict[str, object], field: str) -> None:
        with pytest.raises(YearRuleError) as info:
            grade_year([YearCandidate("p", F(1))], **kwargs)  # type: ignore[arg-type]
        assert info.value.field == field

    def test_bad_people_are_refused_by_name(self) -> None:
        for people, field in [([YearCandidate("p", F(1)), YearCandidate("p", F(2))], "people"),
                              ([YearCandidate("p", F(1), ("good",) * 5)], "people.p.quarter_grades"),
                              ([YearCandidate("p", F(1), cap_at="good")], "people.p.cap_at")]:
            with pytest.raises(YearRuleError) as info:
                grade_year(people, excellent_slots=1)
            assert info.value.field == field


@st.composite
def year_people(draw: st.DrawFn) -> list[YearCandidate]:
    count = draw(st.integers(min_value=0, max_value=12))
    return [YearCandidate(
        f"p{i:02d}", F(draw(st.integers(min_value=60, max_value=70))),
        tuple(draw(st.lists(st.sampled_from(QUARTER_GRADES), max_size=4))),
        draw(st.sampled_from([None, None, None, "under sanction"])),
        draw(st.sampled_from([None, None, None, *ANNUAL_GRADES])),
    ) for i in range(count)]


def grade_index(grade: str | None) -> int:
    return ANNUAL_GRADES.index(grade) if grade is not None else len(ANNUAL_GRADES)


class TestYearProperties:
    @given(year_people(), st.integers(min_value=0, max_value=6), st.randoms(use_true_random=False))
    def test_input_order_never_matters(self, people: list[YearCandidate], slots: int, rnd: random.Random) -> None:
        shuffled = list(people)
        rnd.shuffle(shuffled)
        assert grade_year(shuffled, excellent_slots=slots) == grade_year(people, excellent_slots=slots)

    @given(year_people(), st.integers(min_value=0, max_value=6))
    def test_excellent_never_exceeds_the_slots(self, people: list[YearCandidate], slots: int) -> None:
        result = grade_year(people, excellent_slots=slots)
        excellent = sum(r.grade == "excellent" for r in result.results)
        assert excellent == result.slots_given <= slots
        assert result.slots_given + result.slots_unused == slots

    @given(year_people(), st.integers(min_value=0, max_value=6), st.integers(min_value=0, max_value=11),
           st.integers(min_value=1, max_value=10))
    def test_raising_a_score_never_lowers_the_grade(self, people: list[YearCandidate], slots: int, pick: int,
                                                    raise_by: int) -> None:
        if not people:
            return
        person = people[pick % len(people)]
        raised = [YearCandidate(p.person_id, p.score + raise_by, p.quarter_grades, p.excluded_reason, p.cap_at)
                  if p is person else p for p in people]
        before = by_id(grade_year(people, excellent_slots=slots))[person.person_id]
        after = by_id(grade_year(raised, excellent_slots=slots))[person.person_id]
        assert grade_index(after) <= grade_index(before)


def taibai() -> list[BonusCandidate]:
    return [
        BonusCandidate("a", "excellent", ("good",) * 4),
        BonusCandidate("b", "excellent"),
        BonusCandidate("c", "competent"),
        BonusCandidate("d", "competent", ("good", "average", "good", "fairly_good")),
        BonusCandidate("e", "basically_competent"),
        BonusCandidate("f", None, excluded_reason="more than half a year of leave"),
    ]


class TestPayOut:
    def test_taibai_by_hand(self) -> None:
        result = pay_out(Decimal("100000"), taibai(), pool_share=F(3, 20), coefficients=COEFFICIENTS,
                         withholding=WITHHOLDING)
        # pool 15% = 15000, base 85000 shared by the 5 paid = 17000 each
        # coefficients 1.5 + 1.5 + 1 + 1 + 0.5 = 5.5: one unit of coefficient = 15000 / 5.5 = 30000/11
        # a, b: 17000 + 45000/11 = 232000/11 = 21090.9090... -> 21090.91
        # c:    17000 + 30000/11 = 217000/11 = 19727.2727... -> 19727.27
        # d:    217000/11 less 10% (21700/11 = 1972.7272...) = 195300/11 = 17754.5454... -> 17754.55
        # e:    17000 + 15000/11 = 202000/11 = 18363.6363... -> 18363.64
        # f:    excluded, 0
        shares = {s.person_id: s for s in result.shares}
        assert (result.base_total, result.pool_total) == (F(85000), F(15000))
        assert all(shares[p].base == 17000 for p in "abcde")
        assert [shares[p].pool for p in "abcde"] == [F(45000, 11), F(45000, 11), F(30000, 11), F(30000, 11),
                                                    F(15000, 11)]
        assert [shares[p].amount for p in "abcdef"] == [Decimal(x) for x in (
            "21090.91", "21090.91", "19727.27", "17754.55", "18363.64", "0.00")]
        assert shares["d"].withheld == F(21700, 11) == result.withheld_total
        # paid 2 x 21090.91 + 19727.27 + 17754.55 + 18363.64 = 98027.28;
        # exact 100000 - 21700/11 = 1078300/11 = 98027.2727...; residue 98027.2727... - 98027.28 = -2/275
        assert result.paid_total == Decimal("98027.28")
        assert result.rounding_residue == F(-2, 275)
        assert Fraction(result.paid_total) + result.withheld_total + result.rounding_residue == 100000
        assert (result.paid_count, result.excluded_count, result.excluded) == (5, 1, ("f",))
        assert result.gap == Decimal("3336.36")  # 21090.91 - 17754.55
        assert shares["f"].reasons == ("excluded: more than half a year of leave; no annual bonus",)
        assert "1 quarter(s) graded average: 10% withheld" in shares["d"].reasons

    def test_half_a_fen_rounds_up_and_the_residue_says_so(self) -> None:
        people = [BonusCandidate("a", "competent"), BonusCandidate("b", "competent")]
        result = pay_out(Decimal("0.05"), people, pool_share=F(1, 10), coefficients=COEFFICIENTS, withholding={})
        # 0.045 / 2 + 0.005 / 2 = 0.025 each -> 0.03; paid 0.06, residue -0.01
        assert [s.amount for s in result.shares] == [Decimal("0.03")] * 2
        assert result.rounding_residue == F(-1, 100)

    def test_withholding_adds_up_and_is_capped(self) -> None:
        people = [BonusCandidate("a", "competent", ("average",) * 3 + ("poor",)), BonusCandidate("b", "competent")]
        result = pay_out(F(1000), people, pool_share=F(1, 5), coefficients=COEFFICIENTS,
                         withholding={"average": F(1, 10), "poor": F(4, 5)})
        # each 500; a: 3 x 10% + 80% = 110%, capped at 100%: all 500 withheld
        assert [s.amount for s in result.shares] == [Decimal("0.00"), Decimal("500.00")]
        assert result.withheld_total == 500
        assert "withholding of 110% capped at 100%" in result.shares[0].reasons

    def test_nobody_to_take_the_pool_leaves_it_undistributed(self) -> None:
        result = pay_out(F(1000), [BonusCandidate("a", "incompetent")], pool_share=F(1, 10),
                         coefficients=COEFFICIENTS, withholding={})
        assert (result.shares[0].amount, result.undistributed) == (Decimal("900.00"), F(100))
        nobody = pay_out(F(1000), [], pool_share=F(1, 10), coefficients=COEFFICIENTS, withholding={})
        assert (nobody.undistributed, nobody.gap, nobody.paid_total) == (F(1000), None, Decimal(0))

    @pytest.mark.parametrize("share", [F(1, 4), F(1, 20)])
    def test_pool_share_outside_10_to_20_percent_is_refused(self, share: Fraction) -> None:
        with pytest.raises(BonusRuleError) as info:
            pay_out(F(1000), taibai(), pool_share=share, coefficients=COEFFICIENTS, withholding=WITHHOLDING)
        assert info.value.field == "pool_share"

    @pytest.mark.parametrize(("total", "people", "coefficients", "withholding", "field"), [
        (F(-1), [], COEFFICIENTS, {}, "total"),
        (F(1), [BonusCandidate("a", "good")], COEFFICIENTS, {}, "people.a.grade"),
        (F(1), [BonusCandidate("a", None)], COEFFICIENTS, {}, "people.a.grade"),
        (F(1), [BonusCandidate("a", "competent")] * 2, COEFFICIENTS, {}, "people"),
        (F(1), [], {"competent": F(-1)}, {}, "coefficients.competent"),
        (F(1), [], COEFFICIENTS, {"average": F(2)}, "withholding.average"),
    ])
    def test_bad_inputs_are_refused_by_name(self, total: Fraction, people: list[BonusCandidate],
                                            coefficients: dict[str, Fraction], withholding: dict[str, Fraction],
                                            field: str) -> None:
        with pytest.raises(BonusRuleError) as info:
            pay_out(total, people, pool_share=F(1, 10), coefficients=coefficients, withholding=withholding)
        assert info.value.field == field

    def test_to_fen(self) -> None:
        assert [to_fen(x) for x in (F(1, 200), F(1, 201), F(2, 3), F(12345, 1000))] == \
            [Decimal("0.01"), Decimal("0.00"), Decimal("0.67"), Decimal("12.35")]


@st.composite
def bonus_people(draw: st.DrawFn) -> list[BonusCandidate]:
    count = draw(st.integers(min_value=0, max_value=10))
    people = []
    for i in range(count):
        excluded = draw(st.sampled_from([None, None, None, "under sanction"]))
        grade = None if excluded else draw(st.sampled_from(ANNUAL_GRADES))
        people.append(BonusCandidate(f"p{i:02d}", grade, tuple(draw(st.lists(st.sampled_from(QUARTER_GRADES),
                                                                               max_size=4))), excluded))
    return people


totals = st.integers(min_value=0, max_value=10_000_000).map(lambda fen: Decimal(fen).scaleb(-2))
pool_shares = st.fractions(min_value=F(1, 10), max_value=F(1, 5), max_denominator=1000)


class TestPayOutProperties:
    @given(totals, bonus_people(), pool_shares, st.randoms(use_true_random=False))
    def test_input_order_never_matters(self, total: Decimal, people: list[BonusCandidate], share: Fraction,
                                       rnd: random.Random) -> None:
        shuffled = list(people)
        rnd.shuffle(shuffled)
        assert pay_out(total, shuffled, pool_share=share, coefficients=COEFFICIENTS, withholding=WITHHOLDING) == \
            pay_out(total, people, pool_share=share, coefficients=COEFFICIENTS, withholding=WITHHOLDING)

    @given(totals, bonus_people(), pool_shares)
    def test_nothing_disappears_and_the_excluded_get_nothing(self, total: Decimal, people: list[BonusCandidate],
                                                             share: Fraction) -> None:
        result = pay_out(total, people, pool_share=share, coefficients=COEFFICIENTS, withholding=WITHHOLDING)
        amounts = sum((s.amount for s in result.shares), Decimal(0))
        assert Fraction(amounts) + result.withheld_total + result.undistributed + result.rounding_residue == total
        if result.undistributed == 0:
            assert Fraction(amounts) + result.withheld_total + result.rounding_residue == total
        assert abs(result.rounding_residue) <= F(1, 200) * result.paid_count
        excluded = {p.person_id for p in people if p.excluded_reason is not None}
        assert set(result.excluded) == excluded
        assert all(s.amount == 0 and s.base == s.pool == 0 for s in result.shares if s.person_id in excluded)
        assert all(s.amount >= 0 for s in result.shares)

"""Scoring rules as pure functions: grades under caps, rater groups, bonus and deduction, the year."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.domain.adjustments import Adjustment, AdjustmentCaps, apply
from scoring.domain.grades import (
    QUARTER_GRADES,
    Candidate,
    GradeCap,
    GradeRule,
    GradeRuleError,
    annual_from_quarters,
    cap_size,
    grade,
)
from scoring.domain.raters import RaterRuleError, Rating, evaluate

XIACUN = GradeRule(order=QUARTER_GRADES, caps=(GradeCap("good", Fraction(2, 5)), GradeCap("fairly_good",
                                                                                         Fraction(3, 10))),
                   default="average")
F = Fraction


def people(*scores: int) -> list[Candidate]:
    return [Candidate(f"p{i:02d}", F(s)) for i, s in enumerate(scores)]


def grades_of(result) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {r.person_id: r.grade for r in result.results}


class TestGrades:
    def test_shares_are_caps(self) -> None:
        result = grade(people(95, 94, 93, 92, 91, 90, 89, 88, 87, 86), XIACUN)
        assert result.slots == {"good": 4, "fairly_good": 3}
        assert list(grades_of(result).values()) == ["good"] * 4 + ["fairly_good"] * 3 + ["average"] * 3

    def test_a_tie_where_the_cap_falls_holds_the_cap(self) -> None:
        result = grade(people(95, 94, 93, 92, 92, 90, 89, 88, 87, 86), XIACUN)
        got = grades_of(result)
        assert [got[p] for p in ("p00", "p01", "p02")] == ["good"] * 3
        assert got["p03"] == got["p04"] == "fairly_good"
        assert result.ties_at_caps[0] == ("good", ("p03", "p04"))

    def test_include_lets_the_tie_in(self) -> None:
        rule = GradeRule(order=XIACUN.order, caps=XIACUN.caps, default="average", tie_at_cap="include")
        got = grades_of(grade(people(95, 94, 93, 92, 92, 90, 89, 88, 87, 86), rule))
        assert sum(g == "good" for g in got.values()) == 5

    def test_tie_keys_break_the_tie(self) -> None:
        rule = GradeRule(order=XIACUN.order, caps=XIACUN.caps, default="average", tie_keys=("on_time",))
        candidates = people(95, 94, 93, 92, 92, 90, 89, 88, 87, 86)
        candidates[3] = Candidate("p03", F(92), {"on_time": F(8)})
        candidates[4] = Candidate("p04", F(92), {"on_time": F(12)})
        got = grades_of(grade(candidates, rule))
        assert (got["p04"], got["p03"]) == ("good", "fairly_good")

    def test_negative_list_caps_and_vetoes(self) -> None:
        candidates = people(95, 94, 93, 92, 91, 90, 89, 88, 87, 86)
        candidates[0] = Candidate("p00", F(95), cap_at="average")
        candidates[1] = Candidate("p01", F(94), veto=True)
        result = grade(candidates, XIACUN)
        got = grades_of(result)
        assert (got["p00"], got["p01"]) == ("average", "poor")
        assert got["p05"] == "good"  # the slots move down to the next people
        assert "limited to no better than average (see the limits)" in result.results[0].reasons

    @pytest.mark.parametrize(("rounding", "slots"), [("floor", 2), ("half_up", 3), ("ceiling", 3)])
    def test_rounding_is_a_setting(self, rounding: str, slots: int) -> None:
        assert cap_size(F(2, 5), 7, rounding) == slots  # 2.8

    def test_a_bad_rule_names_the_field(self) -> None:
        with pytest.raises(GradeRuleError) as info:
            grade(people(1), GradeRule(order=QUARTER_GRADES, caps=(GradeCap("good", F(3, 5)),
                                                                    GradeCap("fairly_good", F(1, 2))),
                                       default="average"))
        assert info.value.field == "caps"

    @given(st.lists(st.integers(0, 100), min_size=1, max_size=40), st.randoms(use_true_random=False))
    def test_properties(self, scores: list[int], rnd: random.Random) -> None:
        candidates = people(*scores)
        result = grade(candidates, XIACUN)
        got = grades_of(result)
        for cap in XIACUN.caps:  # caps hold with tie_at_cap=exclude
            assert sum(g == cap.grade for g in got.values()) <= result.slots[cap.grade]
        shuffled = list(candidates)
        rnd.shuffle(shuffled)
        assert grade(shuffled, XIACUN) == result  # input order never matters
        index = {g: i for i, g in enumerate(QUARTER_GRADES)}
        for a in candidates:  # a higher score never gets a worse grade
            for b in candidates:
                if a.score > b.score:
                    assert index[got[a.person_id]] <= index[got[b.person_id]]


RATER_GROUPS = {"leadership": F(2, 5), "middle": F(3, 10), "staff": F(1, 5), "non_staff": F(1, 10)}


class TestRaters:

    def ratings(self) -> list[Rating]:
        marks = [("leadership", 90), ("leadership", 80), ("middle", 70), ("staff", 100), ("staff", 90),
                 ("staff", 80)]
        return [Rating(f"r{i}", g, "p", F(m)) for i, (g, m) in enumerate(marks)] + [Rating("p", "staff", "p", F(0))]

    def test_groups_weighted_and_a_missing_group_renormalised(self) -> None:
        result = evaluate("p", self.ratings(), RATER_GROUPS)
        assert result.score == F(730, 9)  # (0.4 x 85 + 0.3 x 70 + 0.2 x 90) / 0.9; the self-rating ignored
        assert [p.raters for p in result.parts] == [2, 1, 3, 0]

    def test_a_missing_group_counted_as_zero(self) -> None:
        assert evaluate("p", self.ratings(), RATER_GROUPS, missing="zero").score == 73

    def test_weights_must_add_up(self) -> None:
        with pytest.raises(RaterRuleError, match="90%"):
            evaluate("p", [], {"a": F(1, 2), "b": F(2, 5)})


class TestAdjustments:
    def test_item_and_total_caps(self) -> None:
        caps = AdjustmentCaps(per_item={"honour_city": F(5), "work_safety": F(10)}, bonus_total=F(8),
                              deduction_total=F(10))
        applied = apply([Adjustment("honour_city", F(3)), Adjustment("honour_city", F(3)),
                         Adjustment("innovation", F(4)), Adjustment("work_safety", F(-2))], caps)
        assert (applied.bonus, applied.deduction, applied.net) == (8, 2, 6)
        assert applied.capped == ("honour_city: 6 keyed, 5 counted (item cap 5)",
                                  "bonus total: 9 keyed, 8 counted (total cap 8)")


class TestYear:
    @pytest.mark.parametrize(("quarters", "bound"), [
        (["good", "good", "good", "good"], None), (["poor", "good", "good", "good"], None),
        (["poor", "poor", "poor", "good"], "basically_competent"), (["poor"] * 4, "incompetent")])
    def test_chengbu_failing_quarters(self, quarters: list[str], bound: str | None) -> None:
        assert annual_from_quarters(quarters)[0] == bound


class TestIndicators:
    from scoring.domain.indicators import Indicator, MetricMapping

    TREE = (
        Indicator("de", "德", F(1, 5)),
        Indicator("ji", "绩", F(1, 2), children=(
            Indicator("tasks", "重点任务", F(3, 5), metric="task_completion", mapping=MetricMapping("linear")),
            Indicator("records", "周纪实", F(2, 5), metric="weekly_on_time_ratio",
                      mapping=MetricMapping("steps", ((F(0), F(60)), (F(4, 5), F(90)), (F(1), F(100))))),
        )),
        Indicator("qin", "勤", F(3, 10), metric="attendance_rate", mapping=MetricMapping("linear", factor=F(100))),
    )

    def test_a_level_that_does_not_add_up_is_refused_by_name(self) -> None:
        from scoring.domain.indicators import Indicator, SchemeError, validate

        bad = (Indicator("a", "A", F(1, 2)), Indicator("b", "B", F(1, 2), children=(
            Indicator("b1", "B1", F(1, 2)), Indicator("b2", "B2", F(1, 3)))))
        with pytest.raises(SchemeError) as info:
            validate(bad)
        assert info.value.field == "indicators.1.children"
        assert "83.3333%" in str(info.value)

    def test_xiacun_total_by_hand(self) -> None:
        from scoring.domain.indicators import compose

        result = compose(self.TREE, marks={"de": F(90)},
                         metrics={"task_completion": F(80), "weekly_on_time_ratio": F(9, 10),
                                  "attendance_rate": F(19, 20)},
                         evaluation=F(85), evaluation_share=F(1, 5), adjustments=F(3))
        # indicators: 0.2 x 90 + 0.5 x (0.6 x 80 + 0.4 x 90) + 0.3 x 95 = 18 + 42 + 28.5 = 88.5
        assert result.indicator_score == F(177, 2)
        # blended: 88.5 x 0.8 + 85 x 0.2 = 70.8 + 17 = 87.8; plus 3 = 90.8
        assert result.total == F(454, 5)
        assert [p.path for p in result.leaves] == ["de", "ji/tasks", "ji/records", "qin"]

    def test_a_missing_mark_scores_zero_and_says_so(self) -> None:
        from scoring.domain.indicators import compose

        result = compose(self.TREE, marks={}, metrics={}, evaluation=None, evaluation_share=F(1, 5))
        assert result.total == 0
        assert "de: not marked; scored 0 (zero)" in result.notes

    def test_task_load_base_is_bounded(self) -> None:
        from scoring.domain.indicators import task_load_base

        assert task_load_base(F(30), group_mean_load=F(20), floor=F(4, 5), ceiling=F(6, 5)) == F(6, 5)
        assert task_load_base(F(18), group_mean_load=F(20), floor=F(4, 5), ceiling=F(6, 5)) == F(9, 10)

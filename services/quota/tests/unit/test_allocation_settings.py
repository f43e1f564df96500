"""Allocation settings: pool bounds, absolute uplift, designated slots from grades and
commendations, the negative list; Bazhou 2024 reproduced from its inputs."""

from __future__ import annotations

import math
import random
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quota.domain.allocation import (
    Allocation,
    AllocationError,
    DesignatedRule,
    DesignatedTable,
    Policy,
    UnitInput,
    allocate,
)

GRADES = {"一等": Fraction("0.20"), "二等": Fraction("0.18"), "三等": Fraction("0.15")}
TABLE = DesignatedTable(by_grade={"一等": 1}, by_commendation={"city": 1})
BAZHOU = Policy(ratio_by_grade=GRADES, unit_cap_ratio=Fraction("0.30"), township_uplift=Fraction("0.20"),
                designated=TABLE)


def township(id: str, headcount: int, grade: str, points: int, commendation: str | None = None,
             red_lines: tuple[str, ...] = ()) -> UnitInput:
    return UnitInput(id, "township", headcount, grade, Fraction(points), commendation=commendation,
                     red_lines=frozenset(red_lines))


def unit_of(result: Allocation, id: str) -> tuple[int, int, int, int, int]:
    u = next(u for u in result.units if u.id == id)
    return (u.floor, u.designated, u.tilt, u.remainder, u.total)


def rules_of(result: Allocation, id: str) -> list[str | None]:
    return [s.rule for s in result.trace if s.unit == id and s.slots > 0 and s.step != "floor"]


COMMENDED = ("曾口镇", "三江镇", "水宁寺镇", "花丛镇", "渔溪镇", "下八庙镇")


def bazhou_2024() -> list[UnitInput]:
    return [
        township("鼎山镇", 8, "二等", 90),
        township("化成镇", 14, "一等", 80, "city"),
        township("天马山镇", 9, "一等", 50),
        township("清江镇", 9, "一等", 40),
        *[township(name, 8, "二等", 30, "city") for name in COMMENDED],
        township("关公镇", 10, "二等", 20),
        township("大和乡", 8, "二等", 10),
        *[UnitInput(f"部门{i}", "department", 20, "一等") for i in range(1, 5)],
        UnitInput("街道", "street", 12, "三等"),
        *[UnitInput(f"事业{i}", "institution", 9, "一等") for i in range(1, 6)],
    ]


class TestBazhou2024:
    """A small region built so that Bazhou's 2024 figures come out of its inputs.

    Ratios 一等 20%, 二等 18%, 三等 15%; cap 30% of a unit; townships 20% above departments
    and streets (relative); designated: 一等 → 1, city commendation → 1.

    Exact quotas and floors (fraction in brackets):
      鼎山镇 8 × .18 = 1.44 → 1 (.44), 12.5%      化成镇 14 × .20 = 2.8 → 2 (.8), 2/14 = 14.2%
      天马山镇, 清江镇 9 × .20 = 1.8 → 1 (.8 each) six commended 8 × .18 = 1.44 → 1 (.44 each)
      关公镇 10 × .18 = 1.8 → 1 (.8)               大和乡 8 × .18 = 1.44 → 1 (.44)
      four departments 20 × .20 = 4 → 4 (0)      街道 12 × .15 = 1.8 → 1 (.8)
      five institutions 9 × .20 = 1.8 → 1 (.8 each)
    Pool: .44 + .8 + .8 + .8 + 6 × .44 + .8 + .44 + .8 + 5 × .8 = 11.52 → 11 slots, .52 left.
    Designated: three 一等 townships (化成, 天马山, 清江) +1 each = 3; seven city-commended
    (化成 and six more) +1 each = 7; 化成镇 is both: +2, 2/14 → 4/14 = 28.6% ("29%").
    Uplift: departments and streets 16 + 1 = 17 of 80 + 12 = 92 (18.48%); townships need
    17/92 × 1.2 × 106 people = 23.50 → 24 slots; they hold 13 floors + 10 designated = 23:
    one tilt slot by points, open townships 鼎山 90, 关公 20, 大和 10 (the rest are at their
    caps): 鼎山镇 1/8 → 2/8 (12.5% → 25%). Pool 11 = 10 + 1, spent fully.
    Townships 24/106 = 22.64% against 17/92 = 18.48%: (24 × 92) / (106 × 17) - 1 = 22.53% higher.
    """

    def test_every_figure_from_the_inputs(self) -> None:
        result = allocate(bazhou_2024(), BAZHOU)
        assert result.pool_collected == 11 and result.pool_used == 11
        assert result.fraction_left == Fraction(13, 25)
        assert unit_of(result, "化成镇") == (2, 2, 0, 0, 4)
        huacheng = next(u for u in result.units if u.id == "化成镇")
        assert (huacheng.ratio_before, huacheng.ratio) == (Fraction(1, 7), Fraction(2, 7))
        assert rules_of(result, "化成镇") == ["designated.by_grade.一等", "designated.by_commendation.city"]
        assert unit_of(result, "鼎山镇") == (1, 0, 1, 0, 2)
        assert rules_of(result, "鼎山镇") == ["township_uplift"]
        by_grade = [s.unit for s in result.trace if s.rule == "designated.by_grade.一等" and s.slots]
        by_city = [s.unit for s in result.trace if s.rule == "designated.by_commendation.city" and s.slots]
        assert sorted(by_grade) == sorted(["化成镇", "天马山镇", "清江镇"])
        assert sorted(by_city) == sorted(["化成镇", *COMMENDED])
        assert sum(u.designated for u in result.units) == 3 + 7
        assert result.township_ratio == Fraction(24, 106)
        assert result.department_ratio == Fraction(17, 92)
        assert result.uplift == Fraction(24 * 92, 106 * 17) - 1
        assert f"{float(result.uplift):.4f}" == "0.2253"
        assert result.feasible

    def test_designated_slots_come_from_grades_and_commendations_not_conditions(self) -> None:
        # Conditions keyed in by hand are not read by the table: the same slots without them,
        # none with a table that gives nothing.
        units = [UnitInput(u.id, u.kind, u.headcount, u.grade, u.points, frozenset({"target_first_class"}),
                           u.red_lines, commendation=u.commendation) for u in bazhou_2024()]
        assert allocate(units, BAZHOU).units == allocate(bazhou_2024(), BAZHOU).units
        empty = Policy(ratio_by_grade=GRADES, unit_cap_ratio=Fraction("0.30"),
                       township_uplift=Fraction("0.20"), designated=DesignatedTable())
        assert sum(u.designated for u in allocate(bazhou_2024(), empty).units) == 0


class TestDesignatedTable:
    def test_first_class_and_commended_gets_both(self) -> None:
        # T 10 × .20 = 2 (floor 2, cap 10 × .5 = 5); five institutions 9 × .2 = 1.8 pool 5 × .8 = 4.
        # T is 一等 (+1) and commended by the province (+2): it takes both, 2 + 1 + 2 = 5.
        policy = Policy(ratio_by_grade=GRADES, unit_cap_ratio=Fraction("0.5"), township_uplift=Fraction(0),
                        designated=DesignatedTable(by_grade={"一等": 1}, by_commendation={"province": 2}))
        units = [township("T", 10, "一等", 5, "province"),
                 *[UnitInput(f"I{i}", "institution", 9, "一等") for i in range(5)]]  # 5 × .8 = 4 pooled
        result = allocate(units, policy)
        assert unit_of(result, "T")[:2] == (2, 3)
        assert rules_of(result, "T") == ["designated.by_grade.一等", "designated.by_commendation.province"]
        assert [s.slots for s in result.trace if s.unit == "T" and s.step == "designated"] == [1, 2]

    def test_a_level_stands_for_that_level_or_above_and_counts_once(self) -> None:
        # Table: city 1, province 2. P (province) takes the province entry, 2, not 1 + 2; N
        # (national, not in the table) reaches province: 2; C (city): 1; D (district): none.
        # Each township 10 × .20 = 2 (cap 5); ten institutions 9 × .2 = 1.8 pool 10 × .8 = 8.
        policy = Policy(ratio_by_grade=GRADES, unit_cap_ratio=Fraction("0.5"), township_uplift=Fraction(0),
                        designated=DesignatedTable(by_commendation={"city": 1, "province": 2}))
        units = [township("P", 10, "一等", 4, "province"), township("N", 10, "一等", 3, "national"),
                 township("C", 10, "一等", 2, "city"), township("D", 10, "一等", 1, "district"),
                 *[UnitInput(f"I{i}", "institution", 9, "一等") for i in range(10)]]
        result = allocate(units, policy)
        assert {u.id: u.designated for u in result.units if u.kind == "township"} == {"P": 2, "N": 2, "C": 1, "D": 0}
        assert rules_of(result, "N") == ["designated.by_commendation.province"]
        assert rules_of(result, "C") == ["designated.by_commendation.city"]

    def test_the_table_and_conditions_together_are_refused(self) -> None:
        policy = Policy(ratio_by_grade=GRADES, unit_cap_ratio=Fraction("0.3"), township_uplift=Fraction(0),
                        designated_rules=(DesignatedRule("target_first_class", 1),), designated=TABLE)
        with pytest.raises(AllocationError) as caught:
            allocate([township("T", 10, "一等", 0)], policy)
        assert caught.value.field == "policy.designated"

    @pytest.mark.parametrize(("table", "field"), [
        (DesignatedTable(by_grade={"特等": 1}), "policy.designated.by_grade.特等"),
        (DesignatedTable(by_grade={"一等": -1}), "policy.designated.by_grade.一等"),
        (DesignatedTable(by_commendation={"county": 1}), "policy.designated.by_commendation.county"),
    ])
    def test_a_bad_table_names_the_entry(self, table: DesignatedTable, field: str) -> None:
        policy = Policy(ratio_by_grade=GRADES, unit_cap_ratio=Fraction("0.3"), township_uplift=Fraction(0),
                        designated=table)
        with pytest.raises(AllocationError) as caught:
            allocate([township("T", 10, "一等", 0)], policy)
        assert caught.value.field == field


class TestNegativeList:
    def test_a_red_lined_township_takes_no_remainder_slot(self) -> None:
        # T1 9 × .22 = 1.98 (floor 1, fraction .98), D1 10 × .22 = 2.2: pool 1.18 → 1. T1 is not
        # eligible for tilt (1 short of departments' 20%). Largest remainder would hand the slot
        # to T1 (.98): it is on the negative list, so it is skipped; D1 (.2) would take townships
        # further below departments: the slot stays in the pool, and the trace says why.
        policy = Policy(ratio_by_grade={"first": Fraction("0.22")}, unit_cap_ratio=Fraction("0.4"),
                        township_uplift=Fraction(0))
        units = [UnitInput("T1", "township", 9, "first", red_lines=frozenset({"criticised"})),
                 UnitInput("D1", "department", 10, "first")]
        result = allocate(units, policy)
        assert unit_of(result, "T1") == (1, 0, 0, 0, 1)
        assert result.pool_left == 1 and result.left_reason and "negative list" in result.left_reason
        assert any(s.unit == "T1" and s.step == "remainder" and s.rule == "red_lines" for s in result.trace)

    def test_first_class_commended_but_red_lined_gets_nothing_pooled(self) -> None:
        units = [township("化成镇", 14, "一等", 80, "city", ("criticised_notice",)), *bazhou_2024()[2:]]
        result = allocate(units, BAZHOU)
        assert unit_of(result, "化成镇") == (2, 0, 0, 0, 2)


class TestPoolBounds:
    def test_a_pool_above_its_upper_bound_goes_back_by_largest_remainder(self) -> None:
        # 83 units of 7 at .2: 1.4 each, floors 83, pool 33 (83 × .4 = 33.2): 116 slots. At most
        # 20% pooled: 23 (116 × .2 = 23.2); 10 go straight back, one each, to the largest
        # fractions: all .4, equal headcounts, so by id u00..u09.
        policy = Policy(ratio_by_grade={"a": Fraction("0.2")}, unit_cap_ratio=Fraction("0.4"),
                        township_uplift=Fraction(0), leftover="keep", pool_max=Fraction("0.2"))
        result = allocate([UnitInput(f"u{i:02d}", "department", 7, "a") for i in range(83)], policy)
        assert result.pool_collected == 33 and result.pool_returned == 10
        assert [u.id for u in result.units if u.remainder] == [f"u{i:02d}" for i in range(10)]
        assert result.pool_left == 23 and result.left_reason
        assert [s.rule for s in result.trace if s.slots == 1] == ["pool_max"] * 10

    def test_a_pool_below_its_lower_bound_is_topped_up_from_whole_parts(self) -> None:
        # D1 50 × .2 = 10, D2 30 × .2 = 6, T1 and T2 10 × .2 = 2: 20 slots, no fractions, pool 0.
        # At least 10% pooled: 2 slots, shared by exact quota (Hamilton over 10, 6, 2, 2: quotas
        # 1, .6, .2, .2): D1 1, D2 1. Departments then stand at 14/80 = 17.5%; townships need
        # 21% of 20 = 4.2 → 5 and hold 4: one tilt slot, points 30:10 → T1. One slot is left
        # (kept by the policy).
        policy = Policy(ratio_by_grade={"a": Fraction("0.2")}, unit_cap_ratio=Fraction("0.4"),
                        township_uplift=Fraction("0.2"), leftover="keep", pool_min=Fraction("0.1"))
        units = [UnitInput("D1", "department", 50, "a"), UnitInput("D2", "department", 30, "a"),
                 township("T1", 10, "a", 30), township("T2", 10, "a", 10)]
        result = allocate(units, policy)
        assert result.pool_collected == 2 and result.pool_topped_up == 2
        assert [(u.id, u.floor, u.pooled) for u in result.units if u.pooled] == [("D1", 9, 1), ("D2", 5, 1)]
        assert unit_of(result, "T1") == (2, 0, 1, 0, 3)
        assert result.department_ratio == Fraction(14, 80) and result.township_ratio == Fraction(5, 20)
        assert result.pool_left == 1
        assert [s.rule for s in result.trace if s.slots < 0] == ["pool_min", "pool_min"]

    @pytest.mark.parametrize(("low", "high", "field"), [
        (Fraction("0.3"), Fraction("0.2"), "policy.pool_min"),
        (Fraction("-0.1"), Fraction("0.2"), "policy.pool_min"),
        (Fraction(0), Fraction("1.5"), "policy.pool_max"),
    ])
    def test_bad_bounds_are_refused(self, low: Fraction, high: Fraction, field: str) -> None:
        policy = Policy(ratio_by_grade={"a": Fraction("0.2")}, unit_cap_ratio=Fraction("0.4"),
                        township_uplift=Fraction(0), pool_min=low, pool_max=high)
        with pytest.raises(AllocationError) as caught:
            allocate([UnitInput("u", "department", 7, "a")], policy)
        assert caught.value.field == field


class TestAbsoluteUplift:
    def test_five_points_above_departments(self) -> None:
        # Departments 100 × .15 = 15 (15%); townships A and B 25 × .15 = 3.75 → 3 each. Five
        # points above: 20% of 50 = 10, they hold 6: 4 tilt slots by points 60:30 (Hamilton:
        # 2.67, 1.33 → 2 + 1, the last to A's .67): A 3, B 1. (Relative 20% would ask 18%: 9.)
        policy = Policy(ratio_by_grade={"g": Fraction("0.15")}, unit_cap_ratio=Fraction("0.5"),
                        township_uplift=Fraction("0.05"), township_uplift_kind="absolute", leftover="keep")
        units = [township("A", 25, "g", 60), township("B", 25, "g", 30),
                 UnitInput("D", "department", 100, "g"),
                 *[UnitInput(f"x{i}", "institution", 5, "g") for i in range(8)]]  # 8 × .75 = 6
        result = allocate(units, policy)
        assert {u.id: u.tilt for u in result.units if u.kind == "township"} == {"A": 3, "B": 1}
        assert result.required_township_ratio == Fraction(1, 5)
        assert result.uplift_points == Fraction(1, 20)
        assert any("5 percentage point(s) higher" in s.text for s in result.trace)
        assert result.feasible

    def test_more_than_a_whole_ratio_is_refused(self) -> None:
        policy = Policy(ratio_by_grade={"g": Fraction("0.15")}, unit_cap_ratio=Fraction("0.5"),
                        township_uplift=Fraction(2), township_uplift_kind="absolute")
        with pytest.raises(AllocationError) as caught:
            allocate([township("A", 25, "g", 1)], policy)
        assert caught.value.field == "policy.township_uplift"


# --------------------------------------------------------------------------- properties

units_strategy = st.lists(
    st.builds(lambda i, k, h, g, p, c, r: UnitInput(f"u{i:02d}", k, h, g, Fraction(p), commendation=c,
                                                    red_lines=frozenset(r)),
              st.integers(0, 99), st.sampled_from(["township", "township", "department", "street", "institution"]),
              st.integers(0, 60), st.sampled_from(sorted(GRADES)), st.integers(0, 100),
              st.sampled_from([None, None, "district", "city", "province"]),
              st.lists(st.sampled_from(["last_three_years", "criticised"]), max_size=1)),
    min_size=1, max_size=25, unique_by=lambda u: u.id)
policy_strategy = st.builds(
    lambda cap, up, kind, low, high, left, grade, city: Policy(
        ratio_by_grade=GRADES, unit_cap_ratio=Fraction(cap, 100), township_uplift=Fraction(up, 100),
        township_uplift_kind=kind, pool_min=Fraction(min(low, high), 100), pool_max=Fraction(max(low, high), 100),
        leftover=left, designated=DesignatedTable(by_grade={"一等": grade}, by_commendation={"city": city})),
    st.integers(20, 60), st.integers(0, 30), st.sampled_from(["relative", "absolute"]), st.integers(0, 100),
    st.integers(0, 100), st.sampled_from(["largest_remainder", "keep"]), st.integers(0, 2), st.integers(0, 2))


class TestProperties:
    @given(units_strategy, policy_strategy)
    @settings(max_examples=300)
    def test_slots_add_up_stay_within_caps_and_never_reach_the_negative_list(
            self, units: list[UnitInput], policy: Policy) -> None:
        result = allocate(units, policy)
        assert sum(u.total for u in result.units) == sum(u.floor for u in result.units) + result.pool_used
        fractions = sum((u.exact_quota - u.floor for u in result.units), Fraction(0))
        assert result.pool_collected + result.fraction_left == fractions
        red = {u.id for u in units if u.red_lines}
        for u in result.units:
            assert min(u.floor, u.designated, u.tilt, u.remainder, u.pooled) >= 0
            assert u.total <= u.cap
            if u.id in red:
                assert u.designated == u.tilt == u.remainder == 0
        assert result.pool_left == 0 or result.left_reason

    @given(units_strategy, policy_strategy)
    def test_the_pool_spent_by_rule_keeps_within_its_bounds(self, units: list[UnitInput], policy: Policy) -> None:
        result = allocate(units, policy)
        slots = sum(u.floor + u.pooled for u in result.units) + result.pool_collected - result.pool_topped_up
        high = math.floor(policy.pool_max * slots)
        low = min(math.ceil(policy.pool_min * slots), high)
        spendable = result.pool_collected - result.pool_returned
        stuck = any(s.rule == "pool_max" and s.slots == 0 for s in result.trace)
        assert spendable <= high or stuck
        assert spendable >= low or result.pool_returned

    @given(units_strategy, policy_strategy, st.randoms(use_true_random=False))
    def test_input_order_never_changes_the_output(self, units: list[UnitInput], policy: Policy,
                                                  rnd: random.Random) -> None:
        shuffled = list(units)
        rnd.shuffle(shuffled)
        assert allocate(units, policy) == allocate(shuffled, policy)

    @given(units_strategy, policy_strategy)
    def test_every_pooled_slot_is_traced_to_the_rule_that_gave_it(self, units: list[UnitInput],
                                                                  policy: Policy) -> None:
        result = allocate(units, policy)
        given_by: dict[str, dict[str, int]] = {}
        for s in result.trace:
            if s.unit is not None and s.slots and s.step in ("designated", "tilt", "remainder", "pool"):
                assert s.rule, s
                rules = given_by.setdefault(s.unit, {})
                rules[s.rule] = rules.get(s.rule, 0) + s.slots
        for u in result.units:
            traced = given_by.get(u.id, {})
            assert sum(n for r, n in traced.items() if r.startswith("designated")) == u.designated
            assert traced.get("township_uplift", 0) == u.tilt
            assert traced.get("largest_remainder", 0) + traced.get("pool_max", 0) == u.remainder
            assert -traced.get("pool_min", 0) == u.pooled

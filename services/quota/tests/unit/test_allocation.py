"""Pool-and-tilt allocation: the pilots' numbers by hand, and the rules as properties."""

from __future__ import annotations

import random
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from quota.domain.allocation import Allocation, DesignatedRule, Policy, UnitInput, allocate

BAZHOU = Policy(
    ratio_by_grade={"first": Fraction("0.22"), "second": Fraction("0.20"), "third": Fraction("0.15")},
    unit_cap_ratio=Fraction("0.40"),
    township_uplift=Fraction("0.20"),
    designated_rules=(DesignatedRule("target_first_class", 1), DesignatedRule("city_commendation", 1)),
)


def unit(id: str, kind: str, headcount: int, grade: str = "second", points: int = 0,
         conditions: tuple[str, ...] = (), red_lines: tuple[str, ...] = ()) -> UnitInput:
    return UnitInput(id=id, kind=kind, headcount=headcount, grade=grade, points=Fraction(points),
                     conditions=frozenset(conditions), red_lines=frozenset(red_lines))


def by_id(result: Allocation) -> dict[str, tuple[int, int, int, int, int]]:
    return {u.id: (u.floor, u.designated, u.tilt, u.remainder, u.total) for u in result.units}


class TestHandChecked:
    def test_small_county(self) -> None:
        # Exact quotas: T1 7*.22=1.54  T2 8*.20=1.6  D1 20*.22=4.4  D2 13*.20=2.6  S1 9*.15=1.35
        # Floors 1,1,4,2,1; fractions .54+.6+.4+.6+.35 = 2.49: pool 2, 0.49 left over.
        # Designated: T1 is first class: +1 (T1 2/7). Departments and streets 7/42 = 1/6;
        # townships need 1/6*1.2 = 1/5 of 15 = 3 slots and have 3: no tilt needed.
        # Leftover 1 by largest fraction (T1 served): D2 .6 and T2 .6 tie; D2 would lift the
        # comparison to 8/42 and break the uplift, so T2 (12.5% -> 25%) takes it.
        units = [unit("T1", "township", 7, "first", 31, ("target_first_class",)),
                 unit("T2", "township", 8, "second", 40),
                 unit("D1", "department", 20, "first"),
                 unit("D2", "department", 13, "second"),
                 unit("S1", "street", 9, "third")]
        result = allocate(units, BAZHOU)
        assert by_id(result) == {"T1": (1, 1, 0, 0, 2), "T2": (1, 0, 0, 1, 2), "D1": (4, 0, 0, 0, 4),
                                 "D2": (2, 0, 0, 0, 2), "S1": (1, 0, 0, 0, 1)}
        assert result.pool_collected == 2 and result.pool_used == 2 and result.pool_left == 0
        assert result.fraction_left == Fraction("0.49")
        assert result.department_ratio == Fraction(1, 6)
        assert result.township_ratio == Fraction(4, 15)
        assert result.feasible and result.shortfall == 0
        assert any(s.step == "remainder" and s.unit == "D2" and "skipped" in s.text for s in result.trace)

    def test_a_seven_person_township_goes_from_one_seventh_to_two_sevenths(self) -> None:
        # 化成镇: first class, high points; its exact quota 7*.14 = 0.98 rounds to 1/7 (14.2%)
        # but its floor is 0. It takes a designated slot and a tilt slot: 2/7 (28.6%).
        policy = Policy(ratio_by_grade={"first": Fraction("0.14"), "second": Fraction("0.125")},
                        unit_cap_ratio=Fraction("0.40"), township_uplift=Fraction("0.20"),
                        designated_rules=(DesignatedRule("target_first_class", 1),))
        units = [unit("huacheng", "township", 7, "first", 50, ("target_first_class",)),
                 unit("other", "township", 16, "second", 10),
                 unit("dept", "department", 40, "second"),
                 unit("dept2", "department", 8, "second")]
        # Fractions: .98 + 0 + 0 + 0 -> pool 0? No: 16*.125=2, 40*.125=5, 8*.125=1: pool 0.
        result = allocate(units, policy)
        assert result.pool_collected == 0
        # With fractions from elsewhere the pool pays for both slots:
        units.append(unit("donor1", "institution", 7, "first"))   # .98
        units.append(unit("donor2", "institution", 9, "first"))   # 1.26 -> .26
        units.append(unit("donor3", "institution", 6, "first"))   # .84
        result = allocate(units, policy)
        huacheng = next(u for u in result.units if u.id == "huacheng")
        assert result.pool_collected == 3  # .98+.98+.26+.84 = 3.06
        assert (huacheng.floor, huacheng.designated, huacheng.tilt) == (0, 1, 1)
        assert huacheng.ratio == Fraction(2, 7)
        assert result.feasible

    def test_red_lined_township_gets_nothing_pooled(self) -> None:
        units = [unit("T1", "township", 10, "first", 99, ("target_first_class",), ("criticised_notice",)),
                 unit("T2", "township", 10, "first", 1, ("target_first_class",)),
                 unit("D1", "department", 30, "first")]
        result = allocate(units, BAZHOU)
        t1 = next(u for u in result.units if u.id == "T1")
        assert t1.designated == 0 and t1.tilt == 0 and not t1.eligible
        assert any(s.unit == "T1" and s.rule == "red_lines" for s in result.trace)

    def test_shortfall_is_reported_never_silent(self) -> None:
        # Departments at 22%; townships need 26.4% of 10 = 3 slots, floor 2, pool 0.
        units = [unit("T1", "township", 10, "first"), unit("D1", "department", 50, "first")]
        result = allocate(units, BAZHOU)
        assert result.pool_collected == 0
        assert not result.feasible
        assert result.shortfall == 1
        assert any("cannot be reached" in s.text for s in result.trace)

    def test_tilt_follows_points(self) -> None:
        # Departments 100*.15 = 15 (15%); townships need 18% of 50 = 9, floors 3+3 = 6 -> 3 to tilt.
        # Pool: fractions .75*4 + ... ; points 60:30 share the 3 slots 2:1.
        policy = Policy(ratio_by_grade={"g": Fraction("0.15")}, unit_cap_ratio=Fraction("0.5"),
                        township_uplift=Fraction("0.20"), leftover="keep")
        units = [unit("A", "township", 25, "g", 60), unit("B", "township", 25, "g", 30),
                 unit("D", "department", 100, "g"),
                 *[unit(f"x{i}", "institution", 5, "g") for i in range(8)]]  # 8 * .75 = 6 slots
        result = allocate(units, policy)
        got = {u.id: u.tilt for u in result.units if u.kind == "township"}
        assert got == {"A": 2, "B": 1}
        assert result.pool_collected == 7  # A .75 + B .75 + x 8*.75 = 7.5
        assert result.pool_left == 4 and result.left_reason is not None


# --------------------------------------------------------------------------- properties

kinds = st.sampled_from(["township", "township", "department", "street", "institution"])
grades = st.sampled_from(["first", "second", "third"])
unit_lists = st.lists(
    st.builds(lambda i, k, h, g, p, c, r: unit(f"u{i:02d}", k, h, g, p, c, r),
              st.integers(0, 99), kinds, st.integers(0, 60), grades, st.integers(0, 100),
              st.lists(st.sampled_from(["target_first_class", "city_commendation"]), unique=True).map(tuple),
              st.lists(st.sampled_from(["last_three_years", "criticised"]), max_size=1).map(tuple)),
    min_size=1, max_size=25, unique_by=lambda u: u.id)
policies = st.builds(
    lambda cap, up, left: Policy(ratio_by_grade=BAZHOU.ratio_by_grade, unit_cap_ratio=Fraction(cap, 100),
                                 township_uplift=Fraction(up, 100),
                                 designated_rules=BAZHOU.designated_rules, leftover=left),
    st.integers(20, 60), st.integers(0, 50), st.sampled_from(["largest_remainder", "keep"]))


class TestProperties:
    @given(unit_lists, policies)
    @settings(max_examples=300)
    def test_slots_add_up_and_stay_within_caps(self, units: list[UnitInput], policy: Policy) -> None:
        result = allocate(units, policy)
        assert sum(u.total for u in result.units) == sum(u.floor for u in result.units) + result.pool_used
        assert 0 <= result.pool_used <= result.pool_collected
        for u in result.units:
            assert min(u.floor, u.designated, u.tilt, u.remainder) >= 0
            assert u.total <= u.cap

    @given(unit_lists, policies)
    def test_pool_is_whole_part_of_the_fractions(self, units: list[UnitInput], policy: Policy) -> None:
        result = allocate(units, policy)
        fractions = sum((u.exact_quota - u.floor for u in result.units), Fraction(0))
        assert result.pool_collected + result.fraction_left == fractions
        assert 0 <= result.fraction_left < 1

    @given(unit_lists, policies, st.randoms(use_true_random=False))
    def test_input_order_never_changes_the_output(self, units: list[UnitInput], policy: Policy,
                                                  rnd: random.Random) -> None:
        shuffled = list(units)
        rnd.shuffle(shuffled)
        assert allocate(units, policy) == allocate(shuffled, policy)

    @given(unit_lists, policies)
    def test_red_lined_units_never_get_a_pooled_slot(self, units: list[UnitInput], policy: Policy) -> None:
        red = {u.id for u in units if u.red_lines}
        for u in allocate(units, policy).units:
            if u.id in red:
                assert u.designated == 0 and u.tilt == 0 and u.remainder == 0

    @given(unit_lists, policies)
    def test_pool_is_spent_or_the_reason_given(self, units: list[UnitInput], policy: Policy) -> None:
        result = allocate(units, policy)
        assert result.pool_left == 0 or result.left_reason

    @given(unit_lists, policies)
    def test_feasible_means_the_uplift_holds(self, units: list[UnitInput], policy: Policy) -> None:
        result = allocate(units, policy)
        if result.feasible and result.township_ratio is not None and result.required_township_ratio is not None:
            assert result.township_ratio >= result.required_township_ratio
        if not result.feasible:
            assert result.shortfall > 0 or (result.township_ratio or 0) < (result.required_township_ratio or 0)


class TestEvaluationGroups:
    def test_a_small_unit_shares_its_department_s_pool_share(self) -> None:
        # 参公 unit of 3 (0.6 alone, no slot) with its 12-person department (2.4): together 3.0.
        policy = Policy(ratio_by_grade={"g": Fraction("0.2")}, unit_cap_ratio=Fraction("0.4"),
                        township_uplift=Fraction(0))
        units = [UnitInput("dept", "department", 12, "g", group="dept+inst"),
                 UnitInput("inst", "institution", 3, "g", group="dept+inst"),
                 UnitInput("other", "department", 10, "g")]
        result = allocate(units, policy)
        group = next(u for u in result.units if u.id == "dept+inst")
        assert group.members == ("dept", "inst")
        assert group.headcount == 15 and group.exact_quota == 3 and group.floor == 3
        assert group.kind == "department"
        assert {u.id for u in result.units} == {"dept+inst", "other"}

    def test_a_fraction_pool_that_sums_to_a_known_whole(self) -> None:
        # Bazhou 2024: the fractional parts of 83 units alone made a pool of 33 slots. Here 83
        # units of 7 people at 0.2: 1.4 each, so 83 x 0.4 = 33.2 -> 33 slots and 0.2 left over.
        policy = Policy(ratio_by_grade={"a": Fraction("0.2")}, unit_cap_ratio=Fraction("0.4"),
                        township_uplift=Fraction(0), leftover="keep")
        units = [UnitInput(f"u{i:02d}", "department", 7, "a") for i in range(83)]  # 1.4 each
        result = allocate(units, policy)
        assert result.pool_collected == 33
        assert result.fraction_left == Fraction(1, 5)

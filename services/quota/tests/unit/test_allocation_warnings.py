"""The rules an allocation cannot meet, each named as a warning; hand-checked inputs."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from quota.domain.allocation import AllocationWarning, DesignatedRule, Policy, UnitInput, allocate

from .test_allocation import BAZHOU, unit, unit_lists


def policy(ratios: dict[str, str], **settings: object) -> Policy:
    values: dict[str, object] = {"unit_cap_ratio": Fraction("0.4"), "township_uplift": Fraction("0.2"), **settings}
    return Policy(ratio_by_grade={g: Fraction(r) for g, r in ratios.items()}, **values)  # type: ignore[arg-type]


def totals(units: tuple[object, ...]) -> dict[str, int]:
    return {u.id: u.total for u in units}  # type: ignore[attr-defined]


class TestHandChecked:
    def test_the_uplift_cannot_be_reached_within_the_pool(self) -> None:
        """T1 and T2: 6 × 25% = 1.5 each, floors 1 and 1; D: 20 × 25% = 5. The halves make a pool
        of 1. D stands at 25%, townships need 30% of 12 people = 3.6 → 4 slots, have 2: 2 needed,
        the pool has 1, which goes to T1 by points. Townships end at 3/12 = 25%, 1 slot short."""
        units = [unit("T1", "township", 6, "first", points=10), unit("T2", "township", 6, "first", points=5),
                 unit("D", "department", 20, "first")]
        result = allocate(units, policy({"first": "0.25"}))
        assert totals(result.units) == {"D": 5, "T1": 2, "T2": 1}
        assert (result.pool_collected, result.pool_used, result.shortfall, result.feasible) == (1, 1, 1, False)
        assert result.warnings == (AllocationWarning(
            "uplift_unreachable", "the township uplift cannot be reached within the pool: townships 25.00% against "
                                  "the required 30.00%, 1 slot(s) short"),)

    def test_a_designated_slot_the_empty_pool_cannot_give(self) -> None:
        """T: 5 × 20% = 1 exactly, D: 10 × 20% = 2: no pool, so T's designated slot is not given and
        townships stay at 20% against the required 24% (1.2 → 2 slots of 5, 1 short)."""
        units = [unit("T", "township", 5, "first", conditions=("target_first_class",)),
                 unit("D", "department", 10, "first")]
        result = allocate(units, policy({"first": "0.2"}, designated_rules=(DesignatedRule("target_first_class", 1),)))
        assert totals(result.units) == {"D": 2, "T": 1}
        assert [(w.code, w.unit) for w in result.warnings] == [("designated_not_given", "T"),
                                                               ("uplift_unreachable", None)]
        assert result.warnings[0].message == ("T: 1 designated slot(s) of designated_rules.0 (target_first_class) "
                                              "not given: the pool is empty")

    def test_a_pool_above_pool_max_that_cannot_go_back_is_overspent(self) -> None:
        """D1 and D2 (red lines): 10 × 15% = 1.5 each; T: 10 × 10% = 1. The halves make a pool of 1
        against pool_max 0, and it cannot go back: the departments are on the negative list and T
        has no fractional part. Departments at 2/20 = 10% need townships at 12% of 10 = 1.2 → 2:
        the slot goes to T by tilt, one more than pool_max allows."""
        units = [unit("D1", "department", 10, "a", red_lines=("criticised",)),
                 unit("D2", "department", 10, "a", red_lines=("criticised",)), unit("T", "township", 10, "b")]
        result = allocate(units, policy({"a": "0.15", "b": "0.1"}, pool_max=Fraction(0)))
        assert totals(result.units) == {"D1": 1, "D2": 1, "T": 2}
        assert result.feasible is True
        assert result.warnings == (AllocationWarning(
            "pool_overspent", "1 slot(s) were handed out of the pool, pool_max allows 0: what was above it could "
                              "not go back by fractional part"),)

    def test_pool_bounds_no_whole_number_meets(self) -> None:
        """T and D: 10 × 15% = 1.5 each: floors 2 and a pool of 1, 3 slots. pool_min = pool_max =
        50% is 1.5 slots: no whole number lies between ceil 2 and floor 1."""
        units = [unit("T", "township", 10, "a"), unit("D", "department", 10, "a")]
        result = allocate(units, policy({"a": "0.15"}, pool_min=Fraction(1, 2), pool_max=Fraction(1, 2)))
        assert totals(result.units) == {"D": 1, "T": 2}
        assert result.warnings == (AllocationWarning(
            "pool_bounds_unmet", "no whole number of slots lies between pool_min (2) and pool_max (1) of the "
                                 "region's 3 slots"),)

    def test_a_feasible_run_has_none(self) -> None:
        units = [unit("T1", "township", 7, "first", 31, ("target_first_class",)),
                 unit("T2", "township", 8, "second", 40), unit("D1", "department", 20, "first"),
                 unit("D2", "department", 13, "second"), unit("S1", "street", 9, "third")]
        result = allocate(units, BAZHOU)
        assert result.feasible is True and result.warnings == ()


policies = st.builds(
    lambda cap, up, high: Policy(ratio_by_grade=BAZHOU.ratio_by_grade, unit_cap_ratio=Fraction(cap, 100),
                                 township_uplift=Fraction(up, 100), designated_rules=BAZHOU.designated_rules,
                                 pool_max=Fraction(high, 100)),
    st.integers(20, 60), st.integers(0, 50), st.integers(0, 100))


class TestProperties:
    @given(unit_lists, policies)
    @settings(max_examples=300)
    def test_an_unreached_uplift_is_always_a_warning(self, units: list[UnitInput], policy: Policy) -> None:
        result = allocate(units, policy)
        codes = [w.code for w in result.warnings]
        assert ("uplift_unreachable" in codes) == (not result.feasible)
        assert all(w.unit is not None for w in result.warnings if w.code == "designated_not_given")
        if policy.pool_max == 1:
            assert "pool_overspent" not in codes
        assert all(u.total <= u.cap for u in result.units)

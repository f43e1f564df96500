"""Bonus and deduction caps as properties: what counts never passes a cap, a cut is always listed,
and nothing is cut when no cap is passed."""

from __future__ import annotations

from fractions import Fraction as F

from hypothesis import given
from hypothesis import strategies as st

from scoring.domain.adjustments import Adjustment, AdjustmentCaps, apply

CAPS = AdjustmentCaps(per_item={"honour": F(3), "innovation": F(3), "safety": F(5)}, bonus_total=F(4),
                      deduction_total=F(6), over_cap="cut")
SIGN = {"honour": 1, "innovation": 1, "safety": -1, "stability": -1}  # stability: no item cap

keyings = st.lists(st.tuples(st.sampled_from(sorted(SIGN)), st.integers(1, 800)), max_size=8).map(
    lambda rows: [Adjustment(item, SIGN[item] * F(h, 100)) for item, h in rows])


@given(keyings)
def test_what_counts_never_passes_a_cap(adjustments: list[Adjustment]) -> None:
    applied = apply(adjustments, CAPS)
    assert 0 <= applied.bonus <= CAPS.bonus_total and 0 <= applied.deduction <= CAPS.deduction_total
    assert applied.net == applied.bonus - applied.deduction
    bonus = sum((a.points for a in adjustments if a.points > 0), F(0))
    deduction = -sum((a.points for a in adjustments if a.points < 0), F(0))
    assert ((applied.bonus, applied.deduction) == (bonus, deduction)) == (not applied.capped)  # a cut is said


def test_cuts_in_both_directions_that_cancel_out_are_still_said() -> None:
    applied = apply([Adjustment("honour", F(4)), Adjustment("safety", F(-6))], CAPS)
    assert applied.net == -2 == 4 - 6
    assert applied.capped == ("honour: 4 keyed, 3 counted (item cap 3)", "safety: 6 keyed, 5 counted (item cap 5)")


@given(keyings)
def test_the_order_of_keying_does_not_matter(adjustments: list[Adjustment]) -> None:
    assert apply(adjustments, CAPS) == apply(list(reversed(adjustments)), CAPS)


def test_each_cut_is_listed_with_what_was_keyed_and_counted() -> None:
    # honour 2.5 + 2.5 = 5 → 3; innovation 1.25; bonus 4.25 → 4; safety 7 → 5; stability 2: deduction 7 → 6
    applied = apply([Adjustment("honour", F(5, 2)), Adjustment("honour", F(5, 2)), Adjustment("innovation", F(5, 4)),
                     Adjustment("safety", F(-7)), Adjustment("stability", F(-2))], CAPS)
    assert (applied.bonus, applied.deduction, applied.net) == (4, 6, -2)
    assert applied.capped == ("honour: 5 keyed, 3 counted (item cap 3)", "safety: 7 keyed, 5 counted (item cap 5)",
                              "bonus total: 4.25 keyed, 4 counted (total cap 4)",
                              "deduction total: 7 keyed, 6 counted (total cap 6)")

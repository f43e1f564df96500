"""Who is in a period's scope: the one rule records' summary and the headcounts quota reads share."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.periods import (
    DEFAULT_MIN_SHARE,
    Period,
    days_on_roster,
    in_scope,
    in_scope_of,
    min_days,
    parse_period,
)

Y2025, Q1 = parse_period("2025"), parse_period("2025Q1")


@pytest.mark.parametrize(("active_from", "active_to", "period", "expected"), [
    # 2025 has 365 days: half is 182.5, so 183 days are needed
    ("2020-01-01", "2025-07-01", Y2025, False),   # 1 January - 1 July: 182 days
    ("2020-01-01", "2025-07-02", Y2025, True),    # 183 days
    ("2025-07-03", None, Y2025, False),           # 3 July - 31 December: 182 days
    ("2025-07-02", None, Y2025, True),            # 183 days
    # 2025Q1 has 90 days: 45 needed
    ("2025-02-15", None, Q1, True),               # 14 days of February and 31 of March
    ("2025-02-16", None, Q1, False),              # 44
    ("2024-01-01", "2025-02-14", Q1, True),       # 31 + 14 = 45
    ("2024-01-01", "2024-12-31", Q1, False),      # gone before the quarter
])
def test_half_the_period_by_hand(active_from: str, active_to: str | None, period: Period, expected: bool) -> None:
    assert in_scope(date.fromisoformat(active_from), date.fromisoformat(active_to) if active_to else None,
                    period, DEFAULT_MIN_SHARE) is expected


def test_the_days_needed() -> None:
    assert (min_days(Y2025, Fraction(1, 2)), min_days(Q1, Fraction(1, 2))) == (183, 45)
    assert min_days(parse_period("2024"), Fraction(1, 2)) == 183          # 366 days: exactly half
    assert (min_days(Q1, 0), min_days(Q1, 1)) == (1, 90)
    with pytest.raises(ValueError, match="between 0 and 1"):
        min_days(Q1, Fraction(3, 2))


def test_stretches_in_two_placements_add_up() -> None:
    # a transfer inside the units graded together: 1 Jan - 31 Mar and 1 Apr - 30 Jun
    stretches = [(date(2025, 1, 1), date(2025, 3, 31)), (date(2025, 4, 1), date(2025, 6, 30))]
    assert days_on_roster(stretches, Y2025) == 181
    assert not in_scope_of(stretches, Y2025) and in_scope_of(stretches, Y2025, Fraction(2, 5))


days = st.dates(min_value=date(2024, 6, 1), max_value=date(2026, 6, 30))
shares = st.fractions(min_value=0, max_value=1)
periods = st.sampled_from([parse_period(c) for c in ("2025", "2025Q1", "2025Q2", "2025Q3", "2025Q4", "2024Q4")])


@given(days, st.integers(min_value=0, max_value=500) | st.none(), periods, shares, shares)
def test_a_larger_share_never_lets_more_in(start: date, length: int | None, period: Period, a: Fraction,
                                           b: Fraction) -> None:
    end = None if length is None else start + timedelta(days=length)
    low, high = min(a, b), max(a, b)
    if in_scope(start, end, period, high):
        assert in_scope(start, end, period, low)


@given(days, st.integers(min_value=0, max_value=500) | st.none(), periods)
def test_a_share_of_zero_is_any_day_and_one_the_whole_period(start: date, length: int | None,
                                                              period: Period) -> None:
    end = None if length is None else start + timedelta(days=length)
    overlaps = start <= period.end and (end is None or end >= period.start)
    assert in_scope(start, end, period, 0) is overlaps
    whole = start <= period.start and (end is None or end >= period.end)
    assert in_scope(start, end, period, 1) is whole

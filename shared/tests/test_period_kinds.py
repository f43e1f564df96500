"""Period keys in one form: a month 2025-03, a quarter 2025Q1, a half year 2025H1, a year 2025."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.periods import KINDS, Period, of_kind, parse_period


@pytest.mark.parametrize(("code", "canonical", "kind", "start", "end"), [
    ("2025-03", "2025-03", "month", date(2025, 3, 1), date(2025, 3, 31)),
    ("2024-02", "2024-02", "month", date(2024, 2, 1), date(2024, 2, 29)),
    ("2025-12", "2025-12", "month", date(2025, 12, 1), date(2025, 12, 31)),
    ("2025q2", "2025Q2", "quarter", date(2025, 4, 1), date(2025, 6, 30)),
    ("2025H1", "2025H1", "half", date(2025, 1, 1), date(2025, 6, 30)),
    (" 2025h2 ", "2025H2", "half", date(2025, 7, 1), date(2025, 12, 31)),
    ("2025", "2025", "year", date(2025, 1, 1), date(2025, 12, 31)),
])
def test_the_four_forms(code: str, canonical: str, kind: str, start: date, end: date) -> None:
    period = parse_period(code)
    assert (period.code, period.kind, period.start, period.end) == (canonical, kind, start, end)


@pytest.mark.parametrize("code", ["2025-13", "2025-00", "2025-3", "2025H3", "2025H0", "2025M3", "2025Q5", "2025-Q1",
                                  "25-03", "2025-003", "1999-12", ""])
def test_anything_else_is_refused(code: str) -> None:
    with pytest.raises(ValueError, match=r"period|year"):
        parse_period(code)


def test_parts_and_containment() -> None:
    h2, q3, year = parse_period("2025H2"), parse_period("2025Q3"), parse_period("2025")
    assert [q.code for q in h2.quarters_of()] == ["2025Q3", "2025Q4"]
    assert [m.code for m in q3.months_of()] == ["2025-07", "2025-08", "2025-09"]
    assert [h.code for h in year.parts("half")] == ["2025H1", "2025H2"]
    assert len(year.months_of()) == 12 and q3.quarters_of() == [q3] and q3.parts("half") == []
    assert h2.contains(q3) and year.contains(h2) and not q3.contains(h2)
    assert not parse_period("2025H1").contains(q3) and not year.contains(parse_period("2026-01"))


def any_period(kind: str, year: int, number: int) -> Period:
    counts = {"month": 12, "quarter": 4, "half": 2, "year": 1}
    return of_kind(kind, year, (number - 1) % counts[kind] + 1)  # type: ignore[arg-type]


@given(st.sampled_from(KINDS), st.integers(2000, 2100), st.integers(1, 12), st.booleans())
def test_round_trip_and_tiling(kind: str, year: int, number: int, lower: bool) -> None:
    period = any_period(kind, year, number)
    assert parse_period(period.code.lower() if lower else period.code) == period
    for shorter in KINDS[:KINDS.index(period.kind) + 1]:
        parts = period.parts(shorter)
        assert parts[0].start == period.start and parts[-1].end == period.end
        assert all(a.end + timedelta(days=1) == b.start for a, b in pairwise(parts))
        assert all(period.contains(p) and p.kind == shorter for p in parts)
        assert sum(p.days() for p in parts) == period.days()

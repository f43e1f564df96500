"""Working days: the official arrangement (调休 included), province overrides, weekdays beyond."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.errors import SchemeInvalid
from scoring.procedure.calendar import Calendar, window
from scoring.procedure.definition import NATIONAL, TAIBAI, StageIn, compile_procedure

OFFICIAL = Calendar()
days = st.dates(min_value=date(2004, 1, 1), max_value=date(2028, 12, 31))


@given(start=days, count=st.integers(min_value=0, max_value=40))
def test_adding_working_days_then_counting_back_gives_the_same_number(start: date, count: int) -> None:
    end = OFFICIAL.add(start, count)
    assert OFFICIAL.count(start, end) == count
    assert count == 0 or OFFICIAL.is_workday(end)


@given(start=days, count=st.integers(min_value=1, max_value=20),
       overrides=st.dictionaries(days, st.booleans(), max_size=10))
def test_overrides_keep_the_count_consistent(start: date, count: int, overrides: dict[date, bool]) -> None:
    calendar = Calendar(overrides=overrides)
    end = calendar.add(start, count)
    assert calendar.count(start, end) == count
    assert all(calendar.is_workday(d) == w for d, w in overrides.items())


def test_the_spring_festival_of_2026_and_its_make_up_saturday() -> None:
    assert OFFICIAL.is_workday(date(2026, 2, 14)) and OFFICIAL.source(date(2026, 2, 14)) == "official"
    assert not any(OFFICIAL.is_workday(date(2026, 2, d)) for d in range(15, 24))
    opened = window(OFFICIAL, date(2026, 2, 12), 5)
    assert (opened.starts_on, opened.ends_on) == (date(2026, 2, 13), date(2026, 2, 26))
    assert opened.holds(date(2026, 2, 26)) and opened.over(date(2026, 2, 27)) and not opened.holds(date(2026, 2, 12))


def test_a_year_not_covered_is_counted_monday_to_friday_and_says_so() -> None:
    assert OFFICIAL.source(date(2027, 1, 1)) == "weekdays" and OFFICIAL.is_workday(date(2027, 1, 1))
    late = window(OFFICIAL, date(2026, 12, 30), 5)
    assert late.ends_on == date(2027, 1, 6) and late.fallback_years == (2027,)
    marked = Calendar(overrides={date(2027, 1, 1): False})
    assert marked.add(date(2026, 12, 31), 1) == date(2027, 1, 4) and marked.source(date(2027, 1, 1)) == "override"


def test_the_named_procedures_are_valid() -> None:
    assert compile_procedure("national") == NATIONAL and [s.produces for s in NATIONAL][-2:] == ["publicity", "final"]
    assert len(TAIBAI) == 12 and compile_procedure(list(TAIBAI)) == TAIBAI
    assert compile_procedure(None) is None


def test_a_short_publicity_is_refused() -> None:
    stages = [StageIn(code="draft", name="拟定", produces="draft"),
              StageIn(code="show", name="公示", produces="publicity", working_days=4),
              StageIn(code="final", name="确定", produces="final")]
    with pytest.raises(SchemeInvalid) as caught:
        compile_procedure(stages)
    assert caught.value.errors == [{"field": "body.procedure.1.working_days", "message": caught.value.detail}]

"""Working days (工作日): the official holiday arrangement, make-up working weekends (调休) included.

The State Council's arrangement comes from the ``chinesecalendar`` library (2004–2026). A province
administrator may add days for the years it does not cover, or override a day it does; an override
always wins. For a day that neither covers, Monday to Friday are working days: the answer says so
(``fallback_years``) rather than refusing, so a procedure can run in a year whose arrangement is not
yet published, and a province that wants the real arrangement enters it.

Pure: the overrides arrive as an argument.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

import chinese_calendar  # type: ignore[import-untyped]

#: the longest run of days without a working day the search goes through (a holiday is at most
#: nine days; a province could mark a year off by mistake)
MAX_GAP_DAYS = 400

Source = Literal["override", "official", "weekdays"]


def official(day: date) -> bool | None:
    """The official arrangement's answer, or None for a year the library does not cover."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return None


@dataclass(frozen=True)
class Calendar:
    overrides: Mapping[date, bool] = field(default_factory=dict)

    def source(self, day: date) -> Source:
        if day in self.overrides:
            return "override"
        return "weekdays" if official(day) is None else "official"

    def is_workday(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        answer = official(day)
        return day.weekday() < 5 if answer is None else answer

    def next_workday(self, day: date) -> date:
        """The first working day after ``day``."""
        for offset in range(1, MAX_GAP_DAYS + 1):
            candidate = day + timedelta(days=offset)
            if self.is_workday(candidate):
                return candidate
        raise ValueError(f"no working day within {MAX_GAP_DAYS} days after {day}")

    def add(self, day: date, count: int) -> date:
        """The ``count``-th working day after ``day`` (``count`` ≥ 0; 0 is ``day`` itself)."""
        for _ in range(count):
            day = self.next_workday(day)
        return day

    def count(self, after: date, through: date) -> int:
        """Working days later than ``after``, up to and including ``through``."""
        return sum(1 for offset in range(1, (through - after).days + 1)
                   if self.is_workday(after + timedelta(days=offset)))

    def fallback_years(self, first: date, last: date) -> list[int]:
        """Years from ``first`` to ``last`` with a day counted by weekdays alone (no official
        arrangement and no override)."""
        years = set()
        day = first
        while day <= last:
            if self.source(day) == "weekdays":
                years.add(day.year)
            day += timedelta(days=1)
        return sorted(years)


@dataclass(frozen=True)
class Window:
    """The publicity window: ``working_days`` working days from the first working day after it opened."""

    opened_on: date
    starts_on: date
    ends_on: date
    working_days: int
    fallback_years: tuple[int, ...] = ()

    def holds(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on

    def over(self, day: date) -> bool:
        return day > self.ends_on


def window(calendar: Calendar, opened_on: date, working_days: int) -> Window:
    starts = calendar.next_workday(opened_on)
    ends = calendar.add(opened_on, working_days)
    return Window(opened_on=opened_on, starts_on=starts, ends_on=ends, working_days=working_days,
                  fallback_years=tuple(calendar.fallback_years(starts, ends)))

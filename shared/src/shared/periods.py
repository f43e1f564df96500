"""Evaluation periods: a month ``2025-03`` (Xiacun's monthly ranking), a quarter ``2025Q1``
(平时考核), a half year ``2025H1`` (Taibai's half-year payout) or a year ``2025`` (年度考核), and
who is in one's scope (``in_scope``)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Literal

from pydantic.config import JsonDict

PeriodKind = Literal["month", "quarter", "half", "year"]
#: The kinds, shortest first; each but the last fits a whole number of times in every longer one.
KINDS: tuple[PeriodKind, ...] = ("month", "quarter", "half", "year")
_MONTHS: dict[str, int] = {"month": 1, "quarter": 3, "half": 6, "year": 12}

_PERIOD = re.compile(r"^(\d{4})(?:-(\d{2})|Q(\d)|H(\d))?$")
#: The four forms as the API documents them (JSON Schema ``pattern``): years 2000-2100, months 01-12,
#: quarters 1-4, halves 1-2, the Q or H in either case; ``parse_period`` enforces the same.
PERIOD_PATTERN = r"^(20[0-9]{2}|2100)(-(0[1-9]|1[0-2])|[Qq][1-4]|[Hh][12])?$"
#: For a period parameter or field: declares the pattern in the document while the handler checks it
#: with its own message (``invalid_period``), e.g. ``Query(json_schema_extra=PERIOD_SCHEMA)``.
PERIOD_SCHEMA: JsonDict = {"pattern": PERIOD_PATTERN}
FORMS = "a month like 2025-03, a quarter like 2025Q1, a half year like 2025H1 or a year like 2025"
#: The periods ``parse_period`` reads, as a regular expression for OpenAPI documents (a year 2000-2100).
PERIOD_PATTERN = r"^(20[0-9]{2}|2100)(-(0[1-9]|1[0-2])|[Qq][1-4]|[Hh][12])?$"
#: A day of the years 2000-2100 (with ``format: date``, which rules out 30 February).
DAY_PATTERN = r"^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"


@dataclass(frozen=True)
class Period:
    code: str
    start: date
    end: date  # inclusive
    kind: PeriodKind

    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def year(self) -> int:
        return self.start.year

    def contains(self, other: Period) -> bool:
        """Whether ``other`` lies within this period (a period contains itself)."""
        return self.start <= other.start and other.end <= self.end

    def parts(self, kind: PeriodKind) -> list[Period]:
        """The periods of ``kind`` this one is made of, in order (itself if of that kind); none if
        ``kind`` is longer."""
        size = _MONTHS[kind]
        if size > _MONTHS[self.kind]:
            return []
        first = self.start.month
        return [of_kind(kind, self.year, (month - 1) // size + 1)
                for month in range(first, first + _MONTHS[self.kind], size)]

    def months_of(self) -> list[Period]:
        return self.parts("month")

    def quarters_of(self) -> list[Period]:
        return self.parts("quarter")


def _month_end(year: int, month: int) -> date:
    return date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)


def of_kind(kind: PeriodKind, year: int, number: int = 1) -> Period:
    """The ``number``-th period of ``kind`` in ``year`` (1-based; a year has one)."""
    size = _MONTHS[kind]
    first = (number - 1) * size + 1
    code = {"month": f"{year}-{number:02d}", "quarter": f"{year}Q{number}", "half": f"{year}H{number}",
            "year": str(year)}[kind]
    return Period(code, date(year, first, 1), _month_end(year, first + size - 1), kind)


def parse_period(code: str) -> Period:
    """One of the four forms (``FORMS``; the Q or H in either case), else a ValueError saying which."""
    match = _PERIOD.match(code.strip().upper())
    if not match:
        raise ValueError(f"period {code!r} is not {FORMS}")
    year = int(match.group(1))
    if not 2000 <= year <= 2100:
        raise ValueError(f"year {year} is out of range")
    month, quarter, half = match.group(2), match.group(3), match.group(4)
    if month is not None:
        if not 1 <= int(month) <= 12:
            raise ValueError(f"period {code!r}: month {month} is not 01-12")
        return of_kind("month", year, int(month))
    if quarter is not None:
        if not 1 <= int(quarter) <= 4:
            raise ValueError(f"period {code!r}: quarter {quarter} is not 1-4")
        return of_kind("quarter", year, int(quarter))
    if half is not None:
        if not 1 <= int(half) <= 2:
            raise ValueError(f"period {code!r}: half {half} is not 1 or 2")
        return of_kind("half", year, int(half))
    return of_kind("year", year)


#: The default share of a period a person must be on the roster to be in its scope (see in_scope).
DEFAULT_MIN_SHARE = Fraction(1, 2)


def days_on_roster(stretches: Iterable[tuple[date, date | None]], period: Period) -> int:
    """Days of the period covered by the stretches (first day, last day or None while open), each
    clipped to the period. A person's stretches never overlap (the roster's rule), so they add up."""
    days = 0
    for active_from, active_to in stretches:
        first, last = max(active_from, period.start), min(active_to or period.end, period.end)
        if first <= last:
            days += (last - first).days + 1
    return days


def min_days(period: Period, min_share: Fraction | Decimal | int) -> int:
    """The fewest days on the roster that put a person in the period's scope: the share of its days,
    rounded up, and at least one (a share of 0 means: any day of the period)."""
    share = Fraction(min_share)
    if not 0 <= share <= 1:
        raise ValueError(f"min_share {min_share} is not between 0 and 1")
    return max(1, math.ceil(share * period.days()))


def in_scope_of(stretches: Iterable[tuple[date, date | None]], period: Period,
                min_share: Fraction | Decimal | int = DEFAULT_MIN_SHARE) -> bool:
    """Whether a person on the roster for these stretches is in the period's scope: graded in it
    (records' summary) and counted in its headcount (quota's excellent quota).

    The rule, one for every service: a person is in a period's scope if on the roster (of the unit,
    or of the units graded together) for at least ``min_share`` of the period's days. People join,
    retire, are sent to villages and come back every quarter; without one rule a person who left in
    June was counted in the quota's year but not graded in it, or graded where they spent three days.

    The default, one half, is the half-year rule the national regulations already use for the year
    (公务员考核规定: a person who spent more than half the year on sick or personal leave gets no
    grade; a transferred person is assessed where they are, hearing the old unit if they spent half
    a year there). It also puts a person moved between units in the scope of at most one of them
    (the one they spent most of the period in) unless they spent exactly half in each, which only
    a period of an even number of days allows; then both count them. A share of 0 keeps everyone
    with a day in the period.
    """
    return days_on_roster(stretches, period) >= min_days(period, min_share)


def in_scope(active_from: date, active_to: date | None, period: Period,
             min_share: Fraction | Decimal | int = DEFAULT_MIN_SHARE) -> bool:
    """``in_scope_of`` a single stretch on the roster."""
    return in_scope_of([(active_from, active_to)], period, min_share)

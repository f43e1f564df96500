"""Evaluation periods: a quarter ``2025Q1`` (平时考核) or a year ``2025`` (年度考核)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

_PERIOD = re.compile(r"^(\d{4})(?:Q([1-4]))?$")


@dataclass(frozen=True)
class Period:
    code: str
    start: date
    end: date  # inclusive

    def days(self) -> int:
        return (self.end - self.start).days + 1


def parse_period(code: str) -> Period:
    match = _PERIOD.match(code.strip().upper())
    if not match:
        raise ValueError(f"period {code!r} is neither a year like 2025 nor a quarter like 2025Q1")
    year = int(match.group(1))
    if not 2000 <= year <= 2100:
        raise ValueError(f"year {year} is out of range")
    if match.group(2) is None:
        return Period(str(year), date(year, 1, 1), date(year, 12, 31))
    quarter = int(match.group(2))
    start = date(year, 3 * quarter - 2, 1)
    end = date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1) - timedelta(days=1)
    return Period(f"{year}Q{quarter}", start, end)

from datetime import date

import pytest

from shared.periods import parse_period


@pytest.mark.parametrize(("code", "start", "end"), [
    ("2025", date(2025, 1, 1), date(2025, 12, 31)),
    ("2025Q1", date(2025, 1, 1), date(2025, 3, 31)),
    ("2024q1", date(2024, 1, 1), date(2024, 3, 31)),
    ("2025Q2", date(2025, 4, 1), date(2025, 6, 30)),
    ("2025Q3", date(2025, 7, 1), date(2025, 9, 30)),
    ("2025Q4", date(2025, 10, 1), date(2025, 12, 31)),
])
def test_periods(code: str, start: date, end: date) -> None:
    period = parse_period(code)
    assert (period.start, period.end) == (start, end)


@pytest.mark.parametrize("code", ["2025Q5", "25Q1", "2025-Q1", "", "1999"])
def test_bad_periods(code: str) -> None:
    with pytest.raises(ValueError):
        parse_period(code)

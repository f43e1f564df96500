"""Which weeks and months of the quarter a person owes a record for (records.todo)."""

from __future__ import annotations

from datetime import date

from records.todo import months_due, weeks_due
from shared.periods import parse_period

Q2 = parse_period("2025Q2")  # 1 April (a Tuesday) to 30 June


def test_the_weeks_whose_monday_is_in_the_quarter_up_to_today() -> None:
    mondays = weeks_due([(date(2024, 1, 1), None)], Q2, date(2025, 5, 14))
    assert [m.isoformat() for m in mondays] == ["2025-04-07", "2025-04-14", "2025-04-21", "2025-04-28",
                                                "2025-05-05", "2025-05-12"]


def test_a_person_who_joined_mid_quarter_owes_the_weeks_from_then() -> None:
    mondays = weeks_due([(date(2025, 4, 29), None)], Q2, date(2025, 5, 14))
    assert [m.isoformat() for m in mondays] == ["2025-05-05", "2025-05-12"]


def test_a_person_away_for_weeks_owes_none_of_them() -> None:
    stretches = [(date(2024, 1, 1), date(2025, 4, 13)), (date(2025, 5, 1), None)]
    assert [m.isoformat() for m in weeks_due(stretches, Q2, date(2025, 5, 14))] == [
        "2025-04-07", "2025-05-05", "2025-05-12"]


def test_the_months_begun_on_the_roster() -> None:
    assert [m.code for m in months_due([(date(2024, 1, 1), None)], Q2, date(2025, 5, 14))] == ["2025-04", "2025-05"]
    assert [m.code for m in months_due([(date(2024, 1, 1), date(2025, 4, 30))], Q2, date(2025, 6, 2))] == ["2025-04"]

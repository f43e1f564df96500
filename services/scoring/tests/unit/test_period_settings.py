"""A scheme's periods: the share a built period takes from its parts, and the score so built."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from scoring.domain.year import YearRuleError, annual_score, built_score
from scoring.period_settings import PeriodsIn, share_of


def test_the_share_of_the_parts() -> None:
    default = PeriodsIn()
    assert (default.closes, default.build_of("year") is not None, default.build_of("quarter")) == (
        ["quarter", "year"], True, None)
    assert share_of(default, "year", Decimal("0.7")) == Decimal("0.7")  # annual.quarter_weight
    given = PeriodsIn.model_validate({"closes": ["month", "quarter", "half", "year"],
                                      "build": {"half": {"from": "month"},
                                                "year": {"from": "quarter", "share": "0.8"}}})
    assert share_of(given, "year", Decimal("0.6")) == Decimal("0.8")
    assert share_of(given, "half", Decimal("0.6")) == 1
    assert given.model_dump(mode="json")["build"]["half"] == {"from": "month", "share": None}


def test_a_half_year_from_its_months() -> None:
    built = built_score([Fraction(80)] * 4, Fraction(95), share=Fraction(2, 3), parts=6, part="month", whole="half",
                        end_name="half-end")
    assert built.total == Fraction(80) * Fraction(2, 3) + Fraction(95) / 3 == 85
    assert built.notes == ("4 of 6 months scored: their mean stands for the months",)
    with pytest.raises(YearRuleError) as info:
        built_score([Fraction(80)] * 7, None, share=Fraction(1), parts=6, part="month")
    assert info.value.field == "month_scores"


def test_the_year_is_the_same_builder() -> None:
    quarters = [Fraction(90), Fraction(80), Fraction(85), Fraction(95)]
    assert annual_score(quarters, Fraction(80), quarter_weight=Fraction(3, 5)) == built_score(
        quarters, Fraction(80), share=Fraction(3, 5))

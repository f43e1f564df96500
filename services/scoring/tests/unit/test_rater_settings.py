"""Trimmed rater groups, rating dimensions and outside groups as scheme settings: the arithmetic by
hand, and each setting validated when the scheme is saved, naming it."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.definitions import SchemeDefinition, compile_rules
from scoring.domain import raters
from scoring.errors import SchemeInvalid

BINZHOU = (raters.Dimension("intensity", "强度", Fraction(3, 10)),
           raters.Dimension("difficulty", "难度", Fraction(1, 5)),
           raters.Dimension("quantity", "数量", Fraction(1, 5)),
           raters.Dimension("effect", "成效", Fraction(1, 5)),
           raters.Dimension("measures", "措施", Fraction(1, 10)))


def test_a_trimmed_group_drops_one_highest_and_one_lowest_mark() -> None:
    # 90, 85, 80, 70, 60 in hundredths: 385 in all; without 90 and 60: 235 over 3 raters = 78.333…
    total, count, dropped = raters.trimmed(38500, 5, 9000, 6000)
    assert (total, count, dropped) == (23500, 3, 2)
    assert Fraction(total, 100) / count == Fraction(235, 3)
    # three raters: the middle one's mark alone
    assert raters.trimmed(24000, 3, 9000, 7000) == (8000, 1, 2)


def test_fewer_than_three_raters_are_not_trimmed() -> None:
    assert raters.trimmed(15000, 2, 9000, 6000) == (15000, 2, 0)
    assert raters.trimmed(9000, 1, 9000, 9000) == (9000, 1, 0)
    assert "fewer than 3" in raters.trim_note("public", 0)
    assert "2 marks dropped" in raters.trim_note("public", 2)


@given(st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=30))
def test_a_trimmed_mean_is_the_mean_of_the_marks_less_an_extreme_at_each_end(marks: list[int]) -> None:
    total, count, dropped = raters.trimmed(sum(marks), len(marks), max(marks), min(marks))
    kept = sorted(marks)[1:-1] if len(marks) >= 3 else marks
    assert (total, count, dropped) == (sum(kept), len(kept), len(marks) - len(kept))
    assert min(marks) <= Fraction(total, count) <= max(marks)


def test_the_rating_by_dimension_is_the_weighted_sum() -> None:
    # Binzhou's five dimensions at 30/20/20/20/10%: 0.3×90 + 0.2×80 + 0.2×70 + 0.2×85 + 0.1×60 = 27+16+14+17+6 = 80
    marks = dict(zip([d.code for d in BINZHOU], map(Fraction, (90, 80, 70, 85, 60)), strict=True))
    assert raters.weighted_mark(marks, BINZHOU) == 80
    # 0.3×88.55 = 26.565: kept in hundredths, rounded half up to 26.57
    marks = {d.code: Fraction(0) for d in BINZHOU} | {"intensity": Fraction("88.55")}
    assert raters.weighted_mark(marks, BINZHOU) == Fraction("26.57")


@given(st.lists(st.integers(min_value=0, max_value=10_000), min_size=5, max_size=5))
def test_a_weighted_rating_is_within_a_hundredth_and_between_the_marks(hundredths: list[int]) -> None:
    marks = {d.code: Fraction(h, 100) for d, h in zip(BINZHOU, hundredths, strict=True)}
    exact = sum(marks[d.code] * d.weight for d in BINZHOU)
    rated = raters.weighted_mark(marks, BINZHOU)
    assert abs(rated - exact) <= Fraction(1, 200) and (rated * 100).denominator == 1
    assert min(marks.values()) <= rated <= max(marks.values())


def _rules(**block: Any) -> Any:
    definition = {"indicators": [{"code": "ji", "name": "绩", "weight": "1"}],
                  "raters": {"share": "0.2", "groups": {"staff": "0.6", "public": "0.4"}, **block}}
    return compile_rules(SchemeDefinition.model_validate(definition))


def _field(**block: Any) -> str:
    with pytest.raises(SchemeInvalid) as refused:
        _rules(**block)
    return str(refused.value.errors[0]["field"])


def test_no_setting_changes_nothing() -> None:
    assert _rules().rater_settings == raters.RaterSettings()


def test_the_settings_are_compiled() -> None:
    settings = _rules(trim=["staff"], outside=["public"], dimensions={
        "intensity": {"name": "强度", "weight": "0.5"}, "effect": {"name": "成效", "weight": "0.5"}}).rater_settings
    assert settings.trim == frozenset({"staff"}) and settings.outside == frozenset({"public"})
    assert [(d.code, d.weight) for d in settings.dimensions] == [("intensity", Fraction(1, 2)),
                                                                 ("effect", Fraction(1, 2))]


def test_each_setting_names_what_breaks_it() -> None:
    assert _field(trim=["staff", "leaders"]) == "body.raters.trim.1"
    assert _field(trim=["staff", "staff"]) == "body.raters.trim.1"
    assert _field(outside=["public", "群众"]) == "body.raters.outside.1"
    assert _field(dimensions={"a": {"name": "强度", "weight": "0.5"}, "b": {"name": "难度", "weight": "0.4"}}) == \
        "body.raters.dimensions"
    # 0.3 + 0.2 × 3 + 0.1 is exactly 1: accepted
    assert len(_rules(dimensions={d.code: {"name": d.name, "weight": str(Decimal(d.weight.numerator) /
                                                                          d.weight.denominator)}
                                  for d in BINZHOU}).rater_settings.dimensions) == 5

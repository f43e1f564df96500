"""Decimal rendering in integers agrees with the decimal module's half-even rounding."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from shared.numbers import decimal_str


def by_decimal(value: Fraction, places: int) -> str:
    with localcontext() as ctx:
        ctx.prec = 80
        number = Decimal(value.numerator) / Decimal(value.denominator)
        text = format(number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@given(st.fractions(max_denominator=10**9), st.integers(min_value=0, max_value=8))
def test_agrees_with_the_decimal_module(value: Fraction, places: int) -> None:
    assert decimal_str(value, places) == by_decimal(value, places)


def test_examples() -> None:
    assert [decimal_str(Fraction(x)) for x in ("83.8", "100", "-0.0000004", "1/3", "2.5", "0.0000025")] == [
        "83.8", "100", "0", "0.333333", "2.5", "0.000002"]
    assert decimal_str(Fraction("0.0000035")) == "0.000004"

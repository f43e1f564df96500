"""Exact numbers rendered for people and machines: decimal strings, never floats."""

from __future__ import annotations

from fractions import Fraction


def decimal_str(value: Fraction, places: int = 6) -> str:
    """The exact decimal if it has at most ``places`` digits, else rounded half-even; in integer
    arithmetic (a close renders hundreds of thousands of these)."""
    return ratio_str(value.numerator, value.denominator, places)


def ratio_str(numerator: int, denominator: int, places: int = 6) -> str:
    """:func:`decimal_str` of ``numerator / denominator`` (``denominator`` > 0, the fraction need not
    be reduced)."""
    sign = "-" if numerator < 0 else ""
    scale = 10**places
    quotient, remainder = divmod(abs(numerator) * scale, denominator)
    if 2 * remainder > denominator or (2 * remainder == denominator and quotient % 2):
        quotient += 1
    if quotient == 0:
        return "0"
    whole, part = divmod(quotient, scale)
    if not part:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{part:0{places}d}".rstrip("0")

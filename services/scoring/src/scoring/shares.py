"""A share of a whole (a weight, a rater group's part, a grade's cap), exact.

Given as a decimal (``0.25``, ``"0.25"``) or as a fraction (``"1/3"``): three equal thirds are
``"1/3"`` each and add up to exactly 1, where ``"0.333333"`` three times does not. The value is a
``Fraction``; the text it was given is kept and is what a stored scheme holds, so a scheme reads
back as it was written (a decimal as pydantic's ``Decimal`` wrote it before: ``"0.30"`` stays
``"0.30"``).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Annotated, Any

from pydantic import PlainSerializer, PlainValidator, WithJsonSchema

#: what the text of a share looks like: a decimal or a fraction of whole numbers (no sign, no exponent)
PATTERN = r"^([0-9]{1,12}(\.[0-9]{1,12})?|\.[0-9]{1,12}|[0-9]{1,12}/[0-9]{1,12})$"
_FORMS = re.compile(PATTERN)
#: the texts of ``PATTERN`` that are always between 0 and 1, as the document declares them (a pattern
#: cannot compare a fraction's parts): a decimal below 1, 1 itself, or a fraction 0/n or 1/n
WITHIN_PATTERN = r"^(0(\.[0-9]{1,12})?|\.[0-9]{1,12}|1(\.0{1,12})?|[01]/[1-9][0-9]{0,11})$"
_HOW = "a decimal like 0.25 or a fraction like 1/3"


class ExactShare(Fraction):
    """A share's exact value, and the text it was given as (``text``)."""

    __slots__ = ("text",)
    text: str

    def __new__(cls, numerator: int = 0, denominator: int = 1, *, text: str | None = None) -> ExactShare:
        self = super().__new__(cls, numerator, denominator)
        self.text = str(self) if text is None else text
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return _rebuild, (self.numerator, self.denominator, self.text)

    def __copy__(self) -> ExactShare:
        return self

    def __deepcopy__(self, memo: object) -> ExactShare:
        return self


def _rebuild(numerator: int, denominator: int, text: str) -> ExactShare:
    return ExactShare(numerator, denominator, text=text)


def parse_share(value: object) -> ExactShare:
    """A number or a string of ``PATTERN``, between 0 and 1."""
    if isinstance(value, ExactShare):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise ValueError(f"a share is {_HOW}")
    if isinstance(value, str):
        if not _FORMS.match(value):
            raise ValueError(f"a share is {_HOW}, not {value[:40]!r}")
        if "/" in value:
            top, bottom = (int(part) for part in value.split("/"))
            if bottom == 0:
                raise ValueError(f"a share's denominator is not 0: {value!r}")
            share = ExactShare(top, bottom, text=f"{top}/{bottom}")
            return _within(share)
        value = Decimal(value)
    try:  # a float as the decimal it prints as (0.2 is 0.2, not its binary neighbour)
        number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
        exact = Fraction(number)
    except (InvalidOperation, ValueError, OverflowError):
        raise ValueError(f"a share is {_HOW}") from None
    text = str(number)
    if "E" in text:  # Decimal writes a small number in exponent form, which PATTERN does not read back
        text = format(number, "f")
    return _within(ExactShare(exact.numerator, exact.denominator, text=text))


def _within(share: ExactShare) -> ExactShare:
    if not 0 <= share <= 1:
        raise ValueError(f"a share is between 0 and 1 ({_HOW}), not {share.text}")
    return share


def share_text(share: ExactShare) -> str:
    return share.text


#: A share of a whole, 0 to 1, exact; stored and read back as given. Documented as a number or
#: a string of ``PATTERN`` (what a generated client, or schemathesis, sends).
Share = Annotated[
    ExactShare, PlainValidator(parse_share), PlainSerializer(share_text, return_type=str),
    WithJsonSchema({"anyOf": [{"type": "number", "minimum": 0, "maximum": 1},
                              {"type": "string", "pattern": WITHIN_PATTERN}],
                    "description": f"a share between 0 and 1: {_HOW}"}, mode="validation"),
    WithJsonSchema({"type": "string", "pattern": PATTERN}, mode="serialization")]

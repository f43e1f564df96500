"""Patterns of what the API accepts, for routes to declare on their parameters and for tests: text with
no control character (a name or code) or none but layout, a decimal's string form within its bounds
(``decimal_pattern``), and a path segment the gateway takes as it is. The rules on every request body and
query string are written into each document by ``shared.hostile.declare``.
"""

from __future__ import annotations

import math
from typing import Any

from shared.hostile import LARGEST

NO_CONTROL = "^[^\\x00-\\x1f\\x7f]*$"
NO_CONTROL_BUT_LAYOUT = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]*$"
DECIMAL_PLACES = 2
# A path segment the gateway takes as it is: no control character, "/", "\\" or "%" (an encoded "." or "/"
# is refused), and not "." or "..".
_NOT_IN_SEGMENT = r"\x00-\x1f\x7f/\\%"
_REST = f"[^{_NOT_IN_SEGMENT}]"
PATH_SEGMENT = rf"^([^.{_NOT_IN_SEGMENT}]{_REST}*|\.[^.{_NOT_IN_SEGMENT}]{_REST}*|\.\.{_REST}+)$"
_REF = "#/components/schemas/"


def decimal_pattern(number: dict[str, Any], places: int = DECIMAL_PLACES) -> str:
    """Digits that a ``Decimal`` within ``number``'s bounds accepts when written as a string, with at
    most ``places`` decimals: a subset of the bounds (every string it matches is accepted) that keeps
    their round numbers (0 to 1 takes "0", "0.25" and "1"; 0 to 1000 takes "999.99" and "1000")."""
    fraction = f"(\\.[0-9]{{1,{places}}})?" if places else ""
    low = number.get("minimum", number.get("exclusiveMinimum"))
    high = number.get("maximum", number.get("exclusiveMaximum"))
    low = -LARGEST if low is None else low
    high = LARGEST if high is None else high
    positive = ("exclusiveMinimum" in number and low >= 0) or low > 0
    magnitude = high if low >= 0 else min(high, -low)
    if low >= 1 or magnitude < 1:
        return f"^-?(0|[1-9][0-9]{{0,14}}){fraction}$"
    digits = min(15, math.floor(math.log10(magnitude)))  # every whole part of fewer digits is within bounds
    lead = int(str(int(magnitude))[0]) if digits < 15 else 1
    if not positive:
        whole = [f"0{fraction}"]
    elif places:
        whole = [f"0\\.[0-9]{{0,{places - 1}}}[1-9]"]
    else:
        whole = []
    if digits:
        whole.append(f"[1-9][0-9]{{0,{digits - 1}}}{fraction}")
    if lead > 1:
        whole.append(f"[1-{lead - 1}][0-9]{{{digits}}}{fraction}")
    if low >= 0 and "maximum" in number and high == int(high):
        whole.append(f"{int(high)}" + (f"(\\.0{{1,{places}}})?" if places else ""))
    return "^" + ("-?" if low < 0 else "") + "(" + "|".join(whole) + ")$"

"""The apportionment methods' names, limits and answers, and the errors of input no method can take."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from shared.field_error import FieldError

METHODS = ("hamilton", "jefferson", "webster", "huntington_hill", "adams", "dean")
ALIASES = {
    "largest_remainder": "hamilton",
    "dhondt": "jefferson",
    "d_hondt": "jefferson",
    "sainte_lague": "webster",
    "huntington-hill": "huntington_hill",
}
#: Every name ``canonical_method`` takes as it is written (it also takes them in other cases).
METHOD_NAMES: tuple[str, ...] = (*METHODS, *ALIASES)
DIVISOR_METHODS = frozenset({"jefferson", "webster", "huntington_hill", "adams", "dean"})
TIE_RULE = "larger population first, then unit id in ascending order"
MAX_UNITS = 200_000
MAX_SEATS = 50_000_000


class ApportionmentError(FieldError):
    """Input that no method can apportion; ``field`` names where the problem is."""


class UnknownUnit(ApportionmentError):
    """``min_seats`` or ``max_seats`` names a unit that ``populations`` does not have."""


@dataclass(frozen=True, slots=True)
class Tie:
    """Units with exactly equal claims on fewer seats than there were of them."""

    contenders: tuple[str, ...]
    winners: tuple[str, ...]
    priority: str
    rule: str = TIE_RULE


class Apportionment(NamedTuple):
    method: str
    seats: dict[str, int]
    ties: tuple[Tie, ...] = ()


def canonical_method(method: str) -> str:
    if method in METHODS:
        return method
    name = method.strip().lower()
    name = ALIASES.get(name, name)
    if name not in METHODS:
        known = ", ".join([*METHODS, *ALIASES])
        raise ApportionmentError(f"unknown method {method!r}; known: {known}", field="method")
    return name

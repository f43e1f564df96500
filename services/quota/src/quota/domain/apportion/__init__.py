"""Exact apportionment: share whole seats between units in proportion to their populations.

Pure functions over integers and fractions; no floating point decides anything, so no two
machines can disagree. Floats are used only to find a starting point quickly; every seat
near the boundary is then settled by exact integer comparisons.

Methods
-------
``hamilton`` (alias ``largest_remainder``)
    Every unit's exact quota ``seats * population / total`` over all units; take the floors
    (never above a unit's maximum); lift any unit below its minimum up to it out of the
    leftover seats; give what is left one each by largest remainder. This is the same
    floor → pool → lift → remainder order as the pool-and-tilt allocation. Should the
    leftover not cover the lifts, seats are taken back from the units with the smallest
    remainders that stand above their minimum.

Divisor methods start every unit at its minimum and give the remaining seats one at a
time to the unit with the highest priority ``population / d(s)``, where ``s`` is the
unit's current seats and ``d`` the method's signpost; a unit at its maximum takes no
more. Units with population 0 keep their minimum.

``jefferson`` (``dhondt``)        d(s) = s + 1
``webster`` (``sainte_lague``)    d(s) = s + 1/2
``adams``                          d(s) = s
``dean``                           d(s) = 2 s (s + 1) / (2 s + 1)   (harmonic mean)
``huntington_hill``                d(s) = sqrt(s (s + 1))            (geometric mean)

For ``adams``, ``dean`` and ``huntington_hill`` d(0) = 0: a unit with no seat has
infinite priority, so every populated unit gets one seat before any unit gets a second.
Huntington-Hill priorities are compared squared (``p² / (s (s + 1))``), which keeps the
order and stays rational.

Ties
----
When units of exactly equal priority compete for fewer seats than there are of them
(or, under ``hamilton``, for equal remainders), the seat goes to the larger population,
then to the unit whose id sorts first. Every such tie is reported in the result with the
contenders and the winners; input order never matters.
"""

from __future__ import annotations

from collections.abc import Mapping

from quota.domain.apportion.divisor import divisor_seats
from quota.domain.apportion.hamilton import largest_remainder, largest_remainder_plain
from quota.domain.apportion.rules import (
    ALIASES,
    DIVISOR_METHODS,
    MAX_SEATS,
    MAX_UNITS,
    METHOD_NAMES,
    METHODS,
    TIE_RULE,
    Apportionment,
    ApportionmentError,
    Tie,
    UnknownUnit,
    canonical_method,
)

__all__ = ["ALIASES", "DIVISOR_METHODS", "MAX_SEATS", "MAX_UNITS", "METHODS", "METHOD_NAMES", "TIE_RULE",
           "Apportionment", "ApportionmentError", "Tie", "UnknownUnit", "apportion", "canonical_method"]


def _known_units(units: Mapping[str, int], limits: int | Mapping[str, int] | None, name: str) -> None:
    unknown = sorted(set(limits) - set(units)) if isinstance(limits, Mapping) else []
    if unknown:
        raise UnknownUnit(f"{name} names units that have no population: {unknown[:5]}",
                          field=f"{name}.{unknown[0]}")


def _bounds(
    units: list[str],
    limits: int | Mapping[str, int] | None,
    default: int | None,
    name: str,
) -> list[int | None]:
    if not limits and not isinstance(limits, int):
        return [default] * len(units)
    if isinstance(limits, int):
        if limits < 0:
            raise ApportionmentError(f"{name} must not be negative", field=name)
        return [limits] * len(units)
    out: list[int | None] = []
    for unit in units:
        value = limits.get(unit, default)
        if value is not None and value < 0:
            raise ApportionmentError(f"{name} of {unit!r} must not be negative", field=f"{name}.{unit}")
        out.append(value)
    return out


def apportion(
    method: str,
    seats: int,
    populations: Mapping[str, int],
    *,
    min_seats: int | Mapping[str, int] | None = None,
    max_seats: Mapping[str, int] | None = None,
    max_units: int = MAX_UNITS,
) -> Apportionment:
    """Apportion ``seats`` between units by ``method`` (see the module docstring)."""
    name = canonical_method(method)
    if not populations:
        raise ApportionmentError("there are no units to apportion between", field="populations")
    # the units the bounds name are looked up before any rule of the numbers
    _known_units(populations, min_seats, "min_seats")
    _known_units(populations, max_seats, "max_seats")
    if len(populations) > max_units:
        raise ApportionmentError(f"{len(populations)} units is more than the limit of {max_units}",
                                 field="populations")
    if seats < 0:
        raise ApportionmentError("seats must not be negative", field="seats")
    if seats > MAX_SEATS:
        raise ApportionmentError(f"seats must be at most {MAX_SEATS}", field="seats")
    # The caller's order is kept in the answer but decides nothing: every choice between
    # units is made by exact priority and the documented tie rule.
    values = populations.values()
    if min(values) < 0:
        unit = next(u for u, p in populations.items() if p < 0)
        raise ApportionmentError(f"population of {unit!r} is negative", field=f"populations.{unit}")
    if name == "hamilton" and min_seats is None and max_seats is None:
        # The common provincial call, kept lean: no bounds to lift to or cap at.
        total = sum(values)
        if total == 0 and seats:
            raise ApportionmentError("every population is zero", field="populations")
        return Apportionment(name, *largest_remainder_plain(populations, seats, total))
    units = list(populations)
    pops = list(values)
    n = len(units)
    mins = [0] * n if min_seats is None else [m or 0 for m in _bounds(units, min_seats, 0, "min_seats")]
    maxs: list[int | None] = [None] * n if max_seats is None else _bounds(units, max_seats, None,
                                                                           "max_seats")
    if max_seats:
        for unit, lo, hi in zip(units, mins, maxs, strict=True):
            if hi is not None and hi < lo:
                raise ApportionmentError(f"max_seats of {unit!r} ({hi}) is below its min_seats ({lo})",
                                         field=f"max_seats.{unit}")
    floor_total = sum(mins)
    if seats < floor_total:
        raise ApportionmentError(f"seats ({seats}) are fewer than the sum of minimums ({floor_total})",
                                 field="seats")
    capacity = _capacity(pops, mins, maxs, populated_only=name in DIVISOR_METHODS) if (
        max_seats or 0 in pops) else None
    if capacity is not None and seats > capacity:
        raise ApportionmentError(
            f"seats ({seats}) are more than the units can take ({capacity}): raise max_seats "
            "or give populations to the units that have none", field="seats")
    if name == "hamilton":
        if seats > floor_total and sum(pops) == 0:
            raise ApportionmentError("every population is zero", field="populations")
        result, found = largest_remainder(units, pops, seats, mins, maxs)
    else:
        result, found = divisor_seats(name, units, pops, seats, mins, maxs)
    return Apportionment(method=name, seats=dict(zip(units, result, strict=True)), ties=tuple(found))


def _capacity(pops: list[int], mins: list[int], maxs: list[int | None], *, populated_only: bool) -> int | None:
    total = 0
    for pop, lo, hi in zip(pops, mins, maxs, strict=True):
        if populated_only and pop == 0:
            total += lo
        elif hi is None:
            return None
        else:
            total += hi
    return total


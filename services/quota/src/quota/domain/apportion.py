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

import heapq
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

METHODS = ("hamilton", "jefferson", "webster", "huntington_hill", "adams", "dean")
ALIASES = {
    "largest_remainder": "hamilton",
    "dhondt": "jefferson",
    "d_hondt": "jefferson",
    "sainte_lague": "webster",
    "huntington-hill": "huntington_hill",
}
DIVISOR_METHODS = frozenset({"jefferson", "webster", "huntington_hill", "adams", "dean"})
_ZERO_SIGNPOST = frozenset({"huntington_hill", "adams", "dean"})
TIE_RULE = "larger population first, then unit id in ascending order"
MAX_UNITS = 200_000
MAX_SEATS = 50_000_000


class ApportionmentError(ValueError):
    """Input that no method can apportion; ``field`` names where the problem is."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Tie:
    """Units with exactly equal claims on fewer seats than there were of them."""

    contenders: tuple[str, ...]
    winners: tuple[str, ...]
    priority: str
    rule: str = TIE_RULE


@dataclass(frozen=True)
class Apportionment:
    method: str
    seats: dict[str, int]
    ties: tuple[Tie, ...] = field(default_factory=tuple)


def canonical_method(method: str) -> str:
    name = method.strip().lower()
    name = ALIASES.get(name, name)
    if name not in METHODS:
        known = ", ".join([*METHODS, *ALIASES])
        raise ApportionmentError(f"unknown method {method!r}; known: {known}", field="method")
    return name


def _bounds(
    units: list[str],
    limits: int | Mapping[str, int] | None,
    default: int | None,
    name: str,
) -> list[int | None]:
    if limits is None:
        return [default] * len(units)
    if isinstance(limits, int):
        if limits < 0:
            raise ApportionmentError(f"{name} must not be negative", field=name)
        return [limits] * len(units)
    unknown = sorted(set(limits) - set(units))
    if unknown:
        raise ApportionmentError(f"{name} names units that have no population: {unknown[:5]}",
                                 field=f"{name}.{unknown[0]}")
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
    if len(populations) > max_units:
        raise ApportionmentError(f"{len(populations)} units is more than the limit of {max_units}",
                                 field="populations")
    if seats < 0:
        raise ApportionmentError("seats must not be negative", field="seats")
    if seats > MAX_SEATS:
        raise ApportionmentError(f"seats must be at most {MAX_SEATS}", field="seats")
    for unit, population in populations.items():
        if population < 0:
            raise ApportionmentError(f"population of {unit!r} is negative", field=f"populations.{unit}")
    # A stable order independent of the caller's: by id.
    units = sorted(populations)
    pops = [populations[u] for u in units]
    mins = [m or 0 for m in _bounds(units, min_seats, 0, "min_seats")]
    maxs = _bounds(units, max_seats, None, "max_seats")
    for unit, lo, hi in zip(units, mins, maxs, strict=True):
        if hi is not None and hi < lo:
            raise ApportionmentError(f"max_seats of {unit!r} ({hi}) is below its min_seats ({lo})",
                                     field=f"max_seats.{unit}")
    floor_total = sum(mins)
    if seats < floor_total:
        raise ApportionmentError(f"seats ({seats}) are fewer than the sum of minimums ({floor_total})",
                                 field="seats")
    capacity = _capacity(pops, mins, maxs, populated_only=name in DIVISOR_METHODS)
    if capacity is not None and seats > capacity:
        raise ApportionmentError(
            f"seats ({seats}) are more than the units can take ({capacity}): raise max_seats "
            "or give populations to the units that have none", field="seats")
    if name == "hamilton":
        if seats > floor_total and sum(pops) == 0:
            raise ApportionmentError("every population is zero", field="populations")
        result, ties = _hamilton(units, pops, seats, mins, maxs)
    else:
        result, ties = _divisor(name, units, pops, seats, mins, maxs)
    return Apportionment(method=name, seats=dict(zip(units, result, strict=True)), ties=tuple(ties))


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


# ---------------------------------------------------------------------------------------
# Hamilton


def _tie_key(pops: list[int], units: list[str], i: int) -> tuple[int, str]:
    return (-pops[i], units[i])


def _hamilton(
    units: list[str], pops: list[int], seats: int, mins: list[int], maxs: list[int | None]
) -> tuple[list[int], list[Tie]]:
    total = sum(pops)
    n = len(units)
    if total == 0:
        return list(mins), []
    # Exact quota seats * p / total = floor + rem / total; remainders compare as integers.
    floors = [0] * n
    rems = [0] * n
    for i, p in enumerate(pops):
        floors[i], rems[i] = divmod(seats * p, total)
    result = [f if maxs[i] is None else min(f, maxs[i]) for i, f in enumerate(floors)]  # type: ignore[type-var]
    lifted = [False] * n
    for i in range(n):
        if result[i] < mins[i]:
            result[i] = mins[i]
            lifted[i] = True
    ties: list[Tie] = []
    left = seats - sum(result)
    if left < 0:
        # The lifts took more than the leftover: take seats back from the weakest claims.
        # The reverse of the award order: smallest remainder, smaller population, last id.
        donors = sorted((i for i in range(n) if result[i] > mins[i] and not lifted[i]),
                        key=lambda i: (-rems[i], -pops[i], units[i]), reverse=True)
        for i in donors:
            while left < 0 and result[i] > mins[i]:
                result[i] -= 1
                left += 1
            if left == 0:
                break
    while left > 0:
        # Largest remainder among units that have not had their remainder seat and have room.
        eligible = [i for i in range(n)
                    if not lifted[i] and result[i] <= floors[i] and (maxs[i] is None or result[i] < maxs[i])]  # type: ignore[operator]
        if not eligible:
            eligible = [i for i in range(n) if maxs[i] is None or result[i] < maxs[i]]  # type: ignore[operator]
            for i in eligible:
                lifted[i] = False
                floors[i] = result[i]
        eligible.sort(key=lambda i: (-rems[i], -pops[i], units[i]))
        take = eligible[:left]
        if len(eligible) > left:
            boundary = rems[take[-1]]
            tied = [i for i in eligible if rems[i] == boundary]
            winners = [i for i in take if rems[i] == boundary]
            if len(tied) > len(winners):
                ties.append(Tie(contenders=tuple(sorted(units[i] for i in tied)),
                                winners=tuple(sorted(units[i] for i in winners)),
                                priority=f"remainder {Fraction(boundary, total)}"))
        for i in take:
            result[i] += 1
            lifted[i] = True
        left -= len(take)
    return result, ties


# ---------------------------------------------------------------------------------------
# Divisor methods


def _signpost(method: str, s: int) -> float:
    if method == "jefferson":
        return s + 1.0
    if method == "webster":
        return s + 0.5
    if method == "adams":
        return float(s)
    if method == "dean":
        return 2.0 * s * (s + 1) / (2 * s + 1)
    return math.sqrt(s * (s + 1.0))


def _exact_key(method: str, p: int, s: int) -> tuple[int, Fraction]:
    """Priority of a unit with population p for its (s+1)-th seat, as an exact sortable key.

    (1, p) stands for an infinite priority (d(s) = 0), ordered among themselves by population.
    """
    if method == "jefferson":
        return (0, Fraction(p, s + 1))
    if method == "webster":
        return (0, Fraction(2 * p, 2 * s + 1))
    if s == 0:
        return (1, Fraction(p))
    if method == "adams":
        return (0, Fraction(p, s))
    if method == "dean":
        return (0, Fraction(p * (2 * s + 1), 2 * s * (s + 1)))
    return (0, Fraction(p * p, s * (s + 1)))


def _float_key(method: str, p: int, s: int) -> float:
    d = _signpost(method, s)
    return math.inf if d == 0 else p / d


def _rounded(method: str, q: float) -> int:
    """Seats a unit gets at quotient q = p / D: the number of signposts d(s) <= q."""
    s = math.floor(q)
    if s < 0:
        return 0
    return s + 1 if q >= _signpost(method, s) else s


def _divisor(
    method: str, units: list[str], pops: list[int], seats: int, mins: list[int], maxs: list[int | None]
) -> tuple[list[int], list[Tie]]:
    n = len(units)
    caps = [mins[i] if pops[i] == 0 else maxs[i] for i in range(n)]
    result = _float_start(method, pops, seats, mins, caps)
    # Settle the boundary exactly. Units whose float priorities sit near the boundary give
    # their last seat back; those seats, plus any the float start missed, are handed out
    # one at a time by exact priority. Every seat kept elsewhere has a clearly higher
    # priority and every seat not given a clearly lower one, so the result is exact.
    next_f = [(_float_key(method, pops[i], result[i]) if caps[i] is None or result[i] < caps[i]  # type: ignore[operator]
               else -math.inf) for i in range(n)]
    last_f = [(_float_key(method, pops[i], result[i] - 1) if result[i] > mins[i] else math.inf)
              for i in range(n)]
    hi_next = max(next_f)
    lo_last = min(last_f)
    tol = 1e-9
    if hi_next == -math.inf:
        contested_next = []
    else:
        bar = lo_last * (1 - tol) if lo_last != math.inf else hi_next * (1 - tol)
        contested_next = [i for i in range(n) if next_f[i] != -math.inf and
                          (next_f[i] >= bar or next_f[i] == math.inf)]
    if lo_last == math.inf:
        contested_last = []
    else:
        bar = hi_next * (1 + tol) if hi_next != -math.inf else lo_last * (1 + tol)
        contested_last = [i for i in range(n) if last_f[i] != math.inf and last_f[i] <= bar]
    if hi_next == math.inf:
        # Units with no seat yet under a zero-signpost method: all of them are in play.
        contested_last = [i for i in range(n) if result[i] > mins[i]]
    for i in contested_last:
        result[i] -= 1
    to_give = seats - sum(result)
    candidates = sorted(set(contested_next) | set(contested_last))
    ties = _hand_out(method, units, pops, result, caps, candidates, to_give)
    return result, ties


def _float_start(method: str, pops: list[int], seats: int, mins: list[int], caps: list[int | None]) -> list[int]:
    """An allocation close to the answer from a float divisor, then exactly ``seats`` by float heap."""
    n = len(pops)
    free = seats - sum(mins)
    total = sum(p for i, p in enumerate(pops) if caps[i] is None or caps[i] > mins[i])  # type: ignore[operator]
    if free == 0 or total == 0:
        return list(mins)

    def at(divisor: float) -> list[int]:
        out = []
        for i in range(n):
            s = _rounded(method, pops[i] / divisor)
            lo, hi = mins[i], caps[i]
            if s < lo:
                s = lo
            elif hi is not None and s > hi:
                s = hi
            out.append(s)
        return out

    divisor = total / free
    result = at(divisor)
    for _ in range(6):
        got = sum(result)
        if abs(got - seats) <= max(2, n // 1000):
            break
        # Scale the divisor by how far off the total is; converges in a few steps.
        divisor *= got / seats if got > 0 else 0.5
        result = at(divisor)
    diff = seats - sum(result)
    if diff > 0:
        heap = [(-_float_key(method, pops[i], result[i]), i) for i in range(n)
                if caps[i] is None or result[i] < caps[i]]  # type: ignore[operator]
        heapq.heapify(heap)
        while diff > 0 and heap:
            _, i = heapq.heappop(heap)
            result[i] += 1
            diff -= 1
            if caps[i] is None or result[i] < caps[i]:  # type: ignore[operator]
                heapq.heappush(heap, (-_float_key(method, pops[i], result[i]), i))
    elif diff < 0:
        heap = [(_float_key(method, pops[i], result[i] - 1), i) for i in range(n) if result[i] > mins[i]]
        heapq.heapify(heap)
        while diff < 0 and heap:
            _, i = heapq.heappop(heap)
            result[i] -= 1
            diff += 1
            if result[i] > mins[i]:
                heapq.heappush(heap, (_float_key(method, pops[i], result[i] - 1), i))
    return result


def _hand_out(
    method: str,
    units: list[str],
    pops: list[int],
    result: list[int],
    caps: list[int | None],
    candidates: list[int],
    to_give: int,
) -> list[Tie]:
    """Give ``to_give`` seats to ``candidates`` one at a time by exact priority."""
    if to_give <= 0:
        return []

    def entry(i: int) -> tuple[tuple[int, Fraction], tuple[int, str], int]:
        kind, value = _exact_key(method, pops[i], result[i])
        # heapq pops the smallest: negate priority, then larger population, then id.
        return ((-kind, -value), (-pops[i], units[i]), i)

    heap = [entry(i) for i in candidates if caps[i] is None or result[i] < caps[i]]  # type: ignore[operator]
    heapq.heapify(heap)
    ties: list[Tie] = []
    given: list[tuple[tuple[int, Fraction], int]] = []
    while to_give > 0 and heap:
        key, _, i = heapq.heappop(heap)
        given.append((key, i))
        result[i] += 1
        to_give -= 1
        if caps[i] is None or result[i] < caps[i]:  # type: ignore[operator]
            heapq.heappush(heap, entry(i))
    if heap and given:
        boundary = given[-1][0]
        losers = [i for key, _, i in heap if key == boundary]
        if losers:
            winners = [i for key, i in given if key == boundary]
            contenders = sorted({units[i] for i in winners + losers})
            kind, value = -boundary[0], -boundary[1]
            shown = "infinite (no seat yet)" if kind == 1 else str(value)
            ties.append(Tie(contenders=tuple(contenders),
                            winners=tuple(sorted({units[i] for i in winners})),
                            priority=shown))
    return ties

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
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import NamedTuple

import numpy as np

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


class ApportionmentError(ValueError):
    """Input that no method can apportion; ``field`` names where the problem is."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


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
        return Apportionment(name, *_hamilton_plain(populations, seats, total))
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
        result, found = _hamilton(units, pops, seats, mins, maxs)
    else:
        result, found = _divisor(name, units, pops, seats, mins, maxs)
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


# ---------------------------------------------------------------------------------------
# Hamilton


def _tie_key(pops: list[int], units: list[str], i: int) -> tuple[int, str]:
    return (-pops[i], units[i])


def _take_largest(
    candidates: list[int], left: int, rems: list[int], pops: list[int], units: list[str], total: int
) -> tuple[list[int], Tie | None]:
    """The ``left`` candidates with the largest remainders; equal remainders by the tie rule."""
    if left >= len(candidates):
        return candidates, None
    pool = rems if len(candidates) == len(rems) else [rems[i] for i in candidates]
    if len(pool) >= 200 and max(pool) < _INT64_SAFE:
        boundary = int(np.partition(np.array(pool, dtype=np.int64), len(pool) - left)[len(pool) - left])
    else:
        boundary = sorted(pool, reverse=True)[left - 1]
    take = [i for i in candidates if rems[i] > boundary]
    tied = sorted((i for i in candidates if rems[i] == boundary), key=lambda i: (-pops[i], units[i]))
    need = left - len(take)
    take += tied[:need]
    tie = None
    if need < len(tied):
        tie = Tie(contenders=tuple(sorted(units[i] for i in tied)),
                  winners=tuple(sorted(units[i] for i in tied[:need])),
                  priority=f"remainder {Fraction(boundary, total)}")
    return take, tie


_INT64_SAFE = 2**62


def _quotas(pops: Collection[int], seats: int, total: int) -> tuple[list[int], list[int]]:
    """Whole parts and remainders (over ``total``) of every exact quota ``seats * p / total``.

    Integer arithmetic throughout; numpy's int64 does it in bulk when nothing can overflow.
    """
    if len(pops) >= 200 and seats * max(pops) < _INT64_SAFE:
        floors, rems = np.divmod(np.fromiter(pops, dtype=np.int64, count=len(pops)) * seats, total)
        return floors.tolist(), rems.tolist()
    return [seats * p // total for p in pops], [seats * p % total for p in pops]


def _hamilton_plain(populations: Mapping[str, int], seats: int, total: int) -> tuple[dict[str, int], tuple[Tie, ...]]:
    """Hamilton without minimums or maximums: floors, then the largest remainders.

    Small inputs take one pass for the remainders and one for the answer: the seats left
    after the floors are ``sum(remainders) / total`` exactly (the quotas sum to ``seats``),
    and with the boundary remainder ``b`` found, ``(seats * p + total - b) // total`` is the
    floor plus one exactly when the unit's remainder is at least ``b``.
    """
    pops = populations.values()
    if total == 0:
        return dict.fromkeys(populations, 0), ()
    n = len(pops)
    if n < 200:
        rems = [seats * p % total for p in pops]
        left = sum(rems) // total
        if not left:
            return {u: seats * p // total for u, p in populations.items()}, ()
        ordered = sorted(rems, reverse=True)
        boundary = ordered[left - 1]
        if left == n or ordered[left] != boundary:
            # No tie at the boundary: every remainder at or above it takes a seat.
            lift = total - boundary
            return {u: (seats * p + lift) // total for u, p in populations.items()}, ()
        floors = [seats * p // total for p in pops]
    elif seats * max(pops) < _INT64_SAFE:
        # In bulk: the same floors and remainders in int64, and no tie at the boundary (nearly
        # always) settled in three array operations.
        floor_array, rem_array = np.divmod(np.fromiter(pops, dtype=np.int64, count=n) * seats, total)
        left = seats - int(floor_array.sum())
        if left:
            boundary = rem_array[np.argpartition(rem_array, n - left)[n - left]]
            if int(np.count_nonzero(rem_array >= boundary)) == left:
                floor_array += rem_array >= boundary
                left = 0
        if not left:
            return dict(zip(populations, floor_array.tolist())), ()  # noqa: B905 (equal by construction)
        floors, rems = floor_array.tolist(), rem_array.tolist()
    else:
        floors, rems = _quotas(pops, seats, total)
        left = seats - sum(floors)
        if not left:
            return dict(zip(populations, floors)), ()  # noqa: B905 (equal by construction)
    take, tie = _take_largest(list(range(n)), left, rems, list(pops), list(populations), total)
    for i in take:
        floors[i] += 1
    return dict(zip(populations, floors)), (tie,) if tie else ()  # noqa: B905 (equal by construction)


def _hamilton(
    units: list[str], pops: list[int], seats: int, mins: list[int], maxs: list[int | None]
) -> tuple[list[int], list[Tie]]:
    total = sum(pops)
    n = len(units)
    if total == 0:
        return list(mins), []
    # Exact quota seats * p / total = floor + rem / total; remainders compare as integers.
    floors, rems = _quotas(pops, seats, total)
    ties: list[Tie] = []
    if not any(mins) and maxs.count(None) == n:
        result = floors
        left = seats - sum(result)
        if not left:
            return result, ties
        if n < 200:
            ordered = sorted(rems, reverse=True)
            boundary = ordered[left - 1]
            if left == n or ordered[left] != boundary:
                # No tie at the boundary: every remainder at or above it takes a seat.
                return [f + (r >= boundary) for f, r in zip(result, rems, strict=True)], ties
        take, tie = _take_largest(list(range(n)), left, rems, pops, units, total)
        for i in take:
            result[i] += 1
        if tie:
            ties.append(tie)
        return result, ties
    caps = [c if c is not None else seats for c in maxs]
    result = [min(f, c) for f, c in zip(floors, caps, strict=True)]
    lifted = [False] * n
    for i in range(n):
        if result[i] < mins[i]:
            result[i] = mins[i]
            lifted[i] = True
    left = seats - sum(result)
    if left < 0:
        # The lifts took more than the leftover: take seats back from the weakest claims,
        # the reverse of the award order (smallest remainder, smaller population, last id).
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
        eligible = [i for i in range(n) if not lifted[i] and floors[i] >= result[i] < caps[i]]
        if not eligible:
            eligible = [i for i in range(n) if result[i] < caps[i]]
            for i in eligible:
                lifted[i] = False
                floors[i] = result[i]
        take, tie = _take_largest(eligible, left, rems, pops, units, total)
        if tie:
            ties.append(tie)
        for i in take:
            result[i] += 1
            lifted[i] = True
        left -= len(take)
    return result, ties


# ---------------------------------------------------------------------------------------
# Divisor methods


def _next_keys(method: str, pops: list[int], seats: list[int]) -> list[float]:
    """Float priorities p / d(s) for every unit's next seat (inf where d(s) = 0)."""
    inf = math.inf
    if method == "jefferson":
        return [p / (s + 1) for p, s in zip(pops, seats, strict=True)]
    if method == "webster":
        return [p / (s + 0.5) for p, s in zip(pops, seats, strict=True)]
    if method == "adams":
        return [p / s if s else inf for p, s in zip(pops, seats, strict=True)]
    if method == "dean":
        return [p * (2 * s + 1) / (2 * s * (s + 1)) if s else inf for p, s in zip(pops, seats, strict=True)]
    sqrt = math.sqrt
    return [p / sqrt(s * (s + 1)) if s else inf for p, s in zip(pops, seats, strict=True)]


def _last_keys(method: str, pops: list[int], seats: list[int]) -> list[float]:
    """Float priorities of every unit's last seat given, p / d(s - 1); inf for none or a first seat
    under a zero-signpost method (such seats are never given back)."""
    inf = math.inf
    if method == "jefferson":
        return [p / s if s else inf for p, s in zip(pops, seats, strict=True)]
    if method == "webster":
        return [p / (s - 0.5) if s else inf for p, s in zip(pops, seats, strict=True)]
    if method == "adams":
        return [p / (s - 1) if s > 1 else inf for p, s in zip(pops, seats, strict=True)]
    if method == "dean":
        return [p * (2 * s - 1) / (2 * (s - 1) * s) if s > 1 else inf for p, s in zip(pops, seats, strict=True)]
    sqrt = math.sqrt
    return [p / sqrt((s - 1) * s) if s > 1 else inf for p, s in zip(pops, seats, strict=True)]


def _key_of(method: str) -> Callable[[int, int], float]:
    """The scalar form of :func:`_next_keys`, for one unit at a time."""
    inf = math.inf
    if method == "jefferson":
        return lambda p, s: p / (s + 1)
    if method == "webster":
        return lambda p, s: p / (s + 0.5)
    if method == "adams":
        return lambda p, s: p / s if s else inf
    if method == "dean":
        return lambda p, s: p * (2 * s + 1) / (2 * s * (s + 1)) if s else inf
    sqrt = math.sqrt
    return lambda p, s: p / sqrt(s * (s + 1)) if s else inf


def _round_all(method: str, pops: list[int], divisor: float) -> list[int]:
    """Seats at quotient q = p / divisor: the number of signposts d(s) <= q."""
    inv = 1.0 / divisor
    if method == "jefferson":
        return [int(p * inv) for p in pops]
    if method == "webster":
        return [int(p * inv + 0.5) for p in pops]
    if method == "adams":
        ceil = math.ceil
        return [ceil(p * inv) for p in pops]
    if method == "dean":
        return [(s := int(q := p * inv)) + (q * (2 * s + 1) >= 2 * s * (s + 1)) for p in pops]
    return [(s := int(q := p * inv)) + (q * q >= s * s + s) for p in pops]


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


def _divisor(
    method: str, units: list[str], pops: list[int], seats: int, mins: list[int], maxs: list[int | None]
) -> tuple[list[int], list[Tie]]:
    n = len(units)
    if not any(mins) and maxs.count(None) == n and 0 not in pops:
        caps = [seats] * n
        bounded = False
    else:
        # A unit with no population keeps its minimum; "no maximum" is any number above the total.
        caps = [lo if p == 0 else (seats if hi is None else hi)
                for p, lo, hi in zip(pops, mins, maxs, strict=True)]
        bounded = any(mins) or any(c < seats for c in caps)
    result, next_f, last_f = _float_start(method, pops, seats, mins, caps, bounded)
    # Settle the boundary exactly. Units whose float priorities sit near the boundary give
    # their last seat back; those seats are handed out again one at a time by exact
    # priority. Every seat kept elsewhere has a clearly higher priority and every seat not
    # given a clearly lower one, so the result is exact.
    inf = math.inf
    if next_f is None:
        next_f = _next_keys(method, pops, result)
    if last_f is None:
        last_f = _last_keys(method, pops, result)
    if bounded:
        next_f = [k if s < c else -inf for k, s, c in zip(next_f, result, caps, strict=True)]
        last_f = [k if s > lo else inf for k, s, lo in zip(last_f, result, mins, strict=True)]
    hi_next = max(next_f)
    lo_last = min(last_f)
    tol = 1e-9
    if hi_next != inf and (lo_last == inf or hi_next * (1 + tol) < lo_last * (1 - tol)) and sum(result) == seats:
        # A clear gap: every seat given outranks every seat not given by far more than any
        # rounding, so the allocation is exact and there is no tie to settle.
        return result, []
    if hi_next == -inf:
        contested_next: list[int] = []
    else:
        bar = lo_last * (1 - tol) if lo_last != inf else hi_next * (1 - tol)
        contested_next = [i for i, k in enumerate(next_f) if k >= bar and k != -inf]
    if hi_next == inf:
        # Units with no seat yet under a zero-signpost method: every seat above a minimum
        # is in play.
        contested_last = [i for i in range(n) if result[i] > mins[i]]
    elif lo_last == inf:
        contested_last = []
    else:
        bar = hi_next * (1 + tol) if hi_next != -inf else lo_last * (1 + tol)
        contested_last = [i for i, k in enumerate(last_f) if k <= bar]
    for i in contested_last:
        result[i] -= 1
    to_give = seats - sum(result)
    candidates = sorted(set(contested_next) | set(contested_last))
    ties = _hand_out(method, units, pops, result, caps, candidates, to_give)
    return result, ties


def _float_start(
    method: str, pops: list[int], seats: int, mins: list[int], caps: list[int], bounded: bool
) -> tuple[list[int], list[float] | None, list[float] | None]:
    """An allocation close to the answer from a float divisor, then exactly ``seats`` by float heap.

    Also the float priorities of every unit's next or last seat where the heap already had
    them at hand (``None`` where it did not), kept up to date for the seats it moved.
    """
    n = len(pops)
    free = seats - sum(mins)
    total = sum(p for p, lo, c in zip(pops, mins, caps, strict=True) if c > lo) if bounded else sum(pops)
    if free == 0 or total == 0:
        return list(mins), None, None

    def at(divisor: float) -> list[int]:
        out = _round_all(method, pops, divisor)
        if bounded:
            out = [lo if s < lo else (c if s > c else s) for s, lo, c in zip(out, mins, caps, strict=True)]
        return out

    # Jefferson rounds down and Adams up by half a seat a unit on average: aim for that.
    shift = {"jefferson": n / 2, "adams": -n / 2}.get(method, 0.0)
    divisor = total / max(free + shift, 0.5)
    result = at(divisor)
    for _ in range(6):
        got = sum(result)
        if abs(got - seats) <= max(8, n // 100):
            break
        divisor *= got / seats if got > 0 else 0.5
        result = at(divisor)
    diff = seats - sum(result)
    key = _key_of(method)
    if diff > 0:
        next_f = _next_keys(method, pops, result)
        heap = [(-k, i) for i, k in enumerate(next_f) if result[i] < caps[i]]
        heapq.heapify(heap)
        while diff > 0 and heap:
            _, i = heapq.heappop(heap)
            result[i] += 1
            diff -= 1
            next_f[i] = k = key(pops[i], result[i])
            if result[i] < caps[i]:
                heapq.heappush(heap, (-k, i))
        return result, next_f, None
    if diff < 0:
        inf = math.inf
        last_f = _last_keys(method, pops, result)
        heap = [(k, i) for i, k in enumerate(last_f) if result[i] > mins[i]]
        heapq.heapify(heap)
        while diff < 0 and heap:
            _, i = heapq.heappop(heap)
            result[i] -= 1
            diff += 1
            # A seat given back leaves the one before it as the unit's last (none: infinite).
            last_f[i] = k = key(pops[i], result[i] - 1) if result[i] else inf
            if result[i] > mins[i]:
                heapq.heappush(heap, (k, i))
        return result, None, last_f
    return result, None, None


def _hand_out(
    method: str,
    units: list[str],
    pops: list[int],
    result: list[int],
    caps: list[int],
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

    heap = [entry(i) for i in candidates if result[i] < caps[i]]
    heapq.heapify(heap)
    ties: list[Tie] = []
    given: list[tuple[tuple[int, Fraction], int]] = []
    while to_give > 0 and heap:
        key, _, i = heapq.heappop(heap)
        given.append((key, i))
        result[i] += 1
        to_give -= 1
        if result[i] < caps[i]:
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

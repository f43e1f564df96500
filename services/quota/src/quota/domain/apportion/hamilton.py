"""Hamilton (largest remainder): floors, lifts to the minimums, then the largest remainders."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from fractions import Fraction

import numpy as np

from quota.domain.apportion.rules import Tie

#: Below this, products of seats and populations fit numpy's int64, which then does the arithmetic in bulk.
_INT64_SAFE = 2**62


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



def _quotas(pops: Collection[int], seats: int, total: int) -> tuple[list[int], list[int]]:
    """Whole parts and remainders (over ``total``) of every exact quota ``seats * p / total``.

    Integer arithmetic throughout; numpy's int64 does it in bulk when nothing can overflow.
    """
    if len(pops) >= 200 and seats * max(pops) < _INT64_SAFE:
        floors, rems = np.divmod(np.fromiter(pops, dtype=np.int64, count=len(pops)) * seats, total)
        return floors.tolist(), rems.tolist()
    return [seats * p // total for p in pops], [seats * p % total for p in pops]


def largest_remainder_plain(
    populations: Mapping[str, int], seats: int, total: int
) -> tuple[dict[str, int], tuple[Tie, ...]]:
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


def largest_remainder(
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

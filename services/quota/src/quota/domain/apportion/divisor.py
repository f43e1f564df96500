"""Divisor methods: a float start near the answer, then every seat near the boundary settled exactly."""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from fractions import Fraction

from quota.domain.apportion.rules import Tie


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


def divisor_seats(
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

"""Apportionment engine against the `apportionment` package (PyPI) on the same inputs.

    .venv/bin/python bench/apportion.py          # or: make bench

Prints, per method and size, the best of several runs for each side and the ratio
(peer time / ours: above 1 means we are faster), then Huntington-Hill on
100,000 units and 2,000,000 seats. The peer is run in its default (floating point) mode.
"""

from __future__ import annotations

import argparse
import random
import timeit
from collections.abc import Callable

from apportionment import methods as peer

from quota.domain.apportion import apportion

PEER_NAMES = {"hamilton": "largest_remainder", "jefferson": "dhondt", "webster": "saintelague",
              "huntington_hill": "huntington", "adams": "adams", "dean": "dean"}


def best_of(runs: int, ours: Callable[[], object], theirs: Callable[[], object]) -> tuple[float, float]:
    """Seconds per call for each side: the best of ``runs`` rounds, each long enough to time.

    The rounds alternate between the two sides, so a slow spell of a noisy machine falls on
    both rather than on whichever happened to run during it.
    """
    timers = [timeit.Timer(ours), timeit.Timer(theirs)]
    numbers = [timer.autorange()[0] for timer in timers]
    best = [float("inf"), float("inf")]
    for _ in range(runs):
        for side, (timer, number) in enumerate(zip(timers, numbers, strict=True)):
            best[side] = min(best[side], timer.timeit(number) / number)
    return best[0], best[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="skip the 3,000-unit peer runs")
    args = parser.parse_args()
    rng = random.Random(20241231)
    sizes = [(50, 435, 15)] + ([] if args.quick else [(3_000, 60_000, 3)])
    print(f"{'method':<16}{'units':>7}{'seats':>8}{'ours µs':>11}{'peer µs':>11}{'ratio':>8}  same")
    for units, seats, runs in sizes:
        votes = [rng.randint(1_000, 5_000_000) for _ in range(units)]
        ids = [f"u{i:05d}" for i in range(units)]
        populations = dict(zip(ids, votes, strict=True))
        for method, peer_name in PEER_NAMES.items():
            ours, theirs = best_of(runs, lambda m=method, s=seats, p=populations: apportion(m, s, p),
                                   lambda n=peer_name, v=votes, s=seats, i=ids: peer.compute(n, v, s, parties=i))
            same = list(apportion(method, seats, populations).seats.values()) == list(
                peer.compute(peer_name, votes, seats, parties=ids))
            print(f"{method:<16}{units:>7}{seats:>8}{ours * 1e6:>11.1f}{theirs * 1e6:>11.1f}"
                  f"{theirs / ours:>8.1f}  {'yes' if same else 'NO'}")
    votes = {f"u{i:06d}": rng.randint(1_000, 10_000_000) for i in range(100_000)}
    took = min(timeit.repeat(lambda: apportion("huntington_hill", 2_000_000, votes), number=1, repeat=3))
    print(f"huntington_hill 100,000 units / 2,000,000 seats: {took:.3f} s (target < 1 s)")


if __name__ == "__main__":
    main()

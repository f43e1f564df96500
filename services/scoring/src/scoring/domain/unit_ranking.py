"""The ranking of a region's units in a bulletin (通报排名).

A unit with published results of the period is ranked by the mean score of its people, highest
first; equal means by the share of them graded 好, highest first; equal on both, the same rank
(competition ranking: 1, 1, 3). The mean leads because every scheme caps the share of 好, so the
share tells units little apart. Exact fractions: no rounding decides a place.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from fractions import Fraction
from typing import TypeVar

K = TypeVar("K", bound=Hashable)


def rank_units(measures: Mapping[K, tuple[Fraction, Fraction]]) -> dict[K, int]:
    """Each unit's rank from its (mean score, share of 好)."""
    order = sorted(measures.values(), reverse=True)
    return {key: 1 + sum(1 for other in order if other > value) for key, value in measures.items()}

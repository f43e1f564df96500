"""The bottom of a group in a month, and runs of months (Xiacun's bottom list)."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from scoring.results.bottom import longest_run, places


def test_by_hand() -> None:
    month = {"A": Fraction(90), "B": Fraction(80), "C": Fraction(70), "D": Fraction(70), "E": Fraction(50)}
    # the last 2: E, and C and D tied at the edge (one scored lower than each of them)
    assert places(month, 2) == {"A": (1, False), "B": (2, False), "C": (3, True), "D": (3, True), "E": (5, True)}
    assert places(month, 1) == {"A": (1, False), "B": (2, False), "C": (3, False), "D": (3, False), "E": (5, True)}
    assert [longest_run(f) for f in ([True, False, True], [False, True, True], [True, True, True], [])] == [1, 2, 3, 0]


@given(st.dictionaries(st.text(min_size=1, max_size=3), st.integers(0, 100).map(Fraction), max_size=30),
       st.integers(1, 10))
def test_at_least_last_at_the_bottom_and_only_ties_beyond(scores: dict[str, Fraction], last: int) -> None:
    placed = places(scores, last)
    bottom = {pid for pid, (_, at) in placed.items() if at}
    assert len(bottom) >= min(last, len(scores))
    if bottom:  # everyone at the bottom scored no more than anyone above it
        assert max(scores[p] for p in bottom) <= min((scores[p] for p in scores if p not in bottom), default=1000)
    # more than `last` only when the edge is a tie
    if len(bottom) > last:
        edge = max(scores[p] for p in bottom)
        assert sum(1 for p in bottom if scores[p] < edge) < last
    for pid, (rank, _) in placed.items():
        assert rank == 1 + sum(1 for s in scores.values() if s > scores[pid])

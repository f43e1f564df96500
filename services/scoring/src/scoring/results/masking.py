"""Rater anonymity in what is shown of a result (explanations and exports); never in what is computed.

A group's mean for a person is the one rater's mark when the group has one rater for them, and
close to it when it has two. So, unless the scheme's ballots are open (``open_ballots``), where any
rater group of a person has fewer than ``min_raters_shown`` raters (but some):

- that group is shown as "fewer than N raters" (``raters`` null, ``fewer_than`` N);
- no group's mean or contribution is shown, not even the larger groups': the evaluation score
  less the shown contributions would give the small group's back (the simpler honest choice than
  merging groups, whose merged mean would still give it back beside the score);
- the evaluation score itself is shown unless fewer than N raters rated the person in all (it is
  then the mean of one or two marks).

The counts of the other groups and their weights stay. The close's totals, grades and digests are
computed from every mark as before; only their presentation is masked. A caveat no mask can lift:
the person's total is published, and the total less the indicators and items is the evaluation; a
person rated by a single rater in all can work that rater's mark out from it.
"""

from __future__ import annotations

from typing import Any

from scoring.definitions import Rules


def _small(counts: dict[str, int], rules: Rules) -> list[str]:
    return [] if rules.open_ballots else [g for g, n in counts.items() if 0 < n < rules.min_raters_shown]


def evaluation(shown: dict[str, Any] | None, rules: Rules) -> dict[str, Any] | None:
    """An explanation's ``evaluation`` part (as ``compose_person`` writes it), masked as above."""
    if shown is None:
        return None
    counts = {g["group"]: int(g["raters"]) for g in shown["groups"]}
    small = _small(counts, rules)
    if not small:
        return shown
    n = rules.min_raters_shown
    groups = []
    for group in shown["groups"]:
        masked = {**group, "mean": None, "contribution": None}
        if group["group"] in small:
            masked.update(raters=None, fewer_than=n)
        groups.append(masked)
    score = shown["score"] if sum(counts.values()) >= n else None
    return {**shown, "score": score, "groups": groups,
            "masked": f"fewer than {n} raters in {', '.join(small)}: no group's mean is shown"
                      + ("" if score is not None else ", nor the evaluation score")}


def evaluation_hidden(shown: dict[str, Any] | None, rules: Rules) -> bool:
    """Whether the evaluation score is masked (for an export's column)."""
    masked = evaluation(shown, rules)
    return masked is not None and masked["score"] is None and shown is not None and shown["score"] is not None


def ratings_input(ratings: dict[str, Any], rules: Rules) -> dict[str, Any]:
    """A stored compact input's rating sums (group → [sum in hundredths, raters]) as shown: the sums
    left out of every group where any is small (raters counted, or "fewer than N")."""
    counts = {g: int(v[1]) for g, v in ratings.items()}
    small = _small(counts, rules)
    if not small:
        return ratings
    return {g: ({"raters": None, "fewer_than": rules.min_raters_shown} if g in small else {"raters": counts[g]})
            for g in ratings}

"""Multi-rater evaluation (民主测评) folded into a score.

Xiacun: raters are grouped (leadership 40%, middle cadres 30%, other staff 20%, non-staff 10%);
each group's mark is the mean of its raters' marks for the person; the evaluation is the
weighted sum of the group marks, and it folds into the total at a share (Xiacun: 20%). Binzhou's
groups (section colleagues, section head, leader in charge, service recipients, public display)
are the same model with other names and weights.

A group with no rating for the person: ``missing="renormalise"`` (default) spreads its weight
over the groups that did rate, in proportion; ``"zero"`` counts it as a mark of 0. A rater
never rates themself; that is refused where ratings are taken, and ignored here if it slips in.

Three settings per scheme (``RaterSettings``), none of which changes a scheme without them:

- a trimmed group (去掉一个最高分和一个最低分): where at least three raters of the group rated
  the person, one highest and one lowest mark are left out of the group's mean (the sum less
  both, the raters less two); with fewer, every mark counts. Done where the marks are summed, so
  the group's (sum, raters) is what the rest of the computation sees.
- dimensions (Binzhou: 强度, 难度, 数量, 成效, 措施): a rater gives a mark per dimension, and the
  rating is their weighted sum (weights adding up to exactly 1), kept in hundredths like any mark.
- outside groups (服务对象, 群众): raters without an account, who rate with one-time codes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from shared.field_error import FieldError


class RaterRuleError(FieldError):
    """Input this rule cannot take; ``field`` names where the problem is."""


#: the fewest raters of a group for a person with whom a trimmed group drops a highest and a lowest mark
TRIM_FROM = 3


@dataclass(frozen=True)
class Dimension:
    code: str
    name: str
    weight: Fraction


@dataclass(frozen=True)
class RaterSettings:
    trim: frozenset[str] = frozenset()
    dimensions: tuple[Dimension, ...] = ()
    outside: frozenset[str] = frozenset()


NO_RATER_SETTINGS = RaterSettings()


@dataclass(frozen=True)
class Rating:
    rater_id: str
    group: str
    person_id: str
    mark: Fraction  # 0..100


@dataclass(frozen=True)
class GroupPart:
    group: str
    weight: Fraction  # as declared
    effective_weight: Fraction  # after renormalising for missing groups
    raters: int
    mean: Fraction | None
    contribution: Fraction


@dataclass(frozen=True)
class Evaluation:
    person_id: str
    score: Fraction | None  # 0..100, None if no group rated the person
    parts: tuple[GroupPart, ...]


def validate(weights: Mapping[str, Fraction]) -> None:
    if not weights:
        raise RaterRuleError("at least one rater group", field="groups")
    for group, weight in weights.items():
        if weight < 0:
            raise RaterRuleError(f"weight of {group!r} is negative", field=f"groups.{group}")
    if sum(weights.values()) != 1:
        total = float(sum(weights.values())) * 100
        raise RaterRuleError(f"rater group weights add up to {total:g}%, not 100%", field="groups")


def evaluate(person_id: str, ratings: Sequence[Rating], weights: Mapping[str, Fraction], *,
             missing: str = "renormalise") -> Evaluation:
    validate(weights)
    sums: dict[str, tuple[Fraction, int]] = {}
    for rating in ratings:
        if rating.person_id != person_id or rating.rater_id == person_id:
            continue
        if rating.group not in weights:
            raise RaterRuleError(f"rating in unknown group {rating.group!r}", field="ratings")
        total, count = sums.get(rating.group, (Fraction(0), 0))
        sums[rating.group] = (total + rating.mark, count + 1)
    return evaluate_sums(person_id, sums, weights, missing=missing)


def evaluate_sums(person_id: str, sums: Mapping[str, tuple[Fraction, int]], weights: Mapping[str, Fraction], *,
                  missing: str = "renormalise") -> Evaluation:
    """The same from each group's (sum of marks, raters) for the person, as one SQL aggregate gives
    them; groups not in ``weights`` are ignored. ``weights`` must already be valid."""
    by_group = {g: sums.get(g, (Fraction(0), 0)) for g in weights}
    means = {g: (total / count if count else None) for g, (total, count) in by_group.items()}
    present = sum((weights[g] for g, m in means.items() if m is not None), Fraction(0))
    if present == 0:
        return Evaluation(person_id, None, tuple(GroupPart(g, weights[g], Fraction(0), 0, None, Fraction(0))
                                                 for g in weights))
    parts = []
    for group, weight in weights.items():
        mean = means[group]
        if missing == "renormalise":
            effective = weight / present if mean is not None else Fraction(0)
        else:
            effective = weight
        contribution = effective * (mean or 0)
        parts.append(GroupPart(group, weight, effective, by_group[group][1], mean, contribution))
    return Evaluation(person_id, sum((p.contribution for p in parts), Fraction(0)), tuple(parts))


def validate_dimensions(dimensions: Sequence[Dimension]) -> None:
    """Dimension weights add up to exactly 1 (none is negative)."""
    for dimension in dimensions:
        if dimension.weight < 0:
            raise RaterRuleError(f"weight of dimension {dimension.code!r} is negative",
                                 field=f"dimensions.{dimension.code}.weight")
    total = sum((d.weight for d in dimensions), Fraction(0))
    if total != 1:
        raise RaterRuleError(f"dimension weights add up to {float(total) * 100:g}%, not 100%", field="dimensions")


def weighted_mark(marks: Mapping[str, Fraction], dimensions: Sequence[Dimension]) -> Fraction:
    """A rater's rating of a person from their marks per dimension: the weighted sum, rounded half up
    to a hundredth (a rating is kept in hundredths, like a single mark). Binzhou's five dimensions at
    0.3/0.2/0.2/0.2/0.1 marked 90, 80, 70, 85, 60: 27 + 16 + 14 + 17 + 6 = 80."""
    exact = sum((marks[d.code] * d.weight for d in dimensions), Fraction(0))
    return Fraction(math.floor(exact * 100 + Fraction(1, 2)), 100)


def trimmed(total: int, raters: int, highest: int, lowest: int) -> tuple[int, int, int]:
    """A trimmed group's (sum, raters, marks dropped) from all its marks' sum, count, highest and
    lowest: one highest and one lowest left out where at least ``TRIM_FROM`` rated, else nothing."""
    if raters >= TRIM_FROM:
        return total - highest - lowest, raters - 2, 2
    return total, raters, 0


def trim_note(group: str, dropped: int | None) -> str:
    """What the explanation says of a trimmed group (``dropped`` None: it had no rater)."""
    if dropped:
        return (f"trimmed: the highest and the lowest mark of {group} left out ({dropped} marks dropped; "
                f"raters and mean are of the rest)")
    if dropped == 0:
        return f"trimmed group, but fewer than {TRIM_FROM} raters of {group}: every mark counts (none dropped)"
    return f"trimmed group; no rater of {group} rated the person"

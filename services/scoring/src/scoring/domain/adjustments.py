"""Bonus and deduction (加减分): items with points, capped per item and in total per direction.

A cap bounds what counts: an item's points beyond its cap, or a direction's points beyond its
total cap, are cut, and each cut is listed for the explanation ("honour: 5 keyed, 3 counted (item
cap 3)"). Whether points past a cap may be keyed at all is the scheme's ``over_cap``: ``refuse``
(the default: keying that would pass a cap is refused, so a cut happens only when a later scheme
version lowered a cap) or ``cut`` (accepted, and cut here).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from shared.numbers import decimal_str

OverCap = Literal["refuse", "cut"]


@dataclass(frozen=True)
class Adjustment:
    item: str  # catalogue item, e.g. "honour_city", "work_safety"
    points: Fraction  # positive for a bonus, negative for a deduction
    evidence: str = ""


@dataclass(frozen=True)
class AdjustmentCaps:
    per_item: Mapping[str, Fraction]  # the most an item can add (or take) in a period, in absolute points
    bonus_total: Fraction
    deduction_total: Fraction
    over_cap: OverCap = "refuse"  # where points past a cap are refused: when keyed (refuse) or here (cut)


@dataclass(frozen=True)
class AppliedAdjustments:
    bonus: Fraction
    deduction: Fraction  # a positive number of points taken off
    net: Fraction
    capped: tuple[str, ...]  # what each cap cut, for the explanation


def _cut(what: str, keyed: Fraction, counted: Fraction, cap: str) -> str:
    return f"{what}: {decimal_str(keyed)} keyed, {decimal_str(counted)} counted ({cap} {decimal_str(counted)})"


def apply(adjustments: Sequence[Adjustment], caps: AdjustmentCaps) -> AppliedAdjustments:
    """Sum each item, cap it, then cap the bonus and the deduction totals separately."""
    per_item: dict[str, Fraction] = {}
    for adjustment in adjustments:
        per_item[adjustment.item] = per_item.get(adjustment.item, Fraction(0)) + adjustment.points
    capped = []
    bonus = deduction = Fraction(0)
    for item in sorted(per_item):
        points = per_item[item]
        limit = caps.per_item.get(item)
        if limit is not None and abs(points) > limit:
            capped.append(_cut(item, abs(points), limit, "item cap"))
            points = limit if points > 0 else -limit
        if points > 0:
            bonus += points
        else:
            deduction -= points
    if bonus > caps.bonus_total:
        capped.append(_cut("bonus total", bonus, caps.bonus_total, "total cap"))
        bonus = caps.bonus_total
    if deduction > caps.deduction_total:
        capped.append(_cut("deduction total", deduction, caps.deduction_total, "total cap"))
        deduction = caps.deduction_total
    return AppliedAdjustments(bonus=bonus, deduction=deduction, net=bonus - deduction, capped=tuple(capped))

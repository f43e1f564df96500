"""Bonus and deduction (加减分): items with points, capped per item and in total per direction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction


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


@dataclass(frozen=True)
class AppliedAdjustments:
    bonus: Fraction
    deduction: Fraction  # a positive number of points taken off
    net: Fraction
    capped: tuple[str, ...]  # which caps bit, for the explanation


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
            capped.append(f"item {item}: {float(points):g} capped at {'+' if points > 0 else '-'}{float(limit):g}")
            points = limit if points > 0 else -limit
        if points > 0:
            bonus += points
        else:
            deduction -= points
    if bonus > caps.bonus_total:
        capped.append(f"bonus total {float(bonus):g} capped at {float(caps.bonus_total):g}")
        bonus = caps.bonus_total
    if deduction > caps.deduction_total:
        capped.append(f"deduction total {float(deduction):g} capped at {float(caps.deduction_total):g}")
        deduction = caps.deduction_total
    return AppliedAdjustments(bonus=bonus, deduction=deduction, net=bonus - deduction, capped=tuple(capped))

"""The inputs of the pool-and-tilt allocation: units, the policy, and the rules that check them.

Policy settings and their defaults (the defaults give Bazhou's rules as first written):

``township_uplift`` and ``township_uplift_kind``
    ``relative`` (default): townships' ratio ≥ the comparison kinds' ratio × (1 + uplift)
    (Bazhou: 20% higher). ``absolute``: townships' ratio ≥ the comparison ratio + uplift,
    in ratio points (0.05 = five percentage points).
``pool_min`` and ``pool_max`` (default 0 and 1)
    Bounds on the pool as a share of the region's slots (floors plus the pool). A pool
    above ``pool_max`` gives the excess straight back by largest fractional part; a pool
    below ``pool_min`` is topped up from the units' whole parts, shared in proportion to
    their exact quotas (Hamilton, never more than a unit's whole part).
``designated`` (default none)
    A table that turns each township's target-performance grade and commendation level
    into designated slots: ``by_grade`` (e.g. 一等 → 1) and ``by_commendation`` (e.g. city →
    1: commended at city level or above; a township takes the entry of the highest level in
    the table that its commendation reaches, once); a township that is both gets both. It
    replaces ``designated_rules`` (conditions keyed in per unit): a policy with both is
    refused, so no slot depends on which wins.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from shared.field_error import FieldError

LEFTOVER_POLICIES = ("largest_remainder", "keep")
UPLIFT_KINDS = ("relative", "absolute")
COMMENDATION_LEVELS = ("district", "city", "province", "national")


class AllocationError(FieldError):
    """Input this rule cannot take; ``field`` names where the problem is."""


class UnknownGrade(AllocationError):
    """The input names something it does not define (a unit's grade that has no ratio in the policy)."""


@dataclass(frozen=True)
class UnitInput:
    id: str
    kind: str
    headcount: int
    grade: str
    points: Fraction = Fraction(0)
    conditions: frozenset[str] = frozenset()
    red_lines: frozenset[str] = frozenset()
    group: str | None = None
    commendation: str | None = None


@dataclass(frozen=True)
class DesignatedRule:
    condition: str
    slots: int


@dataclass(frozen=True)
class DesignatedTable:
    """Designated slots per target-performance grade and per commendation level."""

    by_grade: Mapping[str, int] = field(default_factory=dict)
    by_commendation: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Policy:
    ratio_by_grade: Mapping[str, Fraction]
    unit_cap_ratio: Fraction
    township_uplift: Fraction
    designated_rules: tuple[DesignatedRule, ...] = ()
    tilt_kinds: frozenset[str] = frozenset({"township"})
    comparison_kinds: frozenset[str] = frozenset({"department", "street"})
    tilt_method: str = "hamilton"
    leftover: str = "largest_remainder"
    township_uplift_kind: str = "relative"
    pool_min: Fraction = Fraction(0)
    pool_max: Fraction = Fraction(1)
    designated: DesignatedTable | None = None

    def required_ratio(self, base: Fraction) -> Fraction:
        """The ratio townships must reach when the comparison kinds stand at ``base``."""
        if self.township_uplift_kind == "absolute":
            return base + self.township_uplift
        return base * (1 + self.township_uplift)

    def uplift_text(self) -> str:
        value = float(self.township_uplift) * 100
        if self.township_uplift_kind == "absolute":
            return f"{value:g} percentage point(s) higher"
        return f"{value:g}% higher"


def validate(units: Sequence[UnitInput], policy: Policy) -> None:
    if not units:
        raise AllocationError("there are no units to allocate between", field="units")
    for index, unit in enumerate(units):  # what the units name is looked up before the rules of their values
        if unit.grade not in policy.ratio_by_grade:
            known = ", ".join(sorted(policy.ratio_by_grade))
            raise UnknownGrade(f"grade {unit.grade!r} of {unit.id!r} has no ratio in the policy "
                                     f"(known: {known})", field=f"units.{index}.grade")
    seen: set[str] = set()
    for index, unit in enumerate(units):
        where = f"units.{index}"
        if unit.id in seen:
            raise AllocationError(f"unit id {unit.id!r} appears twice", field=f"{where}.id")
        seen.add(unit.id)
        if unit.headcount < 0:
            raise AllocationError(f"headcount of {unit.id!r} is negative", field=f"{where}.headcount")
        if unit.points < 0:
            raise AllocationError(f"points of {unit.id!r} are negative", field=f"{where}.points")
        if unit.commendation is not None and unit.commendation not in COMMENDATION_LEVELS:
            raise AllocationError(f"commendation must be one of {', '.join(COMMENDATION_LEVELS)}",
                                  field=f"{where}.commendation")
    clashing = sorted({u.group for u in units if u.group} & seen)
    if clashing:
        raise AllocationError(f"group {clashing[0]!r} has the id of a unit", field="units")
    validate_policy(policy)


def validate_policy(policy: Policy) -> None:
    for grade, ratio in policy.ratio_by_grade.items():
        if not 0 <= ratio <= 1:
            raise AllocationError(f"ratio for grade {grade!r} must be between 0 and 1",
                                  field=f"policy.ratio_by_grade.{grade}")
    if not 0 <= policy.unit_cap_ratio <= 1:
        raise AllocationError("unit_cap_ratio must be between 0 and 1", field="policy.unit_cap_ratio")
    if policy.township_uplift_kind not in UPLIFT_KINDS:
        raise AllocationError(f"township_uplift_kind must be one of {', '.join(UPLIFT_KINDS)}",
                              field="policy.township_uplift_kind")
    if policy.township_uplift < 0:
        raise AllocationError("township_uplift must not be negative", field="policy.township_uplift")
    if policy.township_uplift_kind == "absolute" and policy.township_uplift > 1:
        raise AllocationError("an absolute township_uplift is in ratio points and must be at most 1",
                              field="policy.township_uplift")
    if not 0 <= policy.pool_min <= 1:
        raise AllocationError("pool_min must be between 0 and 1", field="policy.pool_min")
    if not 0 <= policy.pool_max <= 1:
        raise AllocationError("pool_max must be between 0 and 1", field="policy.pool_max")
    if policy.pool_min > policy.pool_max:
        raise AllocationError("pool_min must not be above pool_max", field="policy.pool_min")
    for index, rule in enumerate(policy.designated_rules):
        if rule.slots < 0:
            raise AllocationError("designated slots must not be negative",
                                  field=f"policy.designated_rules.{index}.slots")
    if policy.designated is not None:
        _validate_table(policy)
    if policy.leftover not in LEFTOVER_POLICIES:
        raise AllocationError(f"leftover must be one of {', '.join(LEFTOVER_POLICIES)}",
                              field="policy.leftover")
    if policy.tilt_kinds & policy.comparison_kinds:
        raise AllocationError("a kind cannot be both tilted and compared against",
                              field="policy.tilt_kinds")


def _validate_table(policy: Policy) -> None:
    table = policy.designated
    assert table is not None
    if policy.designated_rules:
        raise AllocationError("designated slots come either from the table (designated) or from "
                              "conditions keyed in per unit (designated_rules), not both",
                              field="policy.designated")
    for grade, slots in table.by_grade.items():
        if grade not in policy.ratio_by_grade:
            raise UnknownGrade(f"grade {grade!r} has no ratio in ratio_by_grade",
                                  field=f"policy.designated.by_grade.{grade}")
        if slots < 0:
            raise AllocationError("designated slots must not be negative",
                                  field=f"policy.designated.by_grade.{grade}")
    for level, slots in table.by_commendation.items():
        if level not in COMMENDATION_LEVELS:
            raise AllocationError(f"commendation level must be one of {', '.join(COMMENDATION_LEVELS)}",
                                  field=f"policy.designated.by_commendation.{level}")
        if slots < 0:
            raise AllocationError("designated slots must not be negative",
                                  field=f"policy.designated.by_commendation.{level}")


def merge_groups(units: Sequence[UnitInput], policy: Policy) -> list[tuple[UnitInput, tuple[str, ...], Fraction]]:
    """Units sharing an evaluation group count as one (Chengbu: a small 参公 unit with its
    supervising department). The group's exact quota is the sum of its members'; it takes
    the kind and grade of its largest member (then the first id), the highest points and
    commendation, and every condition and red line of any member."""
    singles: list[tuple[UnitInput, tuple[str, ...], Fraction]] = []
    groups: dict[str, list[UnitInput]] = {}
    for unit in units:
        if unit.group:
            groups.setdefault(unit.group, []).append(unit)
        else:
            singles.append((unit, (), unit.headcount * policy.ratio_by_grade[unit.grade]))
    for name, members in groups.items():
        lead = min(members, key=lambda u: (-u.headcount, u.id))
        levels = [COMMENDATION_LEVELS.index(u.commendation) for u in members if u.commendation]
        merged = UnitInput(
            id=name, kind=lead.kind, headcount=sum(u.headcount for u in members), grade=lead.grade,
            points=max(u.points for u in members),
            conditions=frozenset().union(*(u.conditions for u in members)),
            red_lines=frozenset().union(*(u.red_lines for u in members)),
            commendation=COMMENDATION_LEVELS[max(levels)] if levels else None)
        exact = sum((u.headcount * policy.ratio_by_grade[u.grade] for u in members), Fraction(0))
        singles.append((merged, tuple(sorted(u.id for u in members)), exact))
    return singles

"""Pool-and-tilt allocation of excellent (优秀) slots in a region: Bazhou's four steps.

1. **Where from.** Each unit's exact quota is its year-end headcount times the excellent
   ratio of its target-performance grade. It keeps the whole part (its floor), never above
   its cap (headcount × unit cap ratio); the fractional parts of every unit go to the
   region, and the whole part of their sum is the pool. The fraction that does not make a
   whole slot is reported, not lost silently.
2. **How many.** Townships' excellent ratio must be at least ``township_uplift`` (Bazhou:
   20%, relative) above that of departments and streets; the slots needed for that are
   worked out exactly.
3. **How.** Designated slots first: for each rule in the order given, every eligible
   township meeting its condition gets the rule's slots, in points order. Then tilt: the
   slots still needed to reach the uplift are shared between eligible townships in
   proportion to their points (an apportionment method, Hamilton unless the policy says
   otherwise), never above a unit's cap.
4. **To whom.** A township with any red line (negative list) gets no designated and no
   tilt slot.

What is left in the pool goes back by largest fractional part to units that got no pooled
slot yet (``leftover="largest_remainder"``), skipping any slot to a comparison unit that
would break the uplift, or stays in the region's reserve (``leftover="keep"``); either way
the reason for anything left is stated. If the pool cannot reach the uplift, the result
says so with the shortfall in slots.

Order among townships: points (descending), then the larger fractional part of the exact
quota, then unit id. Every slot is written to the trace with the rule that gave it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from quota.domain.apportion import apportion

LEFTOVER_POLICIES = ("largest_remainder", "keep")


class AllocationError(ValueError):
    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


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


@dataclass(frozen=True)
class DesignatedRule:
    condition: str
    slots: int


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


@dataclass(frozen=True)
class TraceStep:
    step: str
    text: str
    unit: str | None = None
    slots: int = 0
    rule: str | None = None


@dataclass(frozen=True)
class UnitResult:
    id: str
    kind: str
    headcount: int
    grade: str
    points: Fraction
    exact_quota: Fraction
    cap: int
    floor: int
    designated: int
    tilt: int
    remainder: int
    eligible: bool
    members: tuple[str, ...] = ()

    @property
    def total(self) -> int:
        return self.floor + self.designated + self.tilt + self.remainder

    @property
    def ratio(self) -> Fraction:
        return Fraction(self.total, self.headcount) if self.headcount else Fraction(0)

    @property
    def ratio_before(self) -> Fraction:
        return Fraction(self.floor, self.headcount) if self.headcount else Fraction(0)


@dataclass(frozen=True)
class Allocation:
    units: tuple[UnitResult, ...]
    pool_collected: int
    pool_used: int
    fraction_left: Fraction
    township_ratio: Fraction | None
    department_ratio: Fraction | None
    required_township_ratio: Fraction | None
    feasible: bool
    shortfall: int
    left_reason: str | None
    trace: tuple[TraceStep, ...] = field(default_factory=tuple)

    @property
    def pool_left(self) -> int:
        return self.pool_collected - self.pool_used

    @property
    def uplift(self) -> Fraction | None:
        if self.township_ratio is None or not self.department_ratio:
            return None
        return self.township_ratio / self.department_ratio - 1


@dataclass
class _Unit:
    source: UnitInput
    members: tuple[str, ...]
    exact: Fraction
    cap: int
    floor: int
    eligible: bool
    designated: int = 0
    tilt: int = 0
    remainder: int = 0

    @property
    def total(self) -> int:
        return self.floor + self.designated + self.tilt + self.remainder

    @property
    def fraction(self) -> Fraction:
        return self.exact - math.floor(self.exact)


def _pct(value: Fraction | None) -> str:
    return "n/a" if value is None else f"{float(value) * 100:.2f}%"


def _ratio(units: Iterable[_Unit]) -> Fraction | None:
    units = list(units)
    people = sum(u.source.headcount for u in units)
    return Fraction(sum(u.total for u in units), people) if people else None


def validate(units: Sequence[UnitInput], policy: Policy) -> None:
    if not units:
        raise AllocationError("there are no units to allocate between", field="units")
    seen: set[str] = set()
    for index, unit in enumerate(units):
        where = f"units.{index}"
        if unit.id in seen:
            raise AllocationError(f"unit id {unit.id!r} appears twice", field=f"{where}.id")
        seen.add(unit.id)
        if unit.headcount < 0:
            raise AllocationError(f"headcount of {unit.id!r} is negative", field=f"{where}.headcount")
        if unit.grade not in policy.ratio_by_grade:
            known = ", ".join(sorted(policy.ratio_by_grade))
            raise AllocationError(f"grade {unit.grade!r} of {unit.id!r} has no ratio in the policy "
                                  f"(known: {known})", field=f"{where}.grade")
        if unit.points < 0:
            raise AllocationError(f"points of {unit.id!r} are negative", field=f"{where}.points")
    clashing = sorted({u.group for u in units if u.group} & seen)
    if clashing:
        raise AllocationError(f"group {clashing[0]!r} has the id of a unit", field="units")
    for grade, ratio in policy.ratio_by_grade.items():
        if not 0 <= ratio <= 1:
            raise AllocationError(f"ratio for grade {grade!r} must be between 0 and 1",
                                  field=f"policy.ratio_by_grade.{grade}")
    if not 0 <= policy.unit_cap_ratio <= 1:
        raise AllocationError("unit_cap_ratio must be between 0 and 1", field="policy.unit_cap_ratio")
    if policy.township_uplift < 0:
        raise AllocationError("township_uplift must not be negative", field="policy.township_uplift")
    for index, rule in enumerate(policy.designated_rules):
        if rule.slots < 0:
            raise AllocationError("designated slots must not be negative",
                                  field=f"policy.designated_rules.{index}.slots")
    if policy.leftover not in LEFTOVER_POLICIES:
        raise AllocationError(f"leftover must be one of {', '.join(LEFTOVER_POLICIES)}",
                              field="policy.leftover")
    if policy.tilt_kinds & policy.comparison_kinds:
        raise AllocationError("a kind cannot be both tilted and compared against",
                              field="policy.tilt_kinds")


def merge_groups(units: Sequence[UnitInput], policy: Policy) -> list[tuple[UnitInput, tuple[str, ...], Fraction]]:
    """Units sharing an evaluation group count as one (Chengbu: a small 参公 unit with its
    supervising department). The group's exact quota is the sum of its members'; it takes
    the kind and grade of its largest member (then the first id), the highest points, and
    every condition and red line of any member."""
    singles: list[tuple[UnitInput, tuple[str, ...], Fraction]] = []
    groups: dict[str, list[UnitInput]] = {}
    for unit in units:
        if unit.group:
            groups.setdefault(unit.group, []).append(unit)
        else:
            singles.append((unit, (), unit.headcount * policy.ratio_by_grade[unit.grade]))
    for name, members in groups.items():
        lead = min(members, key=lambda u: (-u.headcount, u.id))
        merged = UnitInput(
            id=name, kind=lead.kind, headcount=sum(u.headcount for u in members), grade=lead.grade,
            points=max(u.points for u in members),
            conditions=frozenset().union(*(u.conditions for u in members)),
            red_lines=frozenset().union(*(u.red_lines for u in members)))
        exact = sum((u.headcount * policy.ratio_by_grade[u.grade] for u in members), Fraction(0))
        singles.append((merged, tuple(sorted(u.id for u in members)), exact))
    return singles


def allocate(units: Sequence[UnitInput], policy: Policy) -> Allocation:
    """Run Bazhou's four steps (see the module docstring). Input order never matters."""
    validate(units, policy)
    trace: list[TraceStep] = []
    work: list[_Unit] = []
    for source, members, exact in sorted(merge_groups(units, policy), key=lambda e: e[0].id):
        cap = math.floor(source.headcount * policy.unit_cap_ratio)
        floor = min(math.floor(exact), cap)
        eligible = source.kind in policy.tilt_kinds and not source.red_lines
        work.append(_Unit(source, members, exact, cap, floor, eligible))
        if members:
            trace.append(TraceStep("group", f"{source.id}: evaluated as one of {', '.join(members)}, "
                                   f"exact quota {float(exact):.4f}", unit=source.id, rule="evaluation_group"))
        if math.floor(exact) > cap:
            trace.append(TraceStep("floor", f"{source.id}: whole part {math.floor(exact)} cut to the cap "
                                   f"{cap}", unit=source.id, slots=floor, rule="unit_cap_ratio"))
        if source.kind in policy.tilt_kinds and source.red_lines:
            trace.append(TraceStep("eligibility", f"{source.id}: red line(s) "
                                   f"{', '.join(sorted(source.red_lines))}: no designated or tilt slot",
                                   unit=source.id, rule="red_lines"))

    # Step 1: the pool is the whole part of everything the floors left behind.
    leftovers = sum((u.exact - u.floor for u in work), Fraction(0))
    pool = math.floor(leftovers)
    fraction_left = leftovers - pool
    trace.append(TraceStep("pool", f"floors give {sum(u.floor for u in work)} slots; the fractional "
                           f"parts add up to {float(leftovers):.4f}: a pool of {pool} slot(s), "
                           f"{float(fraction_left):.4f} of a slot left over", slots=pool))
    left = pool

    def township_order(candidates: Iterable[_Unit]) -> list[_Unit]:
        return sorted(candidates, key=lambda u: (-u.source.points, -u.fraction, u.source.id))

    # Step 3a: designated slots, rule by rule, townships in points order.
    designated_missed = 0
    for index, rule in enumerate(policy.designated_rules):
        label = f"designated_rules.{index} ({rule.condition})"
        for unit in township_order(u for u in work if u.eligible and rule.condition in u.source.conditions):
            give = min(rule.slots, unit.cap - unit.total, left)
            if give > 0:
                unit.designated += give
                left -= give
                trace.append(TraceStep("designated", f"{unit.source.id}: +{give} for {rule.condition} "
                                       f"(points {unit.source.points})", unit=unit.source.id,
                                       slots=give, rule=label))
            if give < rule.slots:
                designated_missed += rule.slots - max(give, 0)
                why = "the pool is empty" if left == 0 else "it is at its cap"
                trace.append(TraceStep("designated", f"{unit.source.id}: {rule.slots - max(give, 0)} "
                                       f"designated slot(s) not given: {why}", unit=unit.source.id,
                                       rule=label))

    # Step 2 and 3b: tilt to townships until their ratio reaches the required uplift.
    townships = [u for u in work if u.source.kind in policy.tilt_kinds]
    compared = [u for u in work if u.source.kind in policy.comparison_kinds]
    base = _ratio(compared)
    required = None if base is None else base * (1 + policy.township_uplift)
    needed = 0
    if required is not None and townships:
        people = sum(u.source.headcount for u in townships)
        needed = max(0, math.ceil(required * people) - sum(u.total for u in townships))
        trace.append(TraceStep("uplift", f"departments and streets stand at {_pct(base)}; townships "
                               f"need {_pct(required)} ({float(policy.township_uplift) * 100:.0f}% "
                               f"higher): {needed} more township slot(s) after designated slots",
                               slots=needed, rule="township_uplift"))
    open_townships = [u for u in work if u.eligible and u.total < u.cap]
    room = sum(u.cap - u.total for u in open_townships)
    tilt_total = min(needed, left, room)
    if tilt_total > 0:
        weights = {u.source.id: u.source.points for u in open_townships}
        if sum(weights.values()) == 0:
            weights = {u.source.id: Fraction(u.source.headcount) for u in open_townships}
        scale = math.lcm(*(w.denominator for w in weights.values()))
        shares = apportion(policy.tilt_method, tilt_total,
                           {k: int(v * scale) for k, v in weights.items()},
                           max_seats={u.source.id: u.cap - u.total for u in open_townships})
        for unit in township_order(open_townships):
            give = shares.seats[unit.source.id]
            if give:
                unit.tilt += give
                left -= give
                trace.append(TraceStep("tilt", f"{unit.source.id}: +{give} by points "
                                       f"({unit.source.points} of {sum(weights.values())})",
                                       unit=unit.source.id, slots=give, rule="township_uplift"))
        for tie in shares.ties:
            trace.append(TraceStep("tilt", f"tie between {', '.join(tie.contenders)} on {tie.priority}: "
                                   f"{', '.join(tie.winners)} first ({tie.rule})", rule="tie"))
    shortfall = needed - tilt_total
    if shortfall > 0:
        reasons = []
        if left == 0:
            reasons.append("the pool is spent")
        if room <= tilt_total:
            reasons.append("eligible townships are at their caps")
        trace.append(TraceStep("uplift", f"the uplift cannot be reached: {shortfall} slot(s) short "
                               f"({' and '.join(reasons) or 'no eligible township'})",
                               slots=shortfall, rule="township_uplift"))

    # The rest of the pool, as the policy says.
    left_reason = None
    if left > 0 and policy.leftover == "keep":
        left_reason = "the policy keeps what is left in the region's reserve"
    elif left > 0:
        served = {u.source.id for u in work if u.designated or u.tilt}
        order = sorted((u for u in work if u.source.id not in served),
                       key=lambda u: (-u.fraction, -u.source.headcount, u.source.id))
        for unit in order:
            if left == 0:
                break
            if unit.fraction == 0 or unit.total >= unit.cap:
                continue
            if required is not None and unit.source.kind in policy.comparison_kinds:
                unit.remainder += 1
                new_base = _ratio(compared)
                township_ratio = _ratio(townships)
                if (new_base is not None and township_ratio is not None
                        and township_ratio < new_base * (1 + policy.township_uplift)):
                    unit.remainder -= 1
                    trace.append(TraceStep("remainder", f"{unit.source.id}: skipped, a slot would take "
                                           "townships below the required uplift", unit=unit.source.id,
                                           rule="township_uplift"))
                    continue
            else:
                unit.remainder += 1
            left -= 1
            trace.append(TraceStep("remainder", f"{unit.source.id}: +1 for its fractional part "
                                   f"{float(unit.fraction):.4f}", unit=unit.source.id, slots=1,
                                   rule="largest_remainder"))
        if left > 0:
            left_reason = ("no unit without a pooled slot can take one more without passing its cap "
                           "or taking townships below the required uplift")
    if left_reason:
        trace.append(TraceStep("pool", f"{left} slot(s) left in the pool: {left_reason}", slots=left))

    township_ratio = _ratio(townships)
    department_ratio = _ratio(compared)
    final_required = None if department_ratio is None else department_ratio * (1 + policy.township_uplift)
    feasible = (final_required is None or township_ratio is None or township_ratio >= final_required)
    if feasible and shortfall > 0:
        feasible = False
    trace.append(TraceStep("check", f"townships {_pct(township_ratio)}, departments and streets "
                           f"{_pct(department_ratio)}: uplift "
                           f"{'reached' if feasible else 'not reached'}"))
    if designated_missed:
        trace.append(TraceStep("check", f"{designated_missed} designated slot(s) could not be given"))
    results = tuple(
        UnitResult(id=u.source.id, kind=u.source.kind, headcount=u.source.headcount, grade=u.source.grade,
                   points=u.source.points, exact_quota=u.exact, cap=u.cap, floor=u.floor,
                   designated=u.designated, tilt=u.tilt, remainder=u.remainder, eligible=u.eligible,
                   members=u.members)
        for u in work
    )
    return Allocation(units=results, pool_collected=pool, pool_used=pool - left, fraction_left=fraction_left,
                      township_ratio=township_ratio, department_ratio=department_ratio,
                      required_township_ratio=final_required, feasible=feasible, shortfall=shortfall,
                      left_reason=left_reason, trace=tuple(trace))

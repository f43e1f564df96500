"""Pool-and-tilt allocation of excellent (优秀) slots in a region: Bazhou's four steps.

1. **Where from.** Each unit's exact quota is its year-end headcount times the excellent
   ratio of its target-performance grade. It keeps the whole part (its floor), never above
   its cap (headcount × unit cap ratio); the fractional parts of every unit go to the
   region, and the whole part of their sum is the pool. The fraction that does not make a
   whole slot is reported, not lost silently. The pool is then held within the policy's
   bounds (``pool_min``/``pool_max``, shares of the region's slots; by default 0 and 1,
   which leave it as collected): the excess over the upper bound goes straight back by
   largest fractional part; what the lower bound lacks is taken from the units' whole
   parts in proportion to their exact quotas.
2. **How many.** Townships' excellent ratio must be at least ``township_uplift`` above that
   of departments and streets: relatively (Bazhou: 20% higher) or by absolute ratio points
   (``township_uplift_kind``); the slots needed for that are worked out exactly.
3. **How.** Designated slots first, townships in points order: either from the table
   (``designated``: slots per target-performance grade, then per commendation level; a
   township that is both gets both) or, for each condition rule in the order given, every
   eligible township meeting its condition gets the rule's slots. Then tilt: the slots
   still needed to reach the uplift are shared between eligible townships in proportion to
   their points (an apportionment method, Hamilton unless the policy says otherwise), never
   above a unit's cap.
4. **To whom.** A unit with any red line (negative list) gets no pooled slot of any kind:
   no designated, tilt or remainder slot (its own whole part stays its own).

What is left in the pool goes back by largest fractional part to units that got no pooled
slot yet (``leftover="largest_remainder"``), skipping any slot to a comparison unit that
would break the uplift, or stays in the region's reserve (``leftover="keep"``); either way
the reason for anything left is stated. If the pool cannot reach the uplift, the result
says so with the shortfall in slots.

Order among townships: points (descending), then the larger fractional part of the exact
quota, then unit id. Every slot is written to the trace with the rule (the policy setting)
that gave it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from quota.domain.allocation_policy import (
    COMMENDATION_LEVELS,
    LEFTOVER_POLICIES,
    UPLIFT_KINDS,
    AllocationError,
    DesignatedRule,
    DesignatedTable,
    Policy,
    UnitInput,
    merge_groups,
    validate,
)
from quota.domain.allocation_result import Allocation, AllocationWarning, TraceStep, UnitResult
from quota.domain.allocation_warnings import designated_not_given, final_checks, pool_bounds_unmet
from quota.domain.apportion import apportion

__all__ = ["COMMENDATION_LEVELS", "LEFTOVER_POLICIES", "UPLIFT_KINDS", "Allocation", "AllocationError",
           "AllocationWarning",
           "DesignatedRule", "DesignatedTable", "Policy", "TraceStep", "UnitInput", "UnitResult", "allocate",
           "merge_groups", "validate"]


@dataclass
class _Unit:
    source: UnitInput
    members: tuple[str, ...]
    exact: Fraction
    cap: int
    floor: int
    eligible: bool
    pooled: int = 0
    designated: int = 0
    tilt: int = 0
    remainder: int = 0

    @property
    def total(self) -> int:
        return self.floor + self.designated + self.tilt + self.remainder

    @property
    def fraction(self) -> Fraction:
        return self.exact - math.floor(self.exact)

    @property
    def barred(self) -> bool:
        return bool(self.source.red_lines)


def _pct(value: Fraction | None) -> str:
    return "n/a" if value is None else f"{float(value) * 100:.2f}%"


def _ratio(units: Iterable[_Unit]) -> Fraction | None:
    units = list(units)
    people = sum(u.source.headcount for u in units)
    return Fraction(sum(u.total for u in units), people) if people else None


def _township_order(candidates: Iterable[_Unit]) -> list[_Unit]:
    return sorted(candidates, key=lambda u: (-u.source.points, -u.fraction, u.source.id))


def _remainder_order(candidates: Iterable[_Unit]) -> list[_Unit]:
    return sorted(candidates, key=lambda u: (-u.fraction, -u.source.headcount, u.source.id))


def _bound_pool(work: list[_Unit], pool: int, policy: Policy, trace: list[TraceStep],
                warnings: list[AllocationWarning]) -> tuple[int, int, int, int]:
    """Hold the pool within ``pool_min``..``pool_max`` of the region's slots.

    Returns the pool left to spend, the slots handed back, the slots topped up and the most
    ``pool_max`` lets the pool hand out."""
    slots = sum(u.floor for u in work) + pool
    low, high = math.ceil(policy.pool_min * slots), math.floor(policy.pool_max * slots)
    if low > high:
        trace.append(TraceStep("pool", f"no whole number of slots lies between pool_min and pool_max of "
                               f"{slots} slots: the pool is held at most {high}", rule="pool_min"))
        warnings.append(pool_bounds_unmet(slots, low, high))
        low = high
    returned = topped = 0
    if pool > high:
        for unit in _remainder_order(u for u in work if u.fraction and not u.barred and u.total < u.cap):
            if pool - returned == high:
                break
            unit.remainder += 1
            returned += 1
            trace.append(TraceStep("pool", f"{unit.source.id}: +1 back for its fractional part "
                                   f"{float(unit.fraction):.4f}, the pool being above pool_max "
                                   f"({float(policy.pool_max) * 100:g}% of {slots} slots = {high})",
                                   unit=unit.source.id, slots=1, rule="pool_max"))
        if pool - returned > high:
            trace.append(TraceStep("pool", f"{pool - returned - high} slot(s) above pool_max stay in the pool: "
                                   "no unit can take one more by its fractional part", rule="pool_max"))
    elif pool < low:
        topped = low - pool
        scale = math.lcm(*(u.exact.denominator for u in work))
        shares = apportion("hamilton", topped, {u.source.id: int(u.exact * scale) for u in work},
                           max_seats={u.source.id: u.floor for u in work})
        for unit in work:
            take = shares.seats[unit.source.id]
            if take:
                unit.floor -= take
                unit.pooled += take
                trace.append(TraceStep("pool", f"{unit.source.id}: {take} of its whole part into the pool, "
                                       f"which is below pool_min ({float(policy.pool_min) * 100:g}% of "
                                       f"{slots} slots = {low}), by its exact quota", unit=unit.source.id,
                                       slots=-take, rule="pool_min"))
        for tie in shares.ties:
            trace.append(TraceStep("pool", f"tie between {', '.join(tie.contenders)} on {tie.priority}: "
                                   f"{', '.join(tie.winners)} first ({tie.rule})", rule="tie"))
    return pool - returned + topped, returned, topped, high


def _designated_grants(work: list[_Unit], policy: Policy) -> list[tuple[str, str, int, list[_Unit]]]:
    """(rule, reason, slots, townships in order) for every designated rule of the policy."""
    eligible = [u for u in work if u.eligible]
    grants = []
    if policy.designated is not None:
        # Better grades (higher ratio) first, then commendations from the highest level down:
        # the order only matters when the pool runs out.
        for grade, slots in sorted(policy.designated.by_grade.items(),
                                   key=lambda e: (-policy.ratio_by_grade[e[0]], e[0])):
            grants.append((f"designated.by_grade.{grade}", f"target-performance grade {grade}", slots,
                           _township_order(u for u in eligible if u.source.grade == grade)))
        # A level in the table stands for that level or above: a township takes the entry of
        # the highest level in the table that its commendation reaches, once.
        table = policy.designated.by_commendation
        rank = COMMENDATION_LEVELS.index

        def entry(unit: _Unit) -> str | None:
            own = unit.source.commendation
            reached = [level for level in table if own is not None and rank(level) <= rank(own)]
            return max(reached, key=rank, default=None)

        for level, slots in sorted(table.items(), key=lambda e: -rank(e[0])):
            grants.append((f"designated.by_commendation.{level}", f"a commendation at {level} level or above",
                           slots, _township_order(u for u in eligible if entry(u) == level)))
        return grants
    for index, rule in enumerate(policy.designated_rules):
        grants.append((f"designated_rules.{index} ({rule.condition})", rule.condition, rule.slots,
                       _township_order(u for u in eligible if rule.condition in u.source.conditions)))
    return grants


def _designate(work: list[_Unit], policy: Policy, left: int, trace: list[TraceStep],
              warnings: list[AllocationWarning]) -> tuple[int, int]:
    """Designated slots; returns the pool left and the designated slots that could not be given."""
    missed = 0
    for label, reason, slots, townships in _designated_grants(work, policy):
        for unit in townships:
            give = min(slots, unit.cap - unit.total, left)
            if give > 0:
                unit.designated += give
                left -= give
                trace.append(TraceStep("designated", f"{unit.source.id}: +{give} for {reason} "
                                       f"(points {unit.source.points})", unit=unit.source.id,
                                       slots=give, rule=label))
            if give < slots:
                missed += slots - max(give, 0)
                why = "the pool is empty" if left == 0 else "it is at its cap"
                trace.append(TraceStep("designated", f"{unit.source.id}: {slots - max(give, 0)} "
                                       f"designated slot(s) not given: {why}", unit=unit.source.id,
                                       rule=label))
                warnings.append(designated_not_given(unit.source.id, slots - max(give, 0), why, label))
    return left, missed


def _tilt(work: list[_Unit], policy: Policy, needed: int, left: int, trace: list[TraceStep]) -> tuple[int, int]:
    """Tilt slots by points; returns the pool left and the shortfall."""
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
        for unit in _township_order(open_townships):
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
    return left, shortfall


def _spend_leftover(work: list[_Unit], policy: Policy, left: int, uplift_applies: bool,
                    trace: list[TraceStep]) -> tuple[int, str | None]:
    """The rest of the pool, as the policy says; returns what is left and why."""
    if left > 0 and policy.leftover == "keep":
        return left, "the policy keeps what is left in the region's reserve"
    if left == 0:
        return 0, None
    townships = [u for u in work if u.source.kind in policy.tilt_kinds]
    compared = [u for u in work if u.source.kind in policy.comparison_kinds]
    for unit in _remainder_order(u for u in work if not (u.designated or u.tilt or u.remainder)):
        if left == 0:
            break
        if unit.fraction == 0 or unit.total >= unit.cap:
            continue
        if unit.barred:
            trace.append(TraceStep("remainder", f"{unit.source.id}: skipped, on the negative list "
                                   f"({', '.join(sorted(unit.source.red_lines))})", unit=unit.source.id,
                                   rule="red_lines"))
            continue
        unit.remainder += 1
        if uplift_applies and unit.source.kind in policy.comparison_kinds:
            new_base = _ratio(compared)
            township_ratio = _ratio(townships)
            if (new_base is not None and township_ratio is not None
                    and township_ratio < policy.required_ratio(new_base)):
                unit.remainder -= 1
                trace.append(TraceStep("remainder", f"{unit.source.id}: skipped, a slot would take "
                                       "townships below the required uplift", unit=unit.source.id,
                                       rule="township_uplift"))
                continue
        left -= 1
        trace.append(TraceStep("remainder", f"{unit.source.id}: +1 for its fractional part "
                               f"{float(unit.fraction):.4f}", unit=unit.source.id, slots=1,
                               rule="largest_remainder"))
    if left > 0:
        return left, ("no unit without a pooled slot can take one more without passing its cap, "
                      "being on the negative list or taking townships below the required uplift")
    return 0, None


def allocate(units: Sequence[UnitInput], policy: Policy) -> Allocation:
    """Run Bazhou's four steps (see the module docstring). Input order never matters."""
    validate(units, policy)
    trace: list[TraceStep] = []
    warnings: list[AllocationWarning] = []
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
        if source.red_lines:
            trace.append(TraceStep("eligibility", f"{source.id}: red line(s) "
                                   f"{', '.join(sorted(source.red_lines))}: no pooled slot of any kind "
                                   "(designated, tilt or remainder)", unit=source.id, rule="red_lines"))

    # Step 1: the pool is the whole part of everything the floors left behind, within its bounds.
    leftovers = sum((u.exact - u.floor for u in work), Fraction(0))
    pool = math.floor(leftovers)
    fraction_left = leftovers - pool
    trace.append(TraceStep("pool", f"floors give {sum(u.floor for u in work)} slots; the fractional "
                           f"parts add up to {float(leftovers):.4f}: a pool of {pool} slot(s), "
                           f"{float(fraction_left):.4f} of a slot left over", slots=pool))
    left, returned, topped, high = _bound_pool(work, pool, policy, trace, warnings)
    spendable = left
    collected = pool + topped

    # Step 3a: designated slots, townships in points order.
    left, designated_missed = _designate(work, policy, left, trace, warnings)

    # Step 2 and 3b: tilt to townships until their ratio reaches the required uplift.
    townships = [u for u in work if u.source.kind in policy.tilt_kinds]
    compared = [u for u in work if u.source.kind in policy.comparison_kinds]
    base = _ratio(compared)
    required = None if base is None else policy.required_ratio(base)
    needed = 0
    if required is not None and townships:
        people = sum(u.source.headcount for u in townships)
        needed = max(0, math.ceil(required * people) - sum(u.total for u in townships))
        trace.append(TraceStep("uplift", f"departments and streets stand at {_pct(base)}; townships "
                               f"need {_pct(required)} ({policy.uplift_text()}): {needed} more township "
                               "slot(s) after designated slots", slots=needed, rule="township_uplift"))
    left, shortfall = _tilt(work, policy, needed, left, trace)

    left, left_reason = _spend_leftover(work, policy, left, required is not None, trace)
    if left_reason:
        trace.append(TraceStep("pool", f"{left} slot(s) left in the pool: {left_reason}", slots=left))

    township_ratio = _ratio(townships)
    department_ratio = _ratio(compared)
    final_required = None if department_ratio is None else policy.required_ratio(department_ratio)
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
                   members=u.members, pooled=u.pooled, commendation=u.source.commendation)
        for u in work
    )
    warnings += final_checks(results, spendable=spendable, left=left, high=high, feasible=feasible,
                             shortfall=shortfall, township_ratio=_pct(township_ratio),
                             required=_pct(final_required))
    return Allocation(units=results, pool_collected=collected, pool_used=collected - left,
                      fraction_left=fraction_left, township_ratio=township_ratio,
                      department_ratio=department_ratio, required_township_ratio=final_required,
                      feasible=feasible, shortfall=shortfall, left_reason=left_reason, trace=tuple(trace),
                      pool_returned=returned, pool_topped_up=topped, warnings=tuple(warnings))

"""Where an allocation cannot meet its policy: the rules it broke, each a warning with a code.

The engine never stops on these: it gives what it can and says so. A run with warnings is
stored with them and is published only when its publisher accepts them.

``uplift_unreachable``
    Townships end below the required uplift (the pool, the caps or the eligible townships
    cannot give the slots needed); the message names the shortfall.
``designated_not_given``
    A township did not get the designated slots its grade, commendation or condition gives
    (the pool ran out or it is at its cap); one warning per township.
``pool_bounds_unmet``
    No whole number of slots lies between ``pool_min`` and ``pool_max`` of the region's slots.
``pool_overspent``
    More slots were handed out of the pool than ``pool_max`` allows (what could not go back
    by fractional part was spent), or more than the pool held, or a unit ended above its cap.

Slots left in the pool are no warning: the leftover rule keeps them (``keep``) or gives them
back as far as caps, red lines and the uplift let it, and the result states why any are left.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

from quota.domain.allocation_result import AllocationWarning, UnitResult

WARNING_CODES = ("uplift_unreachable", "designated_not_given", "pool_bounds_unmet", "pool_overspent")


def pool_bounds_unmet(slots: int, low: int, high: int) -> AllocationWarning:
    return AllocationWarning("pool_bounds_unmet", f"no whole number of slots lies between pool_min ({low}) and "
                                                  f"pool_max ({high}) of the region's {slots} slots")


def designated_not_given(unit: str, missed: int, why: str, rule: str) -> AllocationWarning:
    return AllocationWarning("designated_not_given", f"{unit}: {missed} designated slot(s) of {rule} not "
                                                     f"given: {why}", unit=unit)


def final_checks(units: Sequence[UnitResult], *, spendable: int, left: int, high: int,
                 feasible: bool, shortfall: int, township_ratio: str, required: str) -> list[AllocationWarning]:
    """The checks on the finished allocation. ``spendable`` is what the pool held once held
    within its bounds (slots returned by fractional part already out), ``high`` the most
    ``pool_max`` allows, ``left`` what stays in it."""
    warnings = []
    if not feasible:
        short = f"{shortfall} slot(s) short" if shortfall else "slots given later took townships below it"
        warnings.append(AllocationWarning("uplift_unreachable", f"the township uplift cannot be reached within "
                                                                f"the pool: townships {township_ratio} against "
                                                                f"the required {required}, {short}"))
    spent = spendable - left
    if spent > high:
        warnings.append(AllocationWarning("pool_overspent", f"{spent} slot(s) were handed out of the pool, "
                                                            f"pool_max allows {high}: what was above it could "
                                                            "not go back by fractional part"))
    given = sum(u.total for u in units)
    region = math.floor(sum((u.exact_quota for u in units), Fraction(0)))
    if given > region:
        warnings.append(AllocationWarning("pool_overspent", f"{given} slot(s) handed out, more than the region's "
                                                            f"{region}"))
    for unit in units:
        if unit.total > unit.cap:
            warnings.append(AllocationWarning("pool_overspent", f"{unit.id}: {unit.total} slot(s), above its cap "
                                                                f"{unit.cap}", unit=unit.id))
    return warnings

"""What the pool-and-tilt allocation gives: every unit's slots by kind, the pool, the
comparison of townships with departments and streets, and the trace naming the rule behind
every slot."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction


@dataclass(frozen=True)
class TraceStep:
    step: str
    text: str
    unit: str | None = None
    slots: int = 0
    rule: str | None = None


@dataclass(frozen=True)
class AllocationWarning:
    """A rule of the policy the allocation could not meet; a run with any is not published
    unless its publisher accepts them."""

    code: str
    message: str
    unit: str | None = None


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
    pooled: int = 0
    commendation: str | None = None

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
    pool_returned: int = 0
    pool_topped_up: int = 0
    warnings: tuple[AllocationWarning, ...] = ()

    @property
    def pool_left(self) -> int:
        return self.pool_collected - self.pool_used

    @property
    def uplift(self) -> Fraction | None:
        """Townships' ratio relative to the comparison kinds' (0.2 = 20% higher)."""
        if self.township_ratio is None or not self.department_ratio:
            return None
        return self.township_ratio / self.department_ratio - 1

    @property
    def uplift_points(self) -> Fraction | None:
        """Townships' ratio minus the comparison kinds', in ratio points (0.05 = 5 points)."""
        if self.township_ratio is None or self.department_ratio is None:
            return None
        return self.township_ratio - self.department_ratio

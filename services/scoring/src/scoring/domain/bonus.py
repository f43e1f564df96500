"""The annual bonus (Taibai, Chengbu): a base shared equally and a pool shared by result.

Taibai: 10-20% of the bonus total is pooled (``pool_share``; the bounds are a setting, refused
outside them) and paid out by result: the pool is shared in proportion to each paid person's
grade coefficient (e.g. excellent 1.5, competent 1, basically competent 0.5, incompetent 0);
the rest, the base, is shared equally among the paid. People excluded (under sanction, under
investigation, more than half a year of leave: no grade) get nothing and are listed. A part
with no one to take it (nobody paid; or the coefficients of the paid add up to 0, for the pool)
is undistributed and reported.

Withholding (a Chengbu township): each quarter graded with a grade in ``withholding`` takes that
share of the person's annual bonus (base + pool share), e.g. ``{"average": Fraction(1, 10)}``;
several quarters add up, capped at 100%. Withheld money is not redistributed to the others: it
stays out of the payout and is reported as a total.

Money: every part is exact (Fraction); each person's amount is then rounded to the fen (0.01
yuan) half up, and the rounding residue (exact amounts minus paid, possibly negative) is
reported, so paid + withheld + undistributed + residue == total exactly and nothing disappears.
Input order never matters: shares are by person id.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from scoring.domain.grades import QUARTER_GRADES
from shared.field_error import FieldError

POOL_RANGE = (Fraction(1, 10), Fraction(1, 5))  # Taibai's; a scheme's annual.bonus_pool_min/max
FEN = Decimal("0.01")


class BonusRuleError(FieldError):
    """Input this rule cannot take; ``field`` names where the problem is."""


@dataclass(frozen=True)
class BonusCandidate:
    person_id: str
    grade: str | None  # the annual grade; None only for the excluded
    quarter_grades: tuple[str, ...] = ()
    excluded_reason: str | None = None  # e.g. "under investigation": no annual bonus


@dataclass(frozen=True)
class BonusShare:
    person_id: str
    base: Fraction
    pool: Fraction
    withheld: Fraction
    amount: Decimal  # base + pool - withheld, rounded to the fen half up
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class BonusPayout:
    total: Fraction
    base_total: Fraction
    pool_total: Fraction
    shares: tuple[BonusShare, ...]  # everyone, by person id; the excluded with 0
    paid_count: int
    excluded_count: int
    excluded: tuple[str, ...]
    paid_total: Decimal
    withheld_total: Fraction
    undistributed: Fraction
    rounding_residue: Fraction  # exact amounts - paid_total
    gap: Decimal | None  # highest minus lowest amount among the paid; None if nobody is paid
    notes: tuple[str, ...]


def _yuan(amount: Fraction) -> str:
    return f"{float(amount):.2f}"  # for explanations only; the amounts themselves are exact


def to_fen(amount: Fraction) -> Decimal:
    """Round a non-negative amount to 0.01 yuan, half up. Exact: the floor of the thousandths
    decides the same way the whole amount does."""
    return Decimal(f"{math.floor(amount * 1000)}e-3").quantize(FEN, rounding=ROUND_HALF_UP)


def _validate(total: Fraction, people: Sequence[BonusCandidate], pool_share: Fraction,
              coefficients: Mapping[str, Fraction], withholding: Mapping[str, Fraction],
              pool_range: tuple[Fraction, Fraction]) -> None:
    low, high = pool_range
    if not low <= pool_share <= high:
        raise BonusRuleError(f"the pool is {float(low) * 100:g}% to {float(high) * 100:g}% of the bonus total, "
                             f"not {float(pool_share) * 100:g}%", field="pool_share")
    if total < 0:
        raise BonusRuleError("the bonus total is not negative", field="total")
    for grade, coefficient in coefficients.items():
        if coefficient < 0:
            raise BonusRuleError(f"coefficient of {grade!r} is negative", field=f"coefficients.{grade}")
    for grade, share in withholding.items():
        if not 0 <= share <= 1:
            raise BonusRuleError(f"withholding for {grade!r} is between 0 and 1", field=f"withholding.{grade}")
    ids = [p.person_id for p in people]
    if len(set(ids)) != len(ids):
        raise BonusRuleError("a person appears twice", field="people")
    for p in people:
        if len(p.quarter_grades) > 4 or any(g not in QUARTER_GRADES for g in p.quarter_grades):
            raise BonusRuleError(f"{p.person_id}: at most four quarter grades among {', '.join(QUARTER_GRADES)}",
                                 field=f"people.{p.person_id}.quarter_grades")
        if p.excluded_reason is None and (p.grade is None or p.grade not in coefficients):
            raise BonusRuleError(f"{p.person_id}: no coefficient for grade {p.grade!r}",
                                 field=f"people.{p.person_id}.grade")


def pay_out(total: Fraction | Decimal, people: Sequence[BonusCandidate], *, pool_share: Fraction,
            coefficients: Mapping[str, Fraction], withholding: Mapping[str, Fraction],
            pool_range: tuple[Fraction, Fraction] = POOL_RANGE) -> BonusPayout:
    if isinstance(total, Decimal) and not total.is_finite():
        raise BonusRuleError("the bonus total is a finite amount", field="total")
    exact = Fraction(total)
    _validate(exact, people, pool_share, coefficients, withholding, pool_range)
    ordered = sorted(people, key=lambda p: p.person_id)
    paid = [p for p in ordered if p.excluded_reason is None]
    base_total, pool_total = exact * (1 - pool_share), exact * pool_share
    weight = sum((coefficients[p.grade] for p in paid if p.grade is not None), Fraction(0))
    undistributed, notes = Fraction(0), []
    if not paid:
        undistributed += base_total
        notes.append(f"nobody is paid: the base of {_yuan(base_total)} is undistributed")
    if weight == 0:
        undistributed += pool_total
        notes.append(f"the coefficients of the paid add up to 0: the pool of {_yuan(pool_total)} is undistributed")
    shares, exact_paid, withheld_total = [], Fraction(0), Fraction(0)
    for p in ordered:
        if p.excluded_reason is not None or p.grade is None:
            shares.append(BonusShare(p.person_id, Fraction(0), Fraction(0), Fraction(0), Decimal("0.00"),
                                     (f"excluded: {p.excluded_reason}; no annual bonus",)))
            continue
        coefficient = coefficients[p.grade]
        base = base_total / len(paid)
        pool = pool_total * coefficient / weight if weight else Fraction(0)
        reasons = [f"base {_yuan(base_total)} shared equally by {len(paid)}: {_yuan(base)}",
                   f"pool {_yuan(pool_total)} ({float(pool_share) * 100:g}%) by coefficient, {p.grade} "
                   f"{float(coefficient):g} of {float(weight):g}: {_yuan(pool)}"]
        rate = Fraction(0)
        for grade in sorted(set(p.quarter_grades) & set(withholding)):
            count = p.quarter_grades.count(grade)
            rate += count * withholding[grade]
            reasons.append(f"{count} quarter(s) graded {grade}: {float(count * withholding[grade]) * 100:g}% withheld")
        if rate > 1:
            reasons.append(f"withholding of {float(rate) * 100:g}% capped at 100%")
            rate = Fraction(1)
        withheld = rate * (base + pool)
        amount = to_fen(base + pool - withheld)
        reasons.append(f"exactly {float(base + pool - withheld):.4f}, rounded to the fen half up: {amount}")
        exact_paid += base + pool - withheld
        withheld_total += withheld
        shares.append(BonusShare(p.person_id, base, pool, withheld, amount, tuple(reasons)))
    amounts = [s.amount for s, p in zip(shares, ordered, strict=True) if p.excluded_reason is None]
    paid_total = sum(amounts, Decimal("0.00"))
    excluded = tuple(p.person_id for p in ordered if p.excluded_reason is not None)
    return BonusPayout(total=exact, base_total=base_total, pool_total=pool_total, shares=tuple(shares),
                       paid_count=len(paid), excluded_count=len(excluded), excluded=excluded, paid_total=paid_total,
                       withheld_total=withheld_total, undistributed=undistributed,
                       rounding_residue=exact_paid - Fraction(paid_total),
                       gap=max(amounts) - min(amounts) if amounts else None, notes=tuple(notes))

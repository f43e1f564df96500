"""The year: annual scores from the published quarters and the year-end evaluation, annual
grades against the unit's published excellent quota, and the bonus payout.

Annual score (Binzhou): the mean of the person's published quarter scores × the scheme's
``annual.quarter_weight`` (at least 60%) + the year-end evaluation × the rest. The year-end
evaluation is the scheme applied to the year as a period (its marks, rating round, items and the
records of the whole year); a person with nothing entered for the year has no year-end part and
the quarters stand for the whole.

Annual grade: the excellent slots are the quota service's published allocation for the scheme's
units (summed over them for a group scheme); the top N by annual score among the eligible are
excellent. Excluded (no grade): a negative-list ``exclude`` event in the year (sanction,
investigation) or more sick and personal leave than ``annual.leave_days_limit`` days. A ``cap``
event in the year means competent at best, a ``veto`` incompetent. A quarter in which the person
was excluded from grading (an ``exclude`` event in that quarter) keeps its score in the mean; its
missing grade neither fails nor counts as good, and the explanation gives the quarter's reason.
The escalation on the quarters graded ``annual.failing_grade`` (``annual.escalation``), the bar
on an excellent year after a failing quarter (``annual.poor_quarter_bars_excellent``) and the
four-good-quarters tie-break (``annual.four_good_breaks_ties``) apply as in
``scoring.domain.year``; the explanation shows the settings applied.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from scoring.clients import Neighbours
from scoring.config import DEFAULT_TUNING, CloseTuning
from scoring.domain import bonus as bonuses
from scoring.domain import year as years
from scoring.errors import InputInvalid, NotPublished
from scoring.models import Close, Result, Scheme
from scoring.period_settings import share_of
from scoring.results.built import keep_version, part_scores, period_end, published_parts
from scoring.results.compute import PersonResult
from scoring.results.digests import input_digest
from scoring.results.engine import means_to_json
from scoring.results.schemas import CloseRead
from scoring.results.stored import latest_close
from scoring.schemes.service import rules_at, rules_of
from shared.numbers import decimal_str
from shared.periods import Period, parse_period
from shared.service_auth import Caller


def _d(value: Fraction | None) -> str | None:
    return None if value is None else decimal_str(value)


async def published_quarters(session: AsyncSession, scheme_id: uuid.UUID, year: int) -> list[Close]:
    return await published_parts(session, scheme_id, parse_period(str(year)), "quarter")


async def close_year(session: AsyncSession, neighbours: Neighbours, scheme: Scheme, period: Period, caller: Caller,
                     *, reason: str = "close", tuning: CloseTuning = DEFAULT_TUNING) -> CloseRead:
    version, rules = await rules_of(session, scheme.id)
    year = int(period.code)
    quarters = await published_quarters(session, scheme.id, year)
    if not quarters:
        raise NotPublished(f"no quarter of {year} is published under scheme {scheme.id}: publish them first")
    by_person, ungraded = await part_scores(session, quarters)
    end = await period_end(session, neighbours, scheme, period, caller, rules, by_person, tuning=tuning)
    people, means = end.people, end.means
    slots_by_unit = await neighbours.published_slots(region_id=scheme.region_id, year=year, caller=caller)
    if slots_by_unit is None:
        raise NotPublished(f"the quota allocation of region {scheme.region_id} for {year} is not published")
    units = sorted({p["unit"] for p in people.values() if p["unit"]} |
                   ({str(scheme.unit_id)} if scheme.unit_id else set()))
    if scheme.group_name and scheme.group_name in slots_by_unit:
        slots = slots_by_unit[scheme.group_name]
    else:
        slots = sum(slots_by_unit.get(u, 0) for u in units)
    leave_limit = rules.annual.leave_days_limit
    candidates, annual_parts, notes, year_end_inputs = [], {}, {}, {}
    for pid, person in people.items():
        quarter_rows = sorted(by_person.get(pid, []))
        if not quarter_rows:
            continue  # joined after the last published quarter: no annual result
        entered = end.entered(pid)
        part = years.annual_score([s for _, _, s, _ in quarter_rows], end.score(pid),
                                  quarter_weight=Fraction(share_of(rules.periods, "year", rules.annual.quarter_weight)))
        excluded, cap_at = None, None
        for item, note in person["negatives"]:
            declared = rules.negative.get(item)
            if declared is None:
                continue
            if declared.effect == "exclude":
                excluded = f"{declared.name}: {note}"
            elif declared.effect == "veto":
                cap_at = "incompetent"
            elif cap_at is None:
                cap_at = "competent"
        leave = person["metrics"].get("leave_days_in_year", [0, 1])[0]
        if excluded is None and leave > leave_limit:
            excluded = f"{leave} days of sick and personal leave in {year}, more than {leave_limit}"
        candidates.append(years.YearCandidate(pid, part.total, tuple(g for _, _, _, g in quarter_rows if g),
                                              excluded, cap_at, tuple(ungraded.get(pid, ()))))
        annual_parts[pid] = part
        notes[pid] = quarter_rows
        year_end_inputs[pid] = person if entered else None
    annual = rules.annual
    grading = years.grade_year(candidates, excellent_slots=slots, failing=annual.failing_grade,
                               escalation=annual.steps(),
                               poor_quarter_bars_excellent=annual.poor_quarter_bars_excellent,
                               four_good_breaks_ties=annual.four_good_breaks_ties)
    settings = {"failing_grade": annual.failing_grade,
                "poor_quarter_bars_excellent": annual.poor_quarter_bars_excellent,
                "four_good_breaks_ties": annual.four_good_breaks_ties,
                "escalation": [s.model_dump(mode="json", exclude_none=True) for s in annual.escalation]}
    results = []
    for outcome in grading.results:
        part = annual_parts[outcome.person_id]
        detail: dict[str, Any] = {
            "total": _d(part.total),
            "formula": "mean of the published quarters × quarter weight + year-end evaluation × the rest",
            "quarters": [{"period": q, "version": v, "score": _d(s), "grade": g}
                         for q, v, s, g in notes[outcome.person_id]],
            "quarters_mean": _d(part.quarters_mean), "quarter_weight": _d(part.quarter_weight),
            "quarters_contribution": _d(part.quarters_contribution),
            "year_end": _d(part.year_end), "year_end_weight": _d(part.year_end_weight),
            "year_end_contribution": _d(part.year_end_contribution),
            "year_end_inputs": year_end_inputs[outcome.person_id],
            "notes": list(part.notes),
            "grade": {"grade": outcome.grade, "rank": outcome.rank, "reasons": list(outcome.reasons),
                      "excellent_slots": grading.excellent_slots, "slots_given": grading.slots_given,
                      "slots_unused": grading.slots_unused, "slot_source": f"quota allocation published for {year}",
                      "settings": settings},
            "consequences": list(outcome.consequences),
            "four_good_priority": outcome.four_good_priority,
        }
        results.append(PersonResult(outcome.person_id, people[outcome.person_id]["unit"], part.total, outcome.rank,
                                    outcome.grade, detail))
    results.sort(key=lambda r: r.person_id)
    grades: dict[str, int] = {}
    for r in results:
        grades[r.grade or "not_graded"] = grades.get(r.grade or "not_graded", 0) + 1
    summary = {"grades": grades, "excellent_slots": slots, "slots_given": grading.slots_given,
               "slots_unused": grading.slots_unused, "tied_at_slots": list(grading.tied_at_slots),
               "grading_notes": list(grading.notes),
               "quarters": [{"period": c.period, "version": c.version} for c in quarters],
               "four_good_priority": sum(1 for r in results if r.detail["four_good_priority"])}
    inputs = input_digest(version.definition, people, slots, [[c.id.hex, c.result_digest] for c in quarters])
    stored_only = {"mean_task_load": str(end.mean_load), **({"unit_means": means_to_json(means)} if means else {})}
    return await keep_version(session, scheme.id, period.code, version.version, inputs, results, summary,
                              stored_only, reason=reason, caller=caller)


async def pay_bonus(session: AsyncSession, scheme: Scheme, year: int, *, total: Decimal, pool_share: Decimal,
                    coefficients: dict[str, Decimal], withholding: dict[str, Decimal]) -> bonuses.BonusPayout:
    """The payout from the published annual results (grades, exclusions) and the published quarters."""
    close = await latest_close(session, scheme.id, str(year), published=True)
    if close is None:
        raise NotPublished(f"the annual results of {year} are not published under scheme {scheme.id}")
    people = []
    for person_id, grade, detail in await session.execute(
            select(Result.person_id, Result.grade, Result.detail).where(Result.close_id == close.id)):
        reasons = detail["grade"]["reasons"]
        excluded = None if grade is not None else (reasons[0] if reasons else "no annual grade")
        quarter_grades = tuple(q["grade"] for q in detail["quarters"] if q["grade"])  # an ungraded one: nothing
        people.append(bonuses.BonusCandidate(str(person_id), grade, quarter_grades, excluded))
    annual = (await rules_at(session, scheme.id, close.scheme_version)).annual
    try:
        return bonuses.pay_out(Fraction(total), people, pool_share=Fraction(pool_share),
                               coefficients={k: Fraction(v) for k, v in coefficients.items()},
                               withholding={k: Fraction(v) for k, v in withholding.items()},
                               pool_range=(Fraction(annual.bonus_pool_min), Fraction(annual.bonus_pool_max)))
    except bonuses.BonusRuleError as exc:
        raise InputInvalid(str(exc), errors=[{"field": f"body.{exc.field}", "message": str(exc)}]) from exc

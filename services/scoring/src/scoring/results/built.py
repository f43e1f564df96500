"""A longer period built from its published parts: a half year from its quarters or months (and,
in ``scoring.results.year``, the year from its quarters).

The parts are the latest published versions of the period's parts of the kind the scheme's
``periods.build`` names. A person's score is the mean of their part scores × the build's share +
the period-end evaluation (the scheme applied to the longer period itself: its marks, rating
round and items) × the rest; a person with nothing entered for the longer period has no
period-end part and the parts stand for the whole (``scoring.domain.year.built_score``). People
without a part (joined after the last published one) have no result. A built period other than
the year is graded by the scheme's grade rule, as a quarter: its caps, its thresholds, and the
negative-list events entered for the longer period.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from scoring.clients import Neighbours
from scoring.config import DEFAULT_TUNING, CloseTuning
from scoring.definitions import Rules
from scoring.domain import year as years
from scoring.errors import NotPublished
from scoring.models import Close, Result, Scheme
from scoring.period_settings import share_of
from scoring.results.compute import PersonResult, limits_of
from scoring.results.digests import input_digest
from scoring.results.engine import (
    Compact,
    EngineMeans,
    compile_engine,
    engine_means,
    mean_load_of,
    means_to_json,
    missing_finder,
    total,
    unit_means_of_compacts,
)
from scoring.results.inputs import gather
from scoring.results.quarter import grade_scored, inputs_missing
from scoring.results.ranking import Scored
from scoring.results.rows import RowStream, result_rows, row_batches
from scoring.results.schemas import CloseRead
from scoring.results.stored import changes, close_read, latest_close, lock_latest, new_close_id, store
from scoring.schemes.service import rules_of
from shared.numbers import decimal_str
from shared.periods import Period, PeriodKind
from shared.service_auth import Caller

#: A person's part: (period, version, score, grade or None).
Part = tuple[str, int, Fraction, str | None]


def _d(value: Fraction | None) -> str | None:
    return None if value is None else decimal_str(value)


async def published_parts(session: AsyncSession, scheme_id: uuid.UUID, period: Period,
                          kind: PeriodKind) -> list[Close]:
    """The latest published version of each of the period's parts of ``kind`` that has one, in order."""
    out = []
    for part in period.parts(kind):
        close = await latest_close(session, scheme_id, part.code, published=True)
        if close is not None:
            out.append(close)
    return out


async def part_scores(session: AsyncSession, closes: list[Close]) -> tuple[dict[str, list[Part]],
                                                                           dict[str, list[str]]]:
    """Each person's parts, and the parts they were scored in without a grade, with why."""
    by_person: dict[str, list[Part]] = {}
    ungraded: dict[str, list[str]] = {}
    for close in closes:
        for person_id, score, grade, stored in await session.execute(
                select(Result.person_id, Result.score, Result.grade, Result.detail).where(Result.close_id == close.id)):
            assert score is not None  # every part's result has a score, graded or not
            by_person.setdefault(str(person_id), []).append((close.period, close.version, Fraction(score), grade))
            if grade is None:
                why = "; ".join(stored.get("grade", {}).get("reasons") or []) or "no grade"
                ungraded.setdefault(str(person_id), []).append(f"{close.period} not graded ({why})")
    return by_person, ungraded


@dataclass
class PeriodEnd:
    """The longer period's own inputs (its period-end evaluation) and what scores them."""

    people: dict[str, Compact]
    mean_load: Fraction
    means: dict[str, dict[str, tuple[Fraction, int]]]
    engine_means: EngineMeans
    rules: Rules

    def entered(self, pid: str) -> bool:
        person = self.people[pid]
        return bool(person["marks"] or person["ratings"] or person["adjustments"])

    def score(self, pid: str) -> Fraction | None:
        """The period-end evaluation of a person who has one."""
        if not self.entered(pid):
            return None
        return total(self.people[pid], compile_engine(self.rules), self.mean_load, self.engine_means)


async def period_end(session: AsyncSession, neighbours: Neighbours, scheme: Scheme, period: Period, caller: Caller,
                     rules: Rules, with_parts: dict[str, list[Part]], *,
                     tuning: CloseTuning = DEFAULT_TUNING) -> PeriodEnd:
    """The period's own inputs; a period-end evaluation begun (some input entered) for a person with
    parts is finished before the period closes (409 naming what is missing)."""
    people = await gather(session, neighbours, scheme, period, caller, rules, year=True, work_mem_mb=tuning.work_mem_mb)
    mean_load = mean_load_of(list(people.values())) if rules.base.kind == "task_load" else Fraction(0)
    # the period-end marks' unit means, among those who have period-end inputs
    means = unit_means_of_compacts([p for p in people.values() if p["marks"] or p["ratings"] or p["adjustments"]],
                                   rules)
    end = PeriodEnd(people, mean_load, means, engine_means(means), rules)
    find = missing_finder(rules, end.engine_means)
    blocked = [(pid, p["unit"], lacking) for pid, p in people.items()
               if find is not None and pid in with_parts and end.entered(pid) and (lacking := find(p))]
    if blocked:
        raise inputs_missing(scheme, period, blocked)
    return end


async def close_built(session: AsyncSession, neighbours: Neighbours, scheme: Scheme, period: Period, caller: Caller,
                      *, reason: str = "close", tuning: CloseTuning = DEFAULT_TUNING) -> CloseRead:
    """Close a built period other than the year (see the module)."""
    version, rules = await rules_of(session, scheme.id)
    build = rules.periods.build_of(period.kind)
    assert build is not None and period.kind != "year"
    kind = build.from_
    parts = await published_parts(session, scheme.id, period, kind)
    if not parts:
        raise NotPublished(f"no {kind} of {period.code} is published under scheme {scheme.id}: publish them first")
    by_person, ungraded = await part_scores(session, parts)
    end = await period_end(session, neighbours, scheme, period, caller, rules, by_person, tuning=tuning)
    share = Fraction(share_of(rules.periods, period.kind, rules.annual.quarter_weight))
    expected = len(period.parts(kind))
    scored: list[Scored] = []
    built: dict[str, tuple[years.AnnualScore, list[Part]]] = {}
    for pid, person in end.people.items():  # in person order
        rows = sorted(by_person.get(pid, []))
        if not rows:
            continue  # joined after the last published part: no result
        part = years.built_score([s for _, _, s, _ in rows], end.score(pid), share=share, parts=expected,
                                 part=kind, whole=period.kind, end_name=f"{period.kind}-end")
        built[pid] = part, rows
        limits = limits_of([(i, n) for i, n in person["negatives"]], part.total, rules)
        scored.append((pid, part.total.numerator, part.total.denominator, limits,
                       [person["metrics"].get(k, (0, 1)) for k in rules.rule.tie_keys]))
    grades, summary = grade_scored(scored, rules, end.mean_load, end.means)
    results = []
    for (pid, *_), (grade, rank, reasons) in zip(scored, grades, strict=True):
        part, rows = built[pid]
        detail: dict[str, Any] = {
            "total": _d(part.total),
            "formula": f"mean of the published {kind}s × their share + {period.kind}-end evaluation × the rest",
            "parts_kind": kind,
            "parts": [{"period": p, "version": v, "score": _d(s), "grade": g} for p, v, s, g in rows],
            "parts_mean": _d(part.quarters_mean), "parts_share": _d(part.quarter_weight),
            "parts_contribution": _d(part.quarters_contribution),
            "period_end": _d(part.year_end), "period_end_weight": _d(part.year_end_weight),
            "period_end_contribution": _d(part.year_end_contribution),
            "period_end_inputs": end.people[pid] if end.entered(pid) else None,
            "ungraded_parts": ungraded.get(pid, []),
            "notes": list(part.notes),
            "grade": {"grade": grade, "rank": rank, "reasons": reasons},
        }
        results.append(PersonResult(pid, end.people[pid]["unit"], part.total, rank, grade, detail))
    summary["parts"] = [{"period": c.period, "version": c.version} for c in parts]
    summary["parts_share"] = decimal_str(share)
    inputs = input_digest(version.definition, end.people, [[c.id.hex, c.result_digest] for c in parts])
    stored_only = {"unit_means": means_to_json(end.means)} if end.means else {}
    return await keep_version(session, scheme.id, period.code, version.version, inputs, results, summary,
                              stored_only, reason=reason, caller=caller)


async def keep_version(session: AsyncSession, scheme_id: uuid.UUID, period: str, scheme_version: int, inputs: str,
                       results: list[PersonResult], summary: dict[str, Any], stored_only: dict[str, Any], *,
                       reason: str, caller: Caller) -> CloseRead:
    """Store ``results`` as the period's next version, or answer the latest one unchanged when it was computed
    from the same inputs under the same scheme version; ``stored_only`` joins the summary of a stored version."""
    latest = await lock_latest(session, scheme_id, period)
    if latest is not None and latest.input_digest == inputs and latest.scheme_version == scheme_version:
        return close_read(latest, unchanged=True)
    summary.update(stored_only)
    close_id = await new_close_id(session)
    close = await store(session, close_id=close_id, scheme_id=scheme_id, period=period,
                        scheme_version=scheme_version, inputs_digest=inputs,
                        rows=RowStream(row_batches(result_rows(results), close_id)), people=len(results),
                        summary=summary, reason=reason, caller=caller, latest=latest)
    return close_read(close, changes=None if latest is None else await changes(session, latest, close))

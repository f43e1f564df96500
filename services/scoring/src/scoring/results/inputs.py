"""Gathering a period's inputs for a close: the records summary of the scheme's people (one call),
the rating sums per person and rater group (one SQL aggregate), marks, bonus and deduction items
and negative-list events, put together person by person.
"""

from __future__ import annotations

import asyncio
import resource
import time
import uuid
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from operator import itemgetter
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from scoring.clients import Neighbours
from scoring.config import CLOSE_WORK_MEM_MB
from scoring.definitions import Rules
from scoring.errors import RoundOpen
from scoring.models import RatingRound, Scheme
from scoring.results import groups as grouping
from scoring.results import round_sums
from scoring.results.engine import Compact, metrics_reader, summary_fields, wanted_metrics
from scoring.results.honours import honour_adjustments, ledger_honours, merge_honours
from scoring.results.round_sums import Sums, rating_sums, trimmed
from scoring.results.stored import driver as stored_driver
from scoring.rounds.service import scope_people
from shared.periods import Period
from shared.service_auth import Caller


class Phases:
    """Seconds spent in each phase of a close, and the process's peak memory when each ended, for
    one log line an operator can read."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.peak_mb: dict[str, int] = {}

    @contextmanager
    def timing(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = round(self.seconds.get(name, 0.0) + time.perf_counter() - started, 3)
            self.peak_mb[name] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024

    async def timed(self, name: str, work: Awaitable[Any]) -> Any:
        with self.timing(name):
            return await work


async def gather(session: AsyncSession, neighbours: Neighbours, scheme: Scheme, period: Period, caller: Caller,
                 rules: Rules, *, year: bool = False, phases: Phases | None = None,
                 work_mem_mb: int = CLOSE_WORK_MEM_MB) -> dict[str, Compact]:
    """Every input of the period for the scheme's people, compact and in person order."""
    phases = phases or Phases()
    people, own, wanted = await gather_parts(session, neighbours, scheme, period, caller, rules, year=year,
                                             phases=phases, work_mem_mb=work_mem_mb)
    with phases.timing("compact"):
        return compacts_of(people, wanted, own, grouping.group_fields(rules))


async def gather_parts(session: AsyncSession, neighbours: Neighbours, scheme: Scheme, period: Period,
                       caller: Caller, rules: Rules, *, year: bool = False, phases: Phases | None = None,
                       work_mem_mb: int = CLOSE_WORK_MEM_MB, round_open: bool = False,
                       keep_sums: bool = False) -> tuple[list[dict[str, Any]], dict[str, Compact], tuple[str, ...]]:
    """The period's inputs for the scheme's people: the records summary's people, this service's
    inputs by person, and the metrics the scheme reads. The records summary is fetched while the
    database aggregates the ratings (in ``work_mem_mb`` of memory), or while the closed round's
    kept sums are read (``round_sums``; made and kept here first if ``keep_sums``, as a close does).
    An open rating round of the period is a 409 unless ``round_open`` (its ballots so far are then
    taken)."""
    round_ = await session.scalar(select(RatingRound).where(RatingRound.scheme_id == scheme.id,
                                                            RatingRound.period == period.code))
    if round_ is not None and round_.status == "open" and not round_open:
        raise RoundOpen(f"close the rating round {round_.id} of {period.code} first")
    phases = phases or Phases()
    wanted = wanted_metrics(rules, year=year)
    fetching = asyncio.create_task(phases.timed("records_summary", scope_people(
        neighbours, scheme, period, caller, fields=(*summary_fields(wanted), *grouping.group_fields(rules)),
        deadlines=rules.deadlines.model_dump())))
    try:
        driver = await stored_driver(session)
        with phases.timing("other_inputs"):
            marks, adjustments, negatives = await _other_inputs(driver, scheme, period)
        ratings: dict[str, dict[str, list[int]]] = {}
        dropped: dict[str, dict[str, int]] = {}
        with phases.timing("ratings"):  # the other inputs put together by person meanwhile, in a thread
            putting = asyncio.create_task(asyncio.to_thread(_own_inputs, {}, marks, adjustments, negatives))
            trim, groups = rules.rater_settings.trim, tuple(rules.rater_weights)
            if round_ is not None and round_.status == "closed" and round_.closed_at is not None:
                ratings = trimmed(*await round_sums.closed_round_sums(
                    driver, round_.id, round_.closed_at, groups, trim, keep=keep_sums, work_mem_mb=work_mem_mb),
                    trim, dropped)
            elif round_ is not None:
                ratings = await _rating_sums(driver, round_.id, groups, work_mem_mb, trim=trim, dropped=dropped)
            own = await putting
        with phases.timing("own_inputs"):  # while records is still summing up, for a province
            for pid, sums in ratings.items():
                entry = own.get(pid)
                if entry is None:
                    own[pid] = entry = {"marks": {}, "ratings": sums, "adjustments": [], "negatives": []}
                else:
                    entry["ratings"] = sums
                if pid in dropped:  # a trimmed group's marks dropped, for the explanation (only where trimmed)
                    entry["trimmed"] = dropped[pid]
        people: list[dict[str, Any]] = await fetching
    finally:
        fetching.cancel()
    honours = await ledger_honours(neighbours, rules, scheme.region_id, period, year=year)  # after: one at a time
    merge_honours(own, honour_adjustments(rules, honours, (p["person_id"] for p in people)))
    return people, own, wanted


async def _rating_sums(driver: Any, round_id: uuid.UUID, groups: tuple[str, ...], work_mem_mb: int, *,
                       trim: frozenset[str] = frozenset(),
                       dropped: dict[str, dict[str, int]] | None = None) -> Sums:
    """The round's ratings as a close takes them (``round_sums.rating_sums``, then ``trimmed``)."""
    sums, extremes = await rating_sums(driver, round_id, groups, work_mem_mb, trim=trim)
    return trimmed(sums, extremes, trim, {} if dropped is None else dropped)


async def _other_inputs(driver: Any, scheme: Scheme, period: Period) -> tuple[
        dict[str, dict[str, int]], dict[str, list[list[Any]]], dict[str, list[list[str]]]]:
    """The period's marks, bonus and deduction items, and negative-list events (not voided ones), by person."""
    marks: dict[str, dict[str, int]] = {}
    for pid, indicator, mark in await driver.fetch(
            "SELECT person_id::text, indicator, (mark * 100)::int FROM marks WHERE scheme_id = $1 AND period = $2 "
            "ORDER BY marks.person_id", scheme.id, period.code):
        marks.setdefault(pid, {})[indicator] = mark
    adjustments: dict[str, list[list[Any]]] = {}
    for pid, item, points, evidence, approved_by in await driver.fetch(
            "SELECT person_id::text, item, (points * 100)::int, evidence, approved_by FROM adjustments "
            "WHERE scheme_id = $1 AND period = $2 AND voided_at IS NULL ORDER BY 1, 2, 3, 4, 5",
            scheme.id, period.code):
        adjustments.setdefault(pid, []).append([item, points, evidence, approved_by])
    negatives: dict[str, list[list[str]]] = {}
    for pid, item, note in await driver.fetch(
            "SELECT person_id::text, item, note FROM negative_events WHERE scheme_id = $1 AND period = $2 "
            "AND voided_at IS NULL ORDER BY 1, 2, 3", scheme.id, period.code):
        negatives.setdefault(pid, []).append([item, note])
    return marks, adjustments, negatives


def _own_inputs(ratings: dict[str, dict[str, list[int]]], marks: dict[str, dict[str, int]],
                adjustments: dict[str, list[list[Any]]], negatives: dict[str, list[list[str]]]) -> dict[str, Compact]:
    """Each person's inputs from this service (rating sums, marks, items, negative events), by person."""
    own: dict[str, Compact] = {}
    for source in (ratings, marks, adjustments, negatives):
        for pid in source:
            if pid not in own:
                own[pid] = {"marks": marks.get(pid) or {}, "ratings": ratings.get(pid) or {},
                            "adjustments": adjustments.get(pid) or [], "negatives": negatives.get(pid) or []}
    return own


def compacts_of(people: list[dict[str, Any]], wanted: tuple[str, ...], own: dict[str, Compact],
                extra: tuple[str, ...] = ()) -> dict[str, Compact]:
    """Every person's inputs as the close sees them, in person id order: integers only (see
    ``engine``; their JSON is written with the keys sorted, so the order they are made in is free);
    with the summary's ``extra`` fields (a post or staff category the scheme compares within)."""
    metrics = metrics_reader(wanted)
    people.sort(key=itemgetter("person_id"))
    out = {}
    for person in people:
        pid = person["person_id"]
        inputs = own.get(pid)
        if inputs is None:
            inputs = {"marks": {}, "ratings": {}, "adjustments": [], "negatives": []}
        inputs["unit"], inputs["section"], inputs["metrics"] = person["unit_id"], person["section_id"], metrics(person)
        if "section_name" in person:  # asked for a base by section only (the others' inputs are unchanged)
            inputs["section_name"] = person["section_name"]
        for name in extra:
            inputs[name] = person.get(name)
        out[pid] = inputs
    return out

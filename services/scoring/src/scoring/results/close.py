"""Closing a period: one path from its inputs to a stored version.

A quarter: gather the inputs (``inputs``) → work out what every part needs from everyone
(``parts.Shared``) → compute each part's people (``parts.compute_part``: one after another here, or
by several workers at once in a job, ``jobs``) → grade everyone and store the version with its
digests (``finish``). A longer period is built from its published parts (``built``, ``year``).
If the inputs are those of the latest version, nothing new is made and that version is returned,
so a re-close gives byte-identical results.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from scoring.clients import Neighbours
from scoring.config import DEFAULT_TUNING, CloseTuning
from scoring.corrections import history
from scoring.definitions import Rules
from scoring.errors import PeriodNotClosed
from scoring.models import Close, Scheme, SchemeVersion
from scoring.results import groups as grouping
from scoring.results import parts as partition
from scoring.results.built import close_built
from scoring.results.digests import digest_of
from scoring.results.engine import Compact, engine_means, mean_load_of_summary, unit_means_of_summary
from scoring.results.inputs import Phases, gather_parts
from scoring.results.quarter import inputs_missing
from scoring.results.rows import RowStream
from scoring.results.schemas import CloseRead
from scoring.results.stored import changes, close_read, latest_close, lock_latest, new_close_id, store
from scoring.results.year import close_year
from scoring.schemes.review import require_approved
from scoring.schemes.service import rules_of
from shared.periods import Period
from shared.service_auth import Caller

logger = logging.getLogger("scoring.close")


def shared_of(people: list[dict[str, Any]], own: dict[str, Compact], wanted: tuple[str, ...],
              rules: Rules) -> partition.Shared:
    """What every part needs from everyone: the mean task load and the unit means."""
    mean_load = mean_load_of_summary(people) if rules.base.kind == "task_load" else Fraction(0)
    means = unit_means_of_summary(people, own, rules)
    return partition.Shared(wanted, grouping.group_fields(rules), mean_load, engine_means(means), means)


@dataclass
class Gathered:
    """A quarter's inputs, gathered and cut into parts, with what every part needs from everyone."""

    version: SchemeVersion
    rules: Rules
    shared: partition.Shared
    given: list[partition.PartInputs]
    phases: Phases

    @property
    def people(self) -> int:
        return sum(len(part.people) for part in self.given)


async def gather_quarter(session: AsyncSession, neighbours: Neighbours, scheme: Scheme, period: Period,
                         caller: Caller, *, tuning: CloseTuning = DEFAULT_TUNING) -> Gathered:
    phases = Phases()
    version, rules = await rules_of(session, scheme.id)
    with phases.timing("gather"):
        people, own, wanted = await gather_parts(session, neighbours, scheme, period, caller, rules, phases=phases,
                                                 work_mem_mb=tuning.work_mem_mb, keep_sums=True)
        shared = shared_of(people, own, wanted, rules)
    return Gathered(version, rules, shared, partition.plan(people, own, tuning.part_people), phases)


def computed_here(gathered: Gathered) -> list[partition.Part]:
    """The parts one after another in this process."""
    with gathered.phases.timing("parts"):
        return [partition.compute_part(part, gathered.rules, gathered.shared) for part in gathered.given]


async def close_quarter(session: AsyncSession, neighbours: Neighbours, scheme: Scheme, period: Period,
                        caller: Caller, *, reason: str = "close", tuning: CloseTuning = DEFAULT_TUNING) -> CloseRead:
    """A quarter closed within this process (a large one is a job: ``scoring.results.jobs``)."""
    gathered = await gather_quarter(session, neighbours, scheme, period, caller, tuning=tuning)
    parts = computed_here(gathered)
    return await finish(session, scheme, period, caller, gathered.version, gathered.rules, gathered.shared, parts,
                        reason=reason, phases=gathered.phases)


def staged(gathered: Gathered) -> tuple[list[partition.Staged], list[dict[str, Compact]], str]:
    """The parts as workers are given them, their people's compact inputs, and the input digest over them."""
    with gathered.phases.timing("stage"):
        both = [partition.staged_of(part, gathered.shared) for part in gathered.given]
        given = [staged for staged, _ in both]
        return given, [compacts for _, compacts in both], digest_of(gathered.version.definition,
                                                                    [part.inputs for part in given])


async def unchanged(session: AsyncSession, scheme: Scheme, period: Period, version: SchemeVersion, digest_: str,
                    phases: Phases) -> CloseRead | None:
    """The latest version, if its inputs are these (found before any part is computed: a re-close
    with nothing changed answers at once)."""
    latest = await latest_close(session, scheme.id, period.code)
    if latest is None or latest.input_digest != digest_ or latest.scheme_version != version.version:
        return None
    _log_close(scheme, period, latest, phases, unchanged=True)
    return close_read(latest, unchanged=True)


async def finish(session: AsyncSession, scheme: Scheme, period: Period, caller: Caller, version: SchemeVersion,
                 rules: Rules, shared: partition.Shared, parts: list[partition.Part], *, reason: str,
                 phases: Phases | None = None, digest_: str | None = None) -> CloseRead:
    """The close's parts put together: the input digest over them in order (``digest_``, if it was taken
    where they were staged); unless unchanged, everyone graded in one step and the version stored (by
    COPY) with its result digest, in the caller's transaction (nothing of it is seen before that commits)."""
    phases = phases or Phases()
    parts = sorted(parts, key=lambda p: p.number)
    digest_ = digest_ or digest_of(version.definition, [part.inputs for part in parts])
    blocked = partition.blocked_of(parts)
    if blocked:
        raise inputs_missing(scheme, period, blocked)
    latest = await lock_latest(session, scheme.id, period.code)
    if latest is not None and latest.input_digest == digest_ and latest.scheme_version == version.version:
        _log_close(scheme, period, latest, phases, unchanged=True)
        return close_read(latest, unchanged=True)
    with phases.timing("grade"):
        grades, summary = partition.grade(parts, rules, shared.mean_load, shared.unit_means)
    with phases.timing("store"):
        close_id = await new_close_id(session)
        close = await store(session, close_id=close_id, scheme_id=scheme.id, period=period.code,
                            scheme_version=version.version, inputs_digest=digest_,
                            rows=RowStream(partition.rows(parts, grades, close_id)),
                            people=sum(part.people for part in parts), summary=summary, reason=reason,
                            caller=caller, latest=latest)
    with phases.timing("changes"):
        found = None if latest is None else await changes(session, latest, close)
    _log_close(scheme, period, close, phases, unchanged=False)
    return close_read(close, changes=found)


def _log_close(scheme: Scheme, period: Period, close: Close, phases: Phases, *, unchanged: bool) -> None:
    logger.info("closed %s of scheme %s: version %s, %s people%s", period.code, scheme.id, close.version,
                close.people, " (inputs unchanged)" if unchanged else "",
                extra={"scheme_id": str(scheme.id), "period": period.code, "version": close.version,
                       "people": close.people, "unchanged": unchanged, "seconds": phases.seconds,
                       "peak_rss_mb": phases.peak_mb})


def log_staged(scheme: Scheme, period: Period, people: int, parts: int, phases: Phases) -> None:
    """A close's inputs gathered and staged for its parts (the version's own line follows when it is stored)."""
    logger.info("staged %s of scheme %s: %s people in %s parts", period.code, scheme.id, people, parts,
                extra={"scheme_id": str(scheme.id), "period": period.code, "people": people, "parts": parts,
                       "staged": True, "seconds": phases.seconds, "peak_rss_mb": phases.peak_mb})


@dataclass(frozen=True)
class Begun:
    """A close allowed to begin: the scheme's rules, how the period is built (None: from its own
    inputs), and the period's input serial and the time, read before its inputs are."""

    version: SchemeVersion
    rules: Rules
    build: Any
    seen: int
    checked_at: datetime


async def begin(session: AsyncSession, scheme: Scheme, period: Period) -> Begun:
    """Whether the period may be closed: the scheme approved, and closing periods of its kind
    (``periods.closes``, else 409)."""
    version, rules = await rules_of(session, scheme.id)
    await require_approved(session, scheme, version)
    if period.kind not in rules.periods.closes:
        raise PeriodNotClosed(f"scheme {scheme.id} does not close {period.kind}s ({period.code}); it closes "
                              f"{', '.join(rules.periods.closes)} (the scheme's periods.closes)")
    seen, checked_at = await history.current_serial(session, scheme.id, period.code)  # before the inputs are read
    return Begun(version, rules, rules.periods.build_of(period.kind), seen, checked_at)


async def end(session: AsyncSession, closed: CloseRead, seen: int, checked_at: datetime) -> CloseRead:
    """A close's version noted with the input serial it was computed at."""
    await history.note_close(session, closed.id, seen, checked_at)
    # just computed from records as they were: nothing of records' is newer (records is not asked)
    return (await history.stale_one(session, closed)).model_copy(update={"records_changed_since": 0})


async def close_period(session: AsyncSession, neighbours: Neighbours, scheme: Scheme, period: Period,
                       caller: Caller, *, reason: str = "close", tuning: CloseTuning = DEFAULT_TUNING) -> CloseRead:
    """Close a period of a kind the scheme closes: from its own range's inputs, as a quarter, or
    built from its parts (``periods.build``: the year, a half year)."""
    begun = await begin(session, scheme, period)
    if begun.build is None:
        closed = await close_quarter(session, neighbours, scheme, period, caller, reason=reason, tuning=tuning)
    elif period.kind == "year":
        closed = await close_year(session, neighbours, scheme, period, caller, reason=reason, tuning=tuning)
    else:
        closed = await close_built(session, neighbours, scheme, period, caller, reason=reason, tuning=tuning)
    return await end(session, closed, begun.seen, begun.checked_at)

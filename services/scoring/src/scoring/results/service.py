"""Closing a period, its result versions, explanations, publication and objections.

A close gathers the period's inputs — the records summary of the scheme's people (one call), the
rating sums per person and rater group (one SQL aggregate), marks, bonus and deduction items,
negative-list events — computes every result and stores them as a new immutable version. If the
inputs are those of the latest version, nothing new is made and that version is returned, so a
re-close gives byte-identical results. Publishing stamps a version; a newer published version
supersedes an older one (an accepted objection publishes one).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import resource
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import Select, and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from scoring import events
from scoring.clients import Neighbours
from scoring.config import CLOSE_WORK_MEM_MB, DEFAULT_TUNING, CloseTuning
from scoring.corrections import history
from scoring.definitions import Rules
from scoring.domain import raters as rating_rules
from scoring.errors import (
    AlreadyPublished,
    InputInvalid,
    InputsMissing,
    ObjectionClosed,
    PeriodNotClosed,
    ResultNotFound,
    RoundOpen,
)
from scoring.models import CHANGES, Close, Objection, RatingRound, Result, Scheme, SchemeVersion
from scoring.results import groups as grouping
from scoring.results import masking, ranks, sentences
from scoring.results.compute import (
    NO_LIMITS,
    Leftovers,
    PersonResult,
    canonical,
    collector_paused,
    compose_person,
    limits_of,
)
from scoring.results.engine import (
    Compact,
    EngineMeans,
    Missing,
    compile_engine,
    engine_means,
    mean_load_of,
    mean_load_of_summary,
    means_from_json,
    means_to_json,
    metrics_reader,
    missing_finder,
    summary_fields,
    to_reference,
    totaller,
    unit_means_of_compacts,
    unit_means_of_summary,
    wanted_metrics,
)
from scoring.results.halves import BATCH, Json, RowBatch, RowStream, split
from scoring.results.honours import honour_adjustments, ledger_honours, merge_honours
from scoring.results.ranking import Grade, Graded, Scored, grades_within
from scoring.results.ranks import without_rank
from scoring.results.schemas import CloseRead, Explanation, ObjectionCreate, PersonChange, ResultRead, ReviewIn
from scoring.rounds.service import scope_people
from scoring.schemes.review import require_approved
from scoring.schemes.service import rules_at, rules_of
from scoring.scope import (
    Scope,
    close_or_404,
    objection_or_404,
    objections,
    own_close_or_404,
    scheme_for_person_or_404,
    scheme_or_404,
)
from shared import change_feed
from shared.business_time import business_today
from shared.errors import Conflict
from shared.i18n import lang_var
from shared.numbers import decimal_str, ratio_str
from shared.pagination import Key, PageQuery
from shared.periods import Period, parse_period
from shared.service_auth import Caller

logger = logging.getLogger("scoring.close")


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


def score_str(value: Decimal | None) -> str | None:
    return None if value is None else decimal_str(Fraction(value))


def close_read(close: Close, **extra: Any) -> CloseRead:
    return CloseRead(id=close.id, scheme_id=close.scheme_id, period=close.period, version=close.version,
                     scheme_version=close.scheme_version, input_digest=close.input_digest,
                     result_digest=close.result_digest, people=close.people, summary=close.summary,
                     reason=close.reason, created_at=close.created_at, created_by=close.created_by,
                     published_at=close.published_at, published_by=close.published_by, **extra)


async def latest_close(session: AsyncSession, scheme_id: uuid.UUID, period: str, *,
                  published: bool = False) -> Close | None:
    query = select(Close).where(Close.scheme_id == scheme_id, Close.period == period)
    if published:
        query = query.where(Close.published_at.is_not(None))
    result: Close | None = await session.scalar(query.order_by(Close.version.desc()).limit(1))
    return result


async def _driver(session: AsyncSession) -> Any:
    connection = await session.connection()
    driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None
    return driver


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
                       work_mem_mb: int = CLOSE_WORK_MEM_MB,
                       round_open: bool = False) -> tuple[list[dict[str, Any]], dict[str, Compact], tuple[str, ...]]:
    """The period's inputs for the scheme's people: the records summary's people, this service's
    inputs by person, and the metrics the scheme reads. The records summary is fetched while the
    database aggregates the ratings (in ``work_mem_mb`` of memory). An open rating round of the
    period is a 409 unless ``round_open`` (its ballots so far are then taken)."""
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
        driver = await _driver(session)
        with phases.timing("other_inputs"):
            marks, adjustments, negatives = await _other_inputs(driver, scheme, period)
        ratings: dict[str, dict[str, list[int]]] = {}
        dropped: dict[str, dict[str, int]] = {}
        with phases.timing("ratings"):  # the other inputs put together by person meanwhile, in a thread
            putting = asyncio.create_task(asyncio.to_thread(_own_inputs, {}, marks, adjustments, negatives))
            if round_ is not None:
                ratings = await _rating_sums(driver, round_.id, tuple(rules.rater_weights), work_mem_mb,
                                             trim=rules.rater_settings.trim, dropped=dropped)
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
                       dropped: dict[str, dict[str, int]] | None = None) -> dict[str, dict[str, list[int]]]:
    """The round's ratings summed in one scan: person → rater group → [sum in hundredths, raters].

    One row per person, a pair of columns per rater group of the scheme (and a count of ratings
    in any other group: if there are any, as when the scheme's groups changed after the round was
    opened, the sums are made per person and group instead, so that every group is kept). In one
    process with its hash table in memory: records is summarising at the same time, and parallel
    workers would only compete with it for the cores and spill (a province: 4.3 CPU-seconds so,
    6.3-7.1 with the defaults). In person order, as all a close's inputs: each person's objects are
    then made near each other in memory, in the order the close reads them (at random, a
    province's inputs took twice as long to work).

    A group in ``trim`` is summed without one highest and one lowest mark where at least three
    rated the person (``raters.trimmed``); how many marks were dropped is put in ``dropped``
    (person → group → 2 or 0).
    """
    await driver.execute("SELECT set_config('work_mem', $1, true), "
                         "set_config('max_parallel_workers_per_gather', '0', true)", f"{work_mem_mb}MB")
    ratings: dict[str, dict[str, list[int]]] = {}
    dropped = {} if dropped is None else dropped

    def keep(pid: str, group: str, total: int, raters: int, highest: int, lowest: int) -> list[int]:
        if group not in trim:
            return [total, raters]
        total, raters, left_out = rating_rules.trimmed(total, raters, highest, lowest)
        dropped.setdefault(pid, {})[group] = left_out
        return [total, raters]

    if groups:
        columns = ", ".join(f"(sum(mark) FILTER (WHERE rater_group = ${i + 3}) * 100)::bigint, "
                            f"(count(*) FILTER (WHERE rater_group = ${i + 3}))::int" for i in range(len(groups)))
        extremes = "".join(f", (max(mark) FILTER (WHERE rater_group = ${i + 3}) * 100)::bigint, "
                           f"(min(mark) FILTER (WHERE rater_group = ${i + 3}) * 100)::bigint"
                           for i, group in enumerate(groups) if group in trim)
        rows = await driver.fetch(  # the groups are parameters: only their number shapes the text
            f"SELECT person_id::text, count(*) FILTER (WHERE rater_group <> ALL($2::text[])), {columns}{extremes} "  # noqa: S608
            "FROM ratings WHERE round_id = $1 GROUP BY ratings.person_id ORDER BY ratings.person_id",
            round_id, list(groups), *groups)
        trimmed_at = iter(range(2 + 2 * len(groups), 2 + 2 * len(groups) + 2 * len(trim & set(groups)), 2))
        at = tuple((group, 2 + 2 * i, 3 + 2 * i, next(trimmed_at) if group in trim else 0)
                   for i, group in enumerate(groups))
        for row in rows:
            if row[1]:
                break
            sums = {}
            for group, total, count, extreme in at:
                raters = row[count]
                if raters:
                    sums[group] = (keep(row[0], group, row[total], raters, row[extreme], row[extreme + 1]) if extreme
                                   else [row[total], raters])
            ratings[row[0]] = sums
        else:
            return ratings
        ratings = {}
        dropped.clear()
    for pid, group, total_marks, raters, highest, lowest in await driver.fetch(
            "SELECT person_id::text, g, s, c, hi, lo FROM (SELECT person_id, rater_group AS g, "
            "(sum(mark) * 100)::bigint AS s, count(*)::int AS c, (max(mark) * 100)::bigint AS hi, "
            "(min(mark) * 100)::bigint AS lo FROM ratings WHERE round_id = $1 "
            "GROUP BY 1, 2) AS sums ORDER BY sums.person_id, g", round_id):
        ratings.setdefault(pid, {})[group] = keep(pid, group, total_marks, raters, highest, lowest)
    return ratings


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


def inputs_bytes(people: dict[str, Compact], keep: dict[str, Json] | None = None) -> bytearray:
    """What the input digest takes of these people: each id and the canonical JSON of their
    compact inputs, in order (that JSON also put in ``keep``, if given, for the stored details:
    slices of these bytes, not copies)."""
    dumps, sort = orjson.dumps, orjson.OPT_SORT_KEYS
    blob = bytearray()
    # Each JSON is appended at once and let go: orjson's result keeps the ~4 KB buffer it was
    # written into (200,000 of them held 750 MB more at the peak of a province's close).
    spans = []
    for pid, inputs in people.items():
        blob += pid.encode()
        start = len(blob)
        blob += dumps(inputs, option=sort)
        spans.append((pid, start, len(blob)))
    if keep is not None:
        view = memoryview(blob)
        for pid, start, end in spans:
            keep[pid] = view[start:end]
    return blob


def digest_of(definition: dict[str, Any], parts: Iterable[bytes | bytearray], *extra: Any) -> str:
    """The input digest: the scheme version, anything else the results depend on, and the people's
    ``inputs_bytes`` in person order."""
    h = hashlib.sha256(canonical({"definition": definition, "extra": list(extra)}))
    for part in parts:
        h.update(part)
    return h.hexdigest()


def input_digest(definition: dict[str, Any], people: dict[str, Compact], *extra: Any,
                 keep: dict[str, Json] | None = None) -> str:
    """What the results depend on: the scheme version and every person's compact inputs (their
    canonical JSON also put in ``keep``, if given, for the stored details)."""
    return digest_of(definition, [inputs_bytes(people, keep)], *extra)


#: One stored result as the close writes it: person, unit, score as text, rank, grade, detail JSON.
Row = tuple[str, str | None, str, int | None, str | None, bytes]


def quarter_results(people: dict[str, Compact], rules: Rules) -> tuple[list[Scored], Graded, dict[str, Any]]:
    """Every person's exact total (the integer engine) and limits, in person order; their grades;
    the close's summary."""
    mean_load = mean_load_of(list(people.values())) if rules.base.kind == "task_load" else Fraction(0)
    means = unit_means_of_compacts(people.values(), rules)
    items = people
    if any(a >= b for a, b in pairwise(people)):  # a close's come in person order
        items = dict(sorted(people.items()))
    scored = score_people(items, rules, mean_load, engine_means(means))
    grades, summary = grade_scored(scored, rules, mean_load, means,
                                   grouping.keys_of_inputs(items, rules.compare_within))
    return scored, {s[0]: g for s, g in zip(scored, grades, strict=True)}, summary


#: Who a close cannot grade yet: each person, their unit and the leaves they lack (see ``missing_finder``).
Blocked = list[tuple[str, str | None, list[Missing]]]


def score_people(people: dict[str, Compact], rules: Rules, mean_load: Fraction, means: EngineMeans | None = None,
                 blocked: Blocked | None = None) -> list[Scored]:
    """Each person's exact total (the integer engine), limits and tie-break values, in the order
    given; those who lack an input their scheme will not score without are put in ``blocked``."""
    tie_keys = rules.rule.tie_keys
    thresholds = [(below.numerator, below.denominator) for _, below in rules.thresholds]
    no_tie = (0, 1)
    scored: list[Scored] = []
    append = scored.append
    total = totaller(compile_engine(rules), mean_load, means)
    find = missing_finder(rules, means) if blocked is not None else None
    for pid, inputs in people.items():
        if find is not None:
            lacking = find(inputs)
            if lacking:
                assert blocked is not None
                blocked.append((pid, inputs["unit"], lacking))
        num, den = total(inputs)
        negatives = inputs["negatives"]
        limited = bool(negatives)
        if not limited:
            for n, d in thresholds:
                if num * d < n * den:
                    limited = True
                    break
        limits = limits_of([(i, n) for i, n in negatives], Fraction(num, den), rules) if limited else NO_LIMITS
        metrics = inputs["metrics"]
        append((pid, num, den, limits, [metrics.get(k, no_tie) for k in tie_keys]))
    return scored


def grade_scored(scored: list[Scored], rules: Rules, mean_load: Fraction,
                 means: dict[str, dict[str, tuple[Fraction, int]]] | None = None,
                 groups: dict[str, grouping.GroupKey] | None = None) -> tuple[list[Grade], dict[str, Any]]:
    """Everyone's grade in the order of ``scored`` (person order), and the close's summary (with
    the unit means a unit_mean leaf was scored by, if any; and the groups, if the scheme compares
    people within groups: ``groups`` gives each one's)."""
    within = rules.compare_within
    grades, slots, graded, by_group = grades_within(scored, rules.rule, within, groups or {})
    given = Counter(map(itemgetter(0), grades))
    counts: dict[str, int] = {g: given.pop(g, 0) for g in rules.rule.order}
    counts.update((grade or "not_graded", n) for grade, n in given.items())  # None: not graded
    summary = {"grades": counts, "graded": graded, "slots": slots, "mean_task_load": str(mean_load),
               "rule": {"caps": {c.grade: decimal_str(c.max_share) for c in rules.rule.caps},
                        "rounding": rules.rule.rounding, "tie_at_cap": rules.rule.tie_at_cap}}
    if means:
        summary["unit_means"] = means_to_json(means)
    if by_group is not None:
        summary.update(compare_within=list(within), groups=by_group)
    return grades, summary


def quarter_rows(people: dict[str, Compact], scored: Iterable[Scored], grades: Iterable[Grade],
                 inputs_json: dict[str, Json] | None = None) -> Iterator[Row]:
    """The stored rows, one by one as the COPY takes them (``grades`` in the order of ``scored``).
    The detail is canonical JSON (keys
    sorted: grade, inputs, limits, total), written here piece by piece: the inputs' canonical JSON
    from the input digest (``inputs_json``) spliced in rather than written again."""
    dumps, sort = orjson.dumps, orjson.OPT_SORT_KEYS
    for (pid, num, den, limits, _), (grade, rank, reasons) in zip(scored, grades, strict=True):
        total = ratio_str(num, den)
        inputs = people[pid]
        raw = dumps(inputs, option=sort) if inputs_json is None else inputs_json[pid]
        detail = b"".join((b'{"grade":', dumps({"grade": grade, "rank": rank, "reasons": reasons}),
                           b',"inputs":', raw, b',"limits":',
                           dumps(limits.listed, option=sort) if limits.listed else b"[]",
                           b',"total":"', total.encode(), b'"}'))
        yield pid, inputs["unit"], total, rank, grade, detail


def row_batches(rows: Iterable[Row], close_id: uuid.UUID, size: int = BATCH) -> Iterator[RowBatch]:
    """The rows in batches, each as the bytes of it the result digest takes (each row's
    ``[person, unit, score, rank, grade]`` as JSON, then its detail) and as lines of PostgreSQL's
    COPY text format (a row's fields tab-separated, a backslash doubled, ``\\N`` for none), so
    that whichever process makes them, the service only passes them on to the database."""
    dumps = orjson.dumps
    prefix = str(close_id).encode() + b"\t"
    hashed: list[bytes] = []
    lines: list[bytes] = []
    for person_id, unit_id, score, rank, grade, detail in rows:
        hashed.append(dumps([person_id, unit_id, score, rank, grade]))
        hashed.append(detail)
        lines.append(b"%b%b\t%b\t%b\t%b\t%b\t%b\n" % (
            prefix, _copy_text(person_id), _NONE if unit_id is None else _copy_text(unit_id), _copy_text(score),
            _NONE if rank is None else b"%d" % rank, _NONE if grade is None else _copy_text(grade),
            detail.replace(b"\\", b"\\\\")))
        if len(lines) == size:
            yield b"".join(hashed), b"".join(lines)
            hashed, lines = [], []
    if lines:
        yield b"".join(hashed), b"".join(lines)


_NONE = b"\\N"
_COPY_ESCAPES = {ord("\\"): "\\\\", ord("\t"): "\\t", ord("\n"): "\\n", ord("\r"): "\\r"}


def _copy_text(value: str) -> bytes:
    """A text field in COPY's text format (ids, scores and grade codes need no escape, but may)."""
    if value.isprintable() and "\\" not in value:
        return value.encode()
    return value.translate(_COPY_ESCAPES).encode()


def result_rows(results: Iterable[PersonResult]) -> Iterator[Row]:
    """The stored rows of results composed whole (a year's): the detail as canonical JSON."""
    for r in results:
        yield (r.person_id, r.unit_id, decimal_str(r.score), r.rank, r.grade,
               orjson.dumps(r.detail, option=orjson.OPT_SORT_KEYS))


async def store(session: AsyncSession, *, close_id: uuid.UUID, scheme_id: uuid.UUID, period: str,
                scheme_version: int, inputs_digest: str, rows: RowStream, people: int,
                summary: dict[str, Any], reason: str, caller: Caller, latest: Close | None) -> Close:
    """A new version, numbered after ``latest`` (the caller holds the scheme's row lock). The rows
    are hashed as they stream into the COPY, so the database stores them while the next are made;
    the version gets its result digest at the end (its row comes first: the results' trigger looks
    for it; a constraint trigger refuses a commit that leaves it without its digest). ``rows``
    are made for ``close_id``."""
    close = Close(id=close_id, scheme_id=scheme_id, period=period, version=(latest.version + 1) if latest else 1,
                  scheme_version=scheme_version, input_digest=inputs_digest, result_digest=None,
                  people=people, summary=summary, reason=reason, created_by=caller.subject)
    session.add(close)
    await session.flush()
    if people:
        await (await _driver(session)).copy_to_table(
            "results", columns=("close_id", "person_id", "unit_id", "score", "rank", "grade", "detail"),
            source=rows.lines(), format="text")
    await session.execute(update(Close).where(Close.id == close_id).values(result_digest=rows.hexdigest()))
    await session.refresh(close)
    return close


async def new_close_id(session: AsyncSession) -> uuid.UUID:
    """A new version's id: time-ordered (UUIDv7), so a version's results go in at the end of the
    results' index rather than into the middle of it (a tenth less time to store a province's)."""
    value = await session.scalar(select(func.uuidv7()))
    assert isinstance(value, uuid.UUID)
    return value


async def lock_latest(session: AsyncSession, scheme_id: uuid.UUID, period: str) -> Close | None:
    """The latest version, under the scheme's row lock: closes and publications of one scheme queue."""
    await session.execute(select(Scheme.id).where(Scheme.id == scheme_id).with_for_update())
    return await latest_close(session, scheme_id, period)


async def changes(session: AsyncSession, before: Close, after: Close) -> list[PersonChange]:
    """Everyone whose score or grade differs between two versions (or who is in only one), by
    person id; the database compares the versions and sends only the differences."""
    rows = await (await _driver(session)).fetch(
        "SELECT coalesce(b.person_id, a.person_id), b.score, a.score, b.grade, a.grade "
        "FROM (SELECT person_id, score, grade FROM results WHERE close_id = $1) AS b "
        "FULL JOIN (SELECT person_id, score, grade FROM results WHERE close_id = $2) AS a "
        "ON a.person_id = b.person_id "
        "WHERE b.person_id IS NULL OR a.person_id IS NULL "
        "OR (b.score, b.grade) IS DISTINCT FROM (a.score, a.grade) ORDER BY 1::text COLLATE \"C\"", before.id, after.id)
    return [PersonChange(person_id=person_id, score=[score_str(old), score_str(new)], grade=[old_grade, new_grade])
            for person_id, old, new, old_grade, new_grade in rows]


async def close_quarter(session: AsyncSession, neighbours: Neighbours, scheme: Scheme, period: Period,
                        caller: Caller, *, reason: str = "close", tuning: CloseTuning = DEFAULT_TUNING,
                        leftovers: Leftovers | None = None) -> CloseRead:
    phases = Phases()
    version, rules = await rules_of(session, scheme.id)
    with phases.timing("gather"):
        people, own, wanted = await gather_parts(session, neighbours, scheme, period, caller, rules, phases=phases,
                                                 work_mem_mb=tuning.work_mem_mb)
    with phases.timing("inputs"):  # compact inputs, their bytes for the digest, totals: by halves at once
        mean_load = mean_load_of_summary(people) if rules.base.kind == "task_load" else Fraction(0)
        means = unit_means_of_summary(people, own, rules)
        first, second = split(people, own, wanted, rules, mean_load, engine_means(means), at=tuning.split_people)
    leftovers = leftovers or Leftovers()
    leftovers.keep(people, own, first, second)
    try:
        with phases.timing("inputs"):
            parts = [first.inputs()]
            if second is not None:
                with phases.timing("inputs_wait"):  # for the forked half, once this one's is done
                    parts.append(second.inputs())
            digest_ = digest_of(version.definition, [blob for blob, _, _ in parts])
            scored = [s for _, some, _ in parts for s in some]
            leftovers.keep(parts, scored)
        blocked = [b for _, _, some in parts for b in some]
        if blocked:
            raise inputs_missing(scheme, period, blocked)
        latest = await lock_latest(session, scheme.id, period.code)
        if latest is not None and latest.input_digest == digest_ and latest.scheme_version == version.version:
            _log_close(scheme, period, latest, phases, unchanged=True)
            return close_read(latest, unchanged=True)
        with phases.timing("grade"):
            grades, summary = grade_scored(scored, rules, mean_load, means,
                                           grouping.keys_of_summary(people, rules.compare_within))
            leftovers.keep(grades)
        with phases.timing("store"):  # the second half's rows are made (elsewhere) while the first's are
            close_id = await new_close_id(session)
            split_at = len(parts[0][1])
            rows = RowStream(first.rows(close_id, grades[:split_at]),
                             None if second is None else second.rows(close_id, grades[split_at:]))
            close = await store(session, close_id=close_id, scheme_id=scheme.id, period=period.code,
                                scheme_version=version.version, inputs_digest=digest_, rows=rows,
                                people=len(scored), summary=summary, reason=reason, caller=caller, latest=latest)
    finally:
        if second is not None:
            second.stop()
    with phases.timing("changes"):
        found = None if latest is None else await changes(session, latest, close)
    _log_close(scheme, period, close, phases, unchanged=False)
    return close_read(close, changes=found)


#: How many of the people and leaves missing a refused close lists (the readiness lists them all).
MISSING_LISTED = 1000


def inputs_missing(scheme: Scheme, period: Period, blocked: Blocked) -> InputsMissing:
    """The 409 of a close refused for missing inputs: every person and leaf missing (the first
    ``MISSING_LISTED`` of them, and how many in all), and where to find them all."""
    rows = [{"person_id": pid, "unit_id": unit, **entry} for pid, unit, lacking in blocked for entry in lacking]
    where = f"/api/v1/scoring/schemes/{scheme.id}/periods/{period.code}/readiness"
    return InputsMissing(
        f"{len(blocked)} {'person lacks' if len(blocked) == 1 else 'people lack'} an input the scheme does not "
        f"score without ({len(rows)} in all): mark them, or set the indicator's missing-input policy; "
        f"see {where}", extra={"missing": rows[:MISSING_LISTED], "missing_total": len(rows),
                               "people_missing": len(blocked), "readiness": where})


def _log_close(scheme: Scheme, period: Period, close: Close, phases: Phases, *, unchanged: bool) -> None:
    logger.info("closed %s of scheme %s: version %s, %s people%s", period.code, scheme.id, close.version,
                close.people, " (inputs unchanged)" if unchanged else "",
                extra={"scheme_id": str(scheme.id), "period": period.code, "version": close.version,
                       "people": close.people, "unchanged": unchanged, "seconds": phases.seconds,
                       "peak_rss_mb": phases.peak_mb})


async def find_close(session: AsyncSession, scheme: Scheme, period: str, version: int | None, scope: Scope,
                     *, person_id: uuid.UUID | None = None) -> Close:
    """The version asked for; by default the latest, or for a person looking at themself the latest published."""
    manages = scope.manages(scheme)
    own = person_id is not None and scope.caller.is_person(person_id) and not manages
    if version is not None:
        close = await session.scalar(select(Close).where(Close.scheme_id == scheme.id, Close.period == period,
                                                         Close.version == version))
        if close is not None and own and close.published_at is None:
            close = None
    else:
        close = await latest_close(session, scheme.id, period, published=own or not manages)
    if close is None:
        raise ResultNotFound(f"no {'published ' if own else ''}result of {period} under scheme {scheme.id}")
    return close


def visible_units(scope: Scope, scheme: Scheme) -> set[str] | None:
    """None: every row; else only rows of these units (a unit's administrator or leader in a group scheme
    that their unit does not lead)."""
    if scope.manages(scheme) or scope.leads(scheme):
        return None
    return {u for u, region in scope.unit_regions.items() if region == str(scheme.region_id)}


# Unranked rows last: the keyset orders by the rank with NULL as the largest.
_RANK_KEY = func.coalesce(Result.rank, 2**31 - 1)


@dataclass(frozen=True)
class _Visible:
    """A version's results as the caller may see them: the version, the ``WHERE``, the units (None:
    all) and each row as it is read."""

    close: Close
    where: list[Any]
    units: set[str] | None
    statement: Select[*tuple[Any, ...]]
    read: Callable[[Any], ResultRead]


async def _visible(session: AsyncSession, scheme_id: uuid.UUID, period: Period, scope: Scope,
                   version: int | None) -> _Visible:
    scheme = await scheme_or_404(session, scheme_id, scope, manage=False)
    units = visible_units(scope, scheme)
    if not units and units is not None:
        raise ResultNotFound(f"no results of {period.code} under scheme {scheme_id} for you")
    close = await find_close(session, scheme, period.code, version, scope)
    where = [Result.close_id == close.id]
    if units is not None:
        where.append(Result.unit_id.in_([uuid.UUID(u) for u in units]))
    within = close.summary.get("compare_within")
    columns = [Result.person_id, Result.unit_id, Result.score, Result.rank, Result.grade]

    def read(row: Any) -> ResultRead:
        return ResultRead(person_id=row.person_id, unit_id=row.unit_id, score=score_str(row.score), rank=row.rank,
                          grade=row.grade,
                          group=grouping.label(within, grouping.key_of_inputs(row.detail["inputs"], within))
                          if within else None)

    return _Visible(close, where, None if units is None else set(units),
                    select(*columns, *([Result.detail] if within else [])).where(*where), read)


async def results_page(session: AsyncSession, scheme_id: uuid.UUID, period: Period, scope: Scope, page: PageQuery, *,
                       version: int | None) -> tuple[Close, list[ResultRead], int, Key]:
    """A page of a version's results the caller may see, best first, and the key after it."""
    seen = await _visible(session, scheme_id, period, scope, version)
    total = await session.scalar(select(func.count()).select_from(Result).where(*seen.where)) or 0
    rows, last = await page.fetch(session, seen.statement, [_RANK_KEY, Result.person_id],
                                  lambda row: (2**31 - 1 if row.rank is None else row.rank, row.person_id))
    return seen.close, [seen.read(row) for row in rows], total, last


async def results_changed(session: AsyncSession, scheme_id: uuid.UUID, period: Period, scope: Scope,
                          page: PageQuery, *, version: int | None,
                          updated_after: str) -> tuple[Close, change_feed.Changes, dict[uuid.UUID, ResultRead]]:
    """The version's results the caller may see changed since the cursor (``shared.change_feed``),
    and those still there as they are now, by person."""
    seen = await _visible(session, scheme_id, period, scope, version)
    log_scope = [change_feed.scope_in(CHANGES, "close_id", [seen.close.id])]
    if seen.units is not None:
        log_scope.append(change_feed.scope_in(CHANGES, "unit_id", sorted(seen.units)))
    found = await change_feed.changes(session, CHANGES, table="results", cursor=updated_after, limit=page.limit,
                                      scope=and_(*log_scope))
    ids = [c.row_id for c in found.changes if not c.deleted]
    rows = await session.execute(seen.statement.where(Result.person_id.in_(ids)))
    return seen.close, found, {row.person_id: seen.read(row) for row in rows}


async def explain(session: AsyncSession, scheme_id: uuid.UUID, period: Period, person_id: uuid.UUID,
                  scope: Scope, *, version: int | None) -> Explanation:
    scheme = await scheme_for_person_or_404(session, scheme_id, scope, person_id)
    close = await find_close(session, scheme, period.code, version, scope, person_id=person_id)
    row = await session.get(Result, (close.id, person_id))
    units = None if scope.caller.is_person(person_id) else visible_units(scope, scheme)
    if row is None or (units is not None and str(row.unit_id) not in units):
        raise ResultNotFound(f"{person_id} has no result of {period.code} under scheme {scheme_id}")
    return await explanation_of(session, close, row, ranks=scope.sees(scheme) or await ranks.published_by(
        session, scheme.id))


async def explanation_of(session: AsyncSession, close: Close, row: Result, *, ranks: bool = True) -> Explanation:
    """A result explained, in sentences too; without its rank unless ``ranks`` (see ``scoring.results.ranks``)."""
    detail = await expand(session, close, str(row.person_id), row.detail)
    if not ranks:
        detail = without_rank(detail)
    version_ = await session.get(SchemeVersion, (close.scheme_id, close.scheme_version))  # loaded by expand
    assert version_ is not None
    rank = row.rank if ranks else None
    return Explanation(close_id=close.id, scheme_id=close.scheme_id, period=close.period, version=close.version,
                       scheme_version=close.scheme_version, published=close.published_at is not None,
                       person_id=row.person_id, score=score_str(row.score), rank=rank, grade=row.grade,
                       detail=detail, sentences=sentences.explain(detail, version_.definition, grade=row.grade,
                                                                  rank=rank, lang=lang_var.get()))


async def expand(session: AsyncSession, close: Close, person_id: str, stored: dict[str, Any]) -> dict[str, Any]:
    """The full explanation from what the close stored: the person's inputs recomposed with the
    domain functions under the scheme version the close used, and the grade as it was given."""
    rules = await rules_at(session, close.scheme_id, close.scheme_version)
    mean_load = Fraction(close.summary.get("mean_task_load", "0"))
    means = means_from_json(close.summary.get("unit_means"))
    if "inputs" in stored:  # a quarter
        detail = compose_person(to_reference(person_id, stored["inputs"]), rules, mean_load, means).detail
        if detail["total"] != stored["total"]:
            raise RuntimeError(f"explanation of {person_id} in {close.id} does not recompose its total")
        detail["grade"] = {**stored["grade"], "of": close.summary.get("graded"), "slots": close.summary.get("slots")}
        within = close.summary.get("compare_within")
        if within:  # the person's group, its size and slots
            group = grouping.label(within, grouping.key_of_inputs(stored["inputs"], within))
            entry = grouping.find_entry(close.summary, group) or {}
            detail["grade"].update(group=group, of=entry.get("graded"), slots=entry.get("slots"))
        shown = rater_settings_shown(detail["evaluation"], stored["inputs"], rules)
        detail["evaluation"] = masking.evaluation(shown, rules)  # rater anonymity
        return detail
    detail = dict(stored)  # built from parts: they are listed; the year-end (period-end) part is recomposed
    key = "year_end" if "year_end_inputs" in stored else "period_end"
    year_end = stored.get(f"{key}_inputs")
    year_end_detail = None
    if year_end is not None:
        year_end_detail = compose_person(to_reference(person_id, year_end), rules, mean_load, means).detail
        year_end_detail["evaluation"] = masking.evaluation(
            rater_settings_shown(year_end_detail["evaluation"], year_end, rules), rules)
        detail[f"{key}_inputs"] = {**year_end, "ratings": masking.ratings_input(year_end["ratings"], rules)}
    detail[f"{key}_detail"] = year_end_detail
    return detail


def rater_settings_shown(shown: dict[str, Any] | None, inputs: Compact, rules: Rules) -> dict[str, Any] | None:
    """An explanation's evaluation with the scheme's rater settings where they shaped it: each trimmed
    group says so, and how many marks it dropped; an outside group that its raters used one-time
    codes; under rating dimensions, the dimensions each rating is the weighted sum of."""
    settings = rules.rater_settings
    if shown is None or settings == rating_rules.NO_RATER_SETTINGS:
        return shown
    dropped = inputs.get("trimmed") or {}
    groups = []
    for group in shown["groups"]:
        name = group["group"]
        if name in settings.trim:
            group = {**group, "trimmed": rating_rules.trim_note(name, dropped.get(name))}
        if name in settings.outside:
            group = {**group, "outside": "raters without an account, each rating once with a one-time code"}
        groups.append(group)
    out = {**shown, "groups": groups}
    if settings.dimensions:
        out["dimensions"] = {
            "rule": "each rating is the weighted sum of the rater's marks per dimension, rounded half up to 0.01",
            "weights": [{"code": d.code, "name": d.name, "weight": decimal_str(d.weight)} for d in settings.dimensions]}
    return out


async def versions(session: AsyncSession, neighbours: Neighbours, scheme_id: uuid.UUID, period: Period,
                   scope: Scope) -> list[CloseRead]:
    scheme = await scheme_or_404(session, scheme_id, scope)
    return await history.with_staleness(session, [close_read(c) for c in await session.scalars(
        select(Close).where(Close.scheme_id == scheme.id, Close.period == period.code).order_by(Close.version))],
        neighbours)


async def compare(session: AsyncSession, neighbours: Neighbours, close_id: uuid.UUID, other_id: uuid.UUID,
                  scope: Scope) -> CloseRead:
    before, _ = await close_or_404(session, close_id, scope)
    after, _ = await close_or_404(session, other_id, scope)
    if (before.scheme_id, before.period) != (after.scheme_id, after.period):
        raise ResultNotFound("compare two versions of one scheme and period")
    return await history.stale_one(session, close_read(after, changes=await changes(session, before, after)),
                                   neighbours)


async def publish(session: AsyncSession, neighbours: Neighbours, close_id: uuid.UUID, scope: Scope) -> CloseRead:
    """One wins: under the scheme's row lock, a version already published, or older than a published
    one, is a 409. A period run by a procedure is published by its final stage (a 409 here)."""
    from scoring.procedure.service import governed

    caller = scope.caller
    close, scheme = await close_or_404(session, close_id, scope)
    if await governed(session, scheme.id, close.period):
        raise Conflict(f"{close.period} of scheme {scheme.id} is run by its procedure: its final stage "
                       "publishes it", code="run_by_procedure")
    await session.execute(select(Scheme.id).where(Scheme.id == scheme.id).with_for_update())
    newest = await latest_close(session, scheme.id, close.period, published=True)
    if newest is not None and newest.version >= close.version:
        raise AlreadyPublished(f"version {newest.version} of {close.period} is already published")
    await session.execute(update(Close).where(Close.id == close.id)
                          .values(published_at=func.now(), published_by=caller.subject))
    await session.refresh(close)
    await events.result_published(session, neighbours, close, scheme)
    return close_read(close)


# ------------------------------------------------------------------ objections


async def object_to(session: AsyncSession, close_id: uuid.UUID, body: ObjectionCreate, scope: Scope, *,
                    today: date | None = None) -> Objection:
    """Only by the person, to their own result in the published version, within the scheme's window
    (under a procedure: to the draft, during the publicity; see ``scoring.procedure.publicity``)."""
    from scoring.procedure.publicity import object_to_draft
    from scoring.procedure.service import governed

    caller = scope.caller
    close, _ = await own_close_or_404(session, close_id, scope)
    assert caller.person_id is not None
    person_id = uuid.UUID(caller.person_id)
    if await governed(session, close.scheme_id, close.period):
        return await object_to_draft(session, close, person_id, body.reason, caller.subject,
                                     today or business_today())
    row = await session.get(Result, (close_id, person_id))
    if row is None or close.published_at is None:
        raise ResultNotFound(f"no published result of yours in {close_id}")
    newest = await latest_close(session, close.scheme_id, close.period, published=True)
    if newest is None or newest.id != close.id:
        raise ObjectionClosed("a newer version of this result has been published; object to that one")
    _, rules = await rules_of(session, close.scheme_id)
    now = await session.scalar(select(func.now()))
    assert now is not None
    deadline = close.published_at + timedelta(days=rules.objection_days)
    if now > deadline:
        raise ObjectionClosed(f"the window to object closed at {deadline.isoformat()}")
    pending = await session.scalar(select(Objection.id).where(Objection.close_id == close_id,
                                                              Objection.person_id == person_id,
                                                              Objection.status == "pending"))
    if pending is not None:
        raise ObjectionClosed(f"your objection {pending} to this result is still pending")
    objection = Objection(id=uuid.uuid4(), close_id=close_id, person_id=person_id, reason=body.reason,
                          created_by=caller.subject)
    session.add(objection)
    await session.flush()
    await session.refresh(objection)
    return objection


async def list_objections(session: AsyncSession, scope: Scope, page: PageQuery, *, scheme_id: uuid.UUID | None,
                          status: str | None) -> tuple[list[Objection], Sequence[Any] | None]:
    """Those of the schemes the caller manages, and the caller's own, oldest first: a page, and the key
    after it."""
    query = select(Objection).join(Close, Close.id == Objection.close_id).join(
        Scheme, Scheme.id == Close.scheme_id).where(objections(scope))
    if scheme_id is not None:
        query = query.where(Scheme.id == scheme_id)
    if status is not None:
        query = query.where(Objection.status == status)
    return await page.fetch(session, query, [Objection.created_at, Objection.id], lambda o: (o.created_at, o.id),
                            scalars=True)


async def review(session: AsyncSession, neighbours: Neighbours, objection_id: uuid.UUID, body: ReviewIn,
                 scope: Scope, *, tuning: CloseTuning = DEFAULT_TUNING) -> Objection:
    """Reject with a reason; or accept (uphold), which recloses the period from the (corrected) inputs
    and publishes the new version (under a procedure: the new version is the draft the publicity shows,
    published by the final stage). Accepting when nothing changed is refused: correct the inputs first."""
    from scoring.procedure.service import governed

    caller = scope.caller
    objection, close, scheme = await objection_or_404(session, objection_id, scope, manage=True)
    locked = await session.scalar(select(Objection.status).where(Objection.id == objection_id).with_for_update())
    if locked != "pending":
        raise ObjectionClosed(f"objection {objection_id} was already {locked}")
    values: dict[str, Any] = {"reviewed_at": func.now(), "reviewed_by": caller.subject,
                              "decision_reason": body.reason}
    if body.decision == "reject":  # "accept" and "uphold" both uphold it
        values.update(status="rejected", decision="rejected")
    else:
        period = parse_period(close.period)
        reclosed = await close_period(session, neighbours, scheme, period, caller,
                                      reason=f"objection {objection_id} accepted", tuning=tuning)
        if reclosed.unchanged:
            raise InputInvalid("accepting recomputes the result, but its inputs are unchanged: correct the marks, "
                               "ratings or items the objection is about first",
                               errors=[{"field": "body.decision", "message": "nothing to recompute"}])
        if not await governed(session, scheme.id, close.period):
            await publish(session, neighbours, reclosed.id, scope)
        values.update(status="accepted", decision="upheld", new_close_id=reclosed.id)
    await session.execute(update(Objection).where(Objection.id == objection_id).values(**values))
    await session.refresh(objection)
    await events.objection_decided(session, objection, close, scheme)
    return objection


async def close_period(session: AsyncSession, neighbours: Neighbours, scheme: Scheme, period: Period,
                       caller: Caller, *, reason: str = "close", tuning: CloseTuning = DEFAULT_TUNING,
                       leftovers: Leftovers | None = None) -> CloseRead:
    """Close a period of a kind the scheme closes (``periods.closes``, else 409): from its own
    range's inputs, as a quarter, or built from its parts (``periods.build``: the year, a half year);
    what the close leaves behind is put in ``leftovers``, if given, to be let go of once the
    response is sent."""
    from scoring.results.built import close_built
    from scoring.results.year import close_year

    version, rules = await rules_of(session, scheme.id)
    await require_approved(session, scheme, version)
    if period.kind not in rules.periods.closes:
        raise PeriodNotClosed(f"scheme {scheme.id} does not close {period.kind}s ({period.code}); it closes "
                              f"{', '.join(rules.periods.closes)} (the scheme's periods.closes)")
    build = rules.periods.build_of(period.kind)
    # A close builds O(people) small acyclic objects (the summary, the row sets, the results): the
    # cyclic collector would rescan them over and over, so it waits until the close is done.
    seen, checked_at = await history.current_serial(session, scheme.id, period.code)  # before the inputs are read
    with collector_paused(leftovers):
        if build is None:
            closed = await close_quarter(session, neighbours, scheme, period, caller, reason=reason,
                                         tuning=tuning, leftovers=leftovers)
        elif period.kind == "year":
            closed = await close_year(session, neighbours, scheme, period, caller, reason=reason, tuning=tuning)
        else:
            closed = await close_built(session, neighbours, scheme, period, caller, reason=reason, tuning=tuning)
    await history.note_close(session, closed.id, seen, checked_at)
    # just computed from records as they were: nothing of records' is newer (records is not asked)
    return (await history.stale_one(session, closed)).model_copy(update={"records_changed_since": 0})

"""A closed rating round's sums: summed from its ratings, and kept by the first close that needs them
for the closes after it.

A round's ratings are revised in place only while it is open; a reopened round is rated again and
closed again, at a new ``closed_at``. Yet every close of the period summed all of its ratings
again: for a province, 4,000,000 ratings in one scan (2.4-3.0 s of a close of about 8 s, on a core
the records summary needed at the same time), for sums that are the same from one close to the
next — a mark corrected, an objection upheld, an item voided, each a re-close. So a quarter's close
of a closed round keeps its sums (``round_sums``) with the ``closed_at`` they were made for, and a
later close uses them only while the round is still closed at that same instant. The ratings'
triggers drop the kept sums of any round whose ratings are written all the same (a repair made by
hand, say): kept sums are never read over ratings that changed after them. Reading a province's
back takes 0.4-0.5 s; its close went from 8.0-8.7 s to 6.9-7.4 s (bench/close.py, two workers).

What is kept is what the one scan gives, before any trimming: per person and rater group, the sum
of the marks in hundredths and how many rated (``sums``), and the highest and lowest mark of each
group the scheme trims (``extremes``, ``trimmed`` naming those groups), as JSON in person order. A
later scheme version that trims another group sums the ratings again, and keeps that.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import orjson

from scoring.domain import raters as rating_rules

Sums = dict[str, dict[str, list[int]]]


async def rating_sums(driver: Any, round_id: uuid.UUID, groups: tuple[str, ...], work_mem_mb: int, *,
                      trim: frozenset[str] = frozenset()) -> tuple[Sums, Sums]:
    """The round's ratings summed in one scan: person → rater group → [sum in hundredths, raters],
    and for each group in ``trim`` its highest and lowest mark (person → group → [highest, lowest]).

    One row per person, a pair of columns per rater group of the scheme (and a count of ratings
    in any other group: if there are any, as when the scheme's groups changed after the round was
    opened, the sums are made per person and group instead, so that every group is kept). In one
    process with its hash table in memory: records is summarising at the same time, and parallel
    workers would only compete with it for the cores and spill (a province: 4.3 CPU-seconds so,
    6.3-7.1 with the defaults). In person order, as all a close's inputs: each person's objects are
    then made near each other in memory, in the order the close reads them (at random, a
    province's inputs took twice as long to work).

    The sums are of every mark (``trimmed`` leaves the extremes out).
    """
    await driver.execute("SELECT set_config('work_mem', $1, true), "
                         "set_config('max_parallel_workers_per_gather', '0', true)", f"{work_mem_mb}MB")
    sums: Sums = {}
    extremes: Sums = {}
    if groups:
        columns = ", ".join(f"(sum(mark) FILTER (WHERE rater_group = ${i + 3}) * 100)::bigint, "
                            f"(count(*) FILTER (WHERE rater_group = ${i + 3}))::int" for i in range(len(groups)))
        highs_lows = "".join(f", (max(mark) FILTER (WHERE rater_group = ${i + 3}) * 100)::bigint, "
                             f"(min(mark) FILTER (WHERE rater_group = ${i + 3}) * 100)::bigint"
                             for i, group in enumerate(groups) if group in trim)
        rows = await driver.fetch(  # the groups are parameters: only their number shapes the text
            f"SELECT person_id::text, count(*) FILTER (WHERE rater_group <> ALL($2::text[])), {columns}{highs_lows} "  # noqa: S608
            "FROM ratings WHERE round_id = $1 GROUP BY ratings.person_id ORDER BY ratings.person_id",
            round_id, list(groups), *groups)
        trimmed_at = iter(range(2 + 2 * len(groups), 2 + 2 * len(groups) + 2 * len(trim & set(groups)), 2))
        at = tuple((group, 2 + 2 * i, 3 + 2 * i, next(trimmed_at) if group in trim else 0)
                   for i, group in enumerate(groups))
        for row in rows:
            if row[1]:
                break
            person = {}
            for group, total, count, extreme in at:
                if row[count]:
                    person[group] = [row[total], row[count]]
                    if extreme:
                        extremes.setdefault(row[0], {})[group] = [row[extreme], row[extreme + 1]]
            sums[row[0]] = person
        else:
            return sums, extremes
        sums, extremes = {}, {}
    for pid, group, total_marks, raters, highest, lowest in await driver.fetch(
            "SELECT person_id::text, g, s, c, hi, lo FROM (SELECT person_id, rater_group AS g, "
            "(sum(mark) * 100)::bigint AS s, count(*)::int AS c, (max(mark) * 100)::bigint AS hi, "
            "(min(mark) * 100)::bigint AS lo FROM ratings WHERE round_id = $1 "
            "GROUP BY 1, 2) AS sums ORDER BY sums.person_id, g", round_id):
        sums.setdefault(pid, {})[group] = [total_marks, raters]
        if group in trim:
            extremes.setdefault(pid, {})[group] = [highest, lowest]
    return sums, extremes


def trimmed(sums: Sums, extremes: Sums, trim: frozenset[str], dropped: dict[str, dict[str, int]]) -> Sums:
    """``sums`` with each group in ``trim`` summed without one highest and one lowest mark where at
    least three rated the person (``raters.trimmed``; in place); how many marks were dropped put in
    ``dropped`` (person → group → 2 or 0)."""
    if trim:
        for pid, groups in sums.items():
            for group in [g for g in groups if g in trim]:
                total, raters, left_out = rating_rules.trimmed(*groups[group], *extremes[pid][group])
                groups[group] = [total, raters]
                dropped.setdefault(pid, {})[group] = left_out
    return sums


async def closed_round_sums(driver: Any, round_id: uuid.UUID, closed_at: datetime, groups: tuple[str, ...],
                            trim: frozenset[str], *, keep: bool, work_mem_mb: int) -> tuple[Sums, Sums]:
    """The closed round's sums and extremes (``rating_sums``): those kept for its ``closed_at`` if
    they have the extremes of every group in ``trim``; else summed from its ratings, and kept if
    ``keep`` (in the caller's transaction; sums kept for an earlier closing of the round replaced)."""
    row = await driver.fetchrow("SELECT sums, extremes, trimmed FROM round_sums WHERE round_id = $1 AND closed_at = $2",
                                round_id, closed_at)
    if row is not None and trim <= set(row[2]):
        return orjson.loads(row[0]), orjson.loads(row[1])
    sums, extremes = await rating_sums(driver, round_id, groups, work_mem_mb, trim=trim)
    if keep:
        await driver.execute(
            "INSERT INTO round_sums (round_id, closed_at, sums, extremes, trimmed) VALUES ($1, $2, $3, $4, $5) "
            "ON CONFLICT (round_id) DO UPDATE SET closed_at = excluded.closed_at, sums = excluded.sums, "
            "extremes = excluded.extremes, trimmed = excluded.trimmed, made_at = now()",
            round_id, closed_at, orjson.dumps(sums), orjson.dumps(extremes), sorted(trim))
    return sums, extremes

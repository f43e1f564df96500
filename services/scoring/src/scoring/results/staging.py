"""A quarter's close under way in parts, kept in the database between its steps: so that its parts
can be computed by several workers at once, and a part whose worker died computed again.

A run (``close_runs``) keeps what every part needs from everyone (``parts.Shared``); each of its
parts (``close_parts``) keeps its people's inputs as the input digest takes them (``parts.Staged``)
and, once computed, what it gives (``parts.encode``). A part's output is written once, under its
row's lock: a worker that dies while computing it writes nothing, and the part is computed again
by the next (``compute_one``).
Nothing of a run is a result: the version is stored by the finishing step, which deletes the run
in the same transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import orjson
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scoring.definitions import Rules
from scoring.results import parts as partition
from scoring.results.compute import collector_paused
from scoring.results.stored import driver


@dataclass(frozen=True)
class Run:
    id: uuid.UUID
    scheme_id: uuid.UUID
    period: str
    scheme_version: int
    shared: partition.Shared
    parts: int
    people: int


# The collector: decoding a part (its inputs, or what it gave) makes hundreds of thousands of small
# acyclic containers in one go, which the cyclic garbage collector, left running, rescans again and
# again. It is paused while a part is decoded and computed, and while the parts are read back: at
# 100,000 people in five parts (bench/close.py's people), decoding the five parts' inputs (then kept
# as the records summary's JSON) took 2.4 s with it running and 1.0 s paused, ``decode`` 3.2 s and
# 0.5 s (the same run, one process each).


async def stage(session: AsyncSession, run_id: uuid.UUID, *, scheme_id: uuid.UUID, period: str,
                scheme_version: int, shared: partition.Shared, given: list[partition.Staged]) -> Run:
    """A new run and its parts' inputs (in the caller's transaction)."""
    db = await driver(session)
    people = sum(len(part.spans) for part in given)
    await db.execute("INSERT INTO close_runs (id, scheme_id, period, scheme_version, shared, parts, people) "
                     "VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7)", run_id, scheme_id, period, scheme_version,
                     orjson.dumps(shared.to_json()).decode(), len(given), people)
    await db.executemany("INSERT INTO close_parts (run_id, part, people, inputs) VALUES ($1, $2, $3, $4)",
                         [(run_id, part.number, len(part.spans), partition.stage_bytes(part)) for part in given])
    return Run(run_id, scheme_id, period, scheme_version, shared, len(given), people)


async def run_of(session: AsyncSession, run_id: uuid.UUID) -> Run | None:
    row = await (await driver(session)).fetchrow(
        "SELECT scheme_id, period, scheme_version, shared::text, parts, people FROM close_runs WHERE id = $1", run_id)
    if row is None:
        return None
    return Run(run_id, row[0], row[1], row[2], partition.Shared.from_json(orjson.loads(row[3])), row[4], row[5])


async def compute_one(sessions: async_sessionmaker[AsyncSession], run: Run, number: int, rules: Rules) -> int:
    """Compute the run's part ``number`` unless it is computed already (a worker that died after
    computing it), waiting for whoever holds it now: how many people this computed (0: none)."""
    async with sessions() as session, session.begin():
        db = await driver(session)
        row = await db.fetchrow("SELECT inputs, output IS NOT NULL, people FROM close_parts "
                                "WHERE run_id = $1 AND part = $2 FOR UPDATE", run.id, number)
        if row is None or row[1]:
            return 0
        with collector_paused():  # see the collector, above
            payload = partition.encode(partition.compute_staged(partition.staged_from(row[0]), rules, run.shared))
        await db.execute("UPDATE close_parts SET output = $3, computed_at = now() WHERE run_id = $1 AND part = $2",
                         run.id, number, payload)
        people: int = row[2]
        return people


async def outputs(session: AsyncSession, run_id: uuid.UUID) -> list[partition.Part]:
    """Every part the run's parts gave, in order (all must be computed)."""
    rows = await (await driver(session)).fetch(
        "SELECT part, output, inputs FROM close_parts WHERE run_id = $1 ORDER BY part", run_id)
    missing = [part for part, output, _ in rows if output is None]
    if missing:
        raise RuntimeError(f"close run {run_id}: parts {missing} are not computed yet")
    with collector_paused():  # see the collector, above
        return [partition.decode(output, partition.staged_from(inputs)) for _, output, inputs in rows]


async def drop(session: AsyncSession, run_id: uuid.UUID) -> None:
    """The run and its parts, gone (in the caller's transaction: with the version stored, or given up)."""
    await (await driver(session)).execute("DELETE FROM close_runs WHERE id = $1", run_id)




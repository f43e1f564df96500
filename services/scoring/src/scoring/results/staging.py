"""A quarter's close under way in parts, kept in the database between its steps: so that its parts
can be computed by several workers at once, and a part whose worker died computed again.

A run (``close_runs``) keeps what every part needs from everyone (``parts.Shared``); each of its
parts (``close_parts``) keeps its people's inputs and, once computed, what it gives (``parts.encode``).
A part's output is written once: a second worker computing the same part (its first was thought
lost) writes nothing. Nothing of a run is a result: the version is stored by the finishing step,
which deletes the run in the same transaction.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import orjson
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scoring.definitions import Rules
from scoring.results import parts as partition
from scoring.results.stored import driver
from scoring.schemes.service import rules_at


@dataclass(frozen=True)
class Run:
    id: uuid.UUID
    scheme_id: uuid.UUID
    period: str
    scheme_version: int
    shared: partition.Shared
    parts: int
    people: int


@dataclass(frozen=True)
class Progress:
    """People whose part is computed, of all the run's people; parts likewise."""

    people_done: int
    people: int
    parts_done: int
    parts: int


def encode_inputs(given: partition.PartInputs) -> bytes:
    return orjson.dumps({"number": given.number, "people": given.people, "own": given.own})


def decode_inputs(payload: bytes) -> partition.PartInputs:
    kept = orjson.loads(payload)
    return partition.PartInputs(kept["number"], kept["people"], kept["own"])


async def stage(session: AsyncSession, run_id: uuid.UUID, *, scheme_id: uuid.UUID, period: str,
                scheme_version: int, shared: partition.Shared, given: list[partition.PartInputs]) -> Run:
    """A new run and its parts' inputs (in the caller's transaction)."""
    db = await driver(session)
    people = sum(len(part.people) for part in given)
    await db.execute("INSERT INTO close_runs (id, scheme_id, period, scheme_version, shared, parts, people) "
                     "VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7)", run_id, scheme_id, period, scheme_version,
                     orjson.dumps(shared.to_json()).decode(), len(given), people)
    await db.executemany("INSERT INTO close_parts (run_id, part, people, inputs) VALUES ($1, $2, $3, $4)",
                         [(run_id, part.number, len(part.people), encode_inputs(part)) for part in given])
    return Run(run_id, scheme_id, period, scheme_version, shared, len(given), people)


async def run_of(session: AsyncSession, run_id: uuid.UUID) -> Run | None:
    row = await (await driver(session)).fetchrow(
        "SELECT scheme_id, period, scheme_version, shared::text, parts, people FROM close_runs WHERE id = $1", run_id)
    if row is None:
        return None
    return Run(run_id, row[0], row[1], row[2], partition.Shared.from_json(orjson.loads(row[3])), row[4], row[5])


async def pending(session: AsyncSession, run_id: uuid.UUID) -> list[int]:
    """The run's parts not yet computed, in order."""
    return [part for (part,) in await (await driver(session)).fetch(
        "SELECT part FROM close_parts WHERE run_id = $1 AND output IS NULL ORDER BY part", run_id)]


async def claim(sessions: async_sessionmaker[AsyncSession], run: Run, rules: Rules) -> int | None:
    """Compute one part of the run not computed yet and not being computed, and keep what it gives
    (in a transaction of its own): the part's number, or None when there is none left to take. The
    part's row is locked while it is computed: if this process dies, its lock goes with its
    connection, and the part is taken again by whoever asks next."""
    async with sessions() as session, session.begin():
        db = await driver(session)
        row = await db.fetchrow("SELECT part, inputs FROM close_parts WHERE run_id = $1 AND output IS NULL "
                                "ORDER BY part LIMIT 1 FOR UPDATE SKIP LOCKED", run.id)
        if row is None:
            return None
        done = partition.compute_part(decode_inputs(row[1]), rules, run.shared)
        await db.execute("UPDATE close_parts SET output = $3, computed_at = now() WHERE run_id = $1 AND part = $2",
                         run.id, row[0], partition.encode(done))
        number: int = row[0]
        return number


async def compute_one(sessions: async_sessionmaker[AsyncSession], run: Run, number: int, rules: Rules) -> int:
    """Compute the run's part ``number`` unless it is computed already (a worker that died after
    computing it), waiting for whoever holds it now: how many people this computed (0: none)."""
    async with sessions() as session, session.begin():
        db = await driver(session)
        row = await db.fetchrow("SELECT inputs, output IS NOT NULL, people FROM close_parts "
                                "WHERE run_id = $1 AND part = $2 FOR UPDATE", run.id, number)
        if row is None or row[1]:
            return 0
        done = partition.compute_part(decode_inputs(row[0]), rules, run.shared)
        await db.execute("UPDATE close_parts SET output = $3, computed_at = now() WHERE run_id = $1 AND part = $2",
                         run.id, number, partition.encode(done))
        people: int = row[2]
        return people


async def help_with(sessions: async_sessionmaker[AsyncSession], run_id: uuid.UUID) -> int:
    """Compute the run's parts that no one else is computing, one after another, until none is left
    to take: how many this process computed (0 if the run is gone: finished, or given up)."""
    async with sessions() as session:
        run = await run_of(session, run_id)
        if run is None:
            return 0
        rules = await rules_at(session, run.scheme_id, run.scheme_version)
    computed = 0
    while await claim(sessions, run, rules) is not None:
        computed += 1
    return computed


async def progress(session: AsyncSession, run_id: uuid.UUID) -> Progress:
    row = await (await driver(session)).fetchrow(
        "SELECT coalesce(sum(people) FILTER (WHERE output IS NOT NULL), 0)::int, coalesce(sum(people), 0)::int, "
        "count(*) FILTER (WHERE output IS NOT NULL)::int, count(*)::int FROM close_parts WHERE run_id = $1", run_id)
    return Progress(row[0], row[1], row[2], row[3])


async def outputs(session: AsyncSession, run_id: uuid.UUID) -> list[partition.Part]:
    """Every part the run's parts gave, in order (all must be computed)."""
    rows = await (await driver(session)).fetch(
        "SELECT part, output FROM close_parts WHERE run_id = $1 ORDER BY part", run_id)
    missing = [part for part, output in rows if output is None]
    if missing:
        raise RuntimeError(f"close run {run_id}: parts {missing} are not computed yet")
    return [partition.decode(output) for _, output in rows]


async def drop(session: AsyncSession, run_id: uuid.UUID) -> None:
    """The run and its parts, gone (in the caller's transaction: with the version stored, or given up)."""
    await (await driver(session)).execute("DELETE FROM close_runs WHERE id = $1", run_id)




class Staged:
    """A close's parts through the database (see the module): staged in a transaction of their own,
    computed by this process and by any helper ``ask_for_help`` starts (each with ``help_with``), read
    back in order once all are computed; ``settle`` deletes the run in the transaction that stores
    the version. ``on_progress`` hears how far the parts are, after each one this process computes
    and while it waits for the others."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], run_id: uuid.UUID, *,
                 ask_for_help: Callable[[uuid.UUID, int], Awaitable[None]] | None = None,
                 on_progress: Callable[[Progress], Awaitable[None]] | None = None, wait: float = 0.05) -> None:
        self.sessions, self.run_id = sessions, run_id
        self.ask_for_help, self.on_progress, self.wait = ask_for_help, on_progress, wait

    async def run(self, given: list[partition.PartInputs], rules: Rules, shared: partition.Shared, *,
                  scheme_id: uuid.UUID, period: str, scheme_version: int) -> list[partition.Part]:
        async with self.sessions() as session, session.begin():
            await drop(session, self.run_id)  # a close begun before under this id (its worker gone) starts again
            run = await stage(session, self.run_id, scheme_id=scheme_id, period=period,
                              scheme_version=scheme_version, shared=shared, given=given)
        if self.ask_for_help is not None and run.parts > 1:
            await self.ask_for_help(run.id, run.parts - 1)
        while True:
            if await claim(self.sessions, run, rules) is None:
                async with self.sessions() as session:
                    now = await progress(session, run.id)
                    if self.on_progress is not None:
                        await self.on_progress(now)
                    if now.parts_done == now.parts:
                        return await outputs(session, run.id)
                await asyncio.sleep(self.wait)  # the rest are being computed elsewhere
            elif self.on_progress is not None:
                async with self.sessions() as session:
                    await self.on_progress(await progress(session, run.id))

    async def settle(self, session: AsyncSession) -> None:
        await drop(session, self.run_id)

    async def abandon(self) -> None:
        async with self.sessions() as session, session.begin():
            await drop(session, self.run_id)

"""A quarter's close under way in parts, kept in the database between its steps: so that its parts
can be computed by several workers at once, and a part whose worker died computed again.

A run (``close_runs``) keeps what every part needs from everyone (``parts.Shared``); each of its
parts (``close_parts``) keeps its people's inputs as the input digest takes them (``parts.Staged``)
and, once computed, what it gives (``parts.encode``). A part's output is written once, under its
row's lock: a worker that dies while computing it writes nothing, and the part is computed again
by another (``compute_parts``).
Nothing of a run is a result: the version is stored by one step, which deletes the run in the same
transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

import orjson
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scoring.results import parts as partition
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


_RUN = "SELECT scheme_id, period, scheme_version, shared::text, parts, people FROM close_runs WHERE id = $1"
_RUN_LOCKED = f"{_RUN} FOR UPDATE"


async def run_of(session: AsyncSession, run_id: uuid.UUID, *, lock: bool = False) -> Run | None:
    """The run, if it is still there (``lock``: under its row's lock, held by the one step that stores its
    version: whoever takes it second finds the run gone)."""
    row = await (await driver(session)).fetchrow(_RUN_LOCKED if lock else _RUN, run_id)
    if row is None:
        return None
    return Run(run_id, row[0], row[1], row[2], partition.Shared.from_json(orjson.loads(row[3])), row[4], row[5])


#: A part computed from its number and (if asked for) its staged inputs' bytes.
Compute = Callable[[int, bytes | None], partition.Part]


async def compute_parts(sessions: async_sessionmaker[AsyncSession], run_id: uuid.UUID, compute: Compute, *,
                        inputs: bool = True, last_first: bool = False, keep: bool = True,
                        computed: Callable[[int], Awaitable[None]] | None = None,
                        meanwhile: Callable[[], Awaitable[bool]] | None = None) -> dict[int, partition.Part]:
    """Compute the run's parts until none is left uncomputed, by any worker: each part taken under its
    row's lock (``SKIP LOCKED``: one another worker holds is left to it) and written with what it gave in
    the same transaction. When only parts others hold are left, wait for one of them: if its worker dies,
    its transaction is gone, the part is free again and computed here. ``last_first``: take the highest
    numbers first (the worker that gathered the inputs, while the part tasks take the lowest); ``inputs``:
    read each part's staged inputs (else ``compute`` has them); ``keep``: write what each part gave for the
    step that stores the version to read back (else only that it is computed, as an empty output: the
    worker that gathered the inputs stores the version from the parts it holds, and should it die, the
    finishing task computes those parts again, ``outputs``). The parts computed here, by number;
    ``computed`` is told each one's people; ``meanwhile`` is called before waiting for a part another
    worker holds (and that wait is put off while it says it did something)."""
    here: dict[int, partition.Part] = {}
    order = "DESC" if last_first else "ASC"
    while True:
        async with sessions() as session, session.begin():
            db = await driver(session)
            row = await db.fetchrow(
                f"SELECT part, people{', inputs' if inputs else ''} FROM close_parts "  # noqa: S608 (fixed texts)
                f"WHERE run_id = $1 AND output IS NULL ORDER BY part {order} LIMIT 1 FOR UPDATE SKIP LOCKED", run_id)
            if row is None:
                held = await db.fetchval("SELECT part FROM close_parts WHERE run_id = $1 AND output IS NULL "
                                         "ORDER BY part LIMIT 1", run_id)
                if held is None:
                    return here
                if meanwhile is not None and await meanwhile():
                    continue
                # its worker's transaction ends, by a commit or by the worker's death
                await db.execute("SELECT 1 FROM close_parts WHERE run_id = $1 AND part = $2 FOR UPDATE",
                                 run_id, held)
                continue
            part = compute(row[0], row[2] if inputs else None)
            payload = partition.encode(part) if keep else b""
            await db.execute("UPDATE close_parts SET output = $3, computed_at = now() WHERE run_id = $1 AND part = $2",
                             run_id, row[0], payload)
        here[row[0]] = part
        if computed is not None:
            await computed(row[1])


class FinishedElsewhere:
    """The parts other workers have computed and kept, read back as they finish (their staged inputs are
    ``known``): the worker that gathered the inputs reads them while it waits for the last one others hold
    (``read`` is ``compute_parts``' ``meanwhile``), each part once, into ``parts``."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], run_id: uuid.UUID,
                 known: Mapping[int, partition.Staged]) -> None:
        self.sessions, self.run_id, self.known = sessions, run_id, known
        self.parts: dict[int, partition.Part] = {}

    async def read(self) -> bool:
        """Whether any part was newly read."""
        async with self.sessions() as session:
            rows = await (await driver(session)).fetch(
                "SELECT part, output FROM close_parts WHERE run_id = $1 AND octet_length(output) > 0 "
                "AND NOT part = ANY($2::int[]) ORDER BY part", self.run_id, list(self.parts))
        self.parts.update((number, partition.decode(output, self.known[number])) for number, output in rows)
        return bool(rows)


async def outputs(session: AsyncSession, run_id: uuid.UUID, known: Mapping[int, partition.Staged] | None = None,
                  here: Mapping[int, partition.Part] | None = None,
                  compute: Callable[[partition.Staged], partition.Part] | None = None) -> list[partition.Part]:
    """Every part of the run, in order (all must be computed): those in ``here`` as they are, the others
    read back (their staged inputs too, unless ``known``); one computed but not kept (``compute_parts``)
    computed again with ``compute``."""
    here = here or {}
    rows = await (await driver(session)).fetch(
        f"SELECT part, output{'' if known else ', inputs'} FROM close_parts "  # noqa: S608 (fixed texts)
        "WHERE run_id = $1 AND NOT part = ANY($2::int[]) ORDER BY part", run_id, list(here))
    missing = [row[0] for row in rows if row[1] is None or (not row[1] and compute is None)]
    if missing:
        raise RuntimeError(f"close run {run_id}: parts {missing} are not computed yet")
    read: dict[int, partition.Part] = {}
    for row in rows:
        staged = known[row[0]] if known else partition.staged_from(row[2])
        read[row[0]] = partition.decode(row[1], staged) if row[1] or compute is None else compute(staged)
    every = {**read, **here}
    return [every[number] for number in sorted(every)]


async def drop(session: AsyncSession, run_id: uuid.UUID) -> None:
    """The run and its parts, gone (in the caller's transaction: with the version stored, or given up)."""
    await (await driver(session)).execute("DELETE FROM close_runs WHERE id = $1", run_id)




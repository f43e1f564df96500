"""A quarter's close with its parts kept in the database between its steps: the version of a close
computed in one piece, byte for byte."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, text

from scoring.config import CloseTuning
from scoring.models import ClosePart, CloseRun, Scheme
from scoring.results import close as closing
from scoring.results import parts as partition
from scoring.results import staging
from scoring.results.inputs import gather_parts
from scoring.schemes.service import rules_of
from shared.periods import parse_period
from shared.testing import asgi_client, service_headers

from .conftest import PROVINCE
from .test_quarter import Q, xiacun_quarter

HELPER = Path(__file__).with_name("part_helper.py")


async def expected_digest(app: FastAPI, scheme_id: uuid.UUID, close_id: uuid.UUID) -> str:
    """The result digest of the quarter computed in one piece, in memory, for the version ``close_id``."""
    async with app.state.sessionmaker() as session:
        scheme = await session.get(Scheme, scheme_id)
        assert scheme is not None
        _, rules = await rules_of(session, scheme_id)
        people, own, wanted = await gather_parts(session, app.state.neighbours, scheme, parse_period(Q), PROVINCE,
                                                 rules)
    shared = closing.shared_of(people, own, wanted, rules)
    [whole] = [partition.compute_part(g, rules, shared) for g in partition.plan(people, own, 0)]
    grades, _ = partition.grade([whole], rules, shared.mean_load, shared.unit_means)
    return hashlib.sha256(b"".join(h for h, _ in partition.rows([whole], grades, close_id))).hexdigest()


async def committed_quarter(app: FastAPI, records: httpx.AsyncClient) -> dict[str, Any]:
    """Xiacun's quarter, committed in scoring (other processes see it), its round closed."""
    async with asgi_client(app, headers=service_headers(PROVINCE)) as client:
        q: dict[str, Any] = await xiacun_quarter(client, records)
        assert (await client.post(f"/api/v1/scoring/rounds/{q['round']}/close")).status_code == 200
    return q


class StagedRun(NamedTuple):
    """Xiacun's quarter gathered in parts of two people and staged, as the gathering worker leaves it."""

    scheme: Scheme
    begun: closing.Begun
    gathered: closing.Gathered
    given: list[partition.Staged]
    compacts: list[dict[str, Any]]
    digest: str
    run: staging.Run


async def staged_run(app: FastAPI, records: httpx.AsyncClient) -> StagedRun:
    """Xiacun's quarter, its round closed, staged under a new run."""
    scheme_id, run_id = uuid.UUID((await committed_quarter(app, records))["scheme"]), uuid.uuid4()
    async with app.state.sessionmaker() as session:
        scheme = await session.get(Scheme, scheme_id)
        assert scheme is not None
        begun = await closing.begin(session, scheme, parse_period(Q))
        gathered = await closing.gather_quarter(session, app.state.neighbours, scheme, parse_period(Q), PROVINCE,
                                                tuning=CloseTuning(part_people=2))
        given, compacts, digest = closing.staged(gathered)
        run = await staging.stage(session, run_id, scheme_id=scheme_id, period=Q,
                                  scheme_version=gathered.version.version, shared=gathered.shared, given=given)
        await session.commit()
    return StagedRun(scheme, begun, gathered, given, compacts, digest, run)


async def test_parts_through_the_database_give_the_close_in_one_piece(scoring_app: FastAPI,
                                                                       records: httpx.AsyncClient) -> None:
    """Staged, computed in any order (a part computed twice is kept once), read back and finished: the
    version of the close computed in one piece, and the run gone with it."""
    scheme, begun, gathered, given, compacts, _, run = await staged_run(scoring_app, records)
    scheme_id, run_id, period, sessions = scheme.id, run.id, parse_period(Q), scoring_app.state.sessionmaker
    assert (run.parts, run.people) == (3, 5)
    assert staging.Run(run_id, scheme_id, Q, run.scheme_version, run.shared, 3, 5) == run
    async with sessions() as session:
        assert await staging.run_of(session, run_id) == run  # as another worker reads it
    # The worker that gathered the inputs computes the parts from them, the last first. Another worker holds
    # the first meanwhile: it is left to that worker, and waited for once only it is left; that worker dies
    # without computing it (its transaction is rolled back), so it is computed here.
    def from_memory(number: int, inputs: bytes | None) -> partition.Part:
        assert inputs is None
        return partition.compute_known(given[number], compacts[number], gathered.rules, gathered.shared)

    def from_bytes(number: int, inputs: bytes | None) -> partition.Part:
        return partition.compute_staged(partition.staged_from(inputs or b""), gathered.rules, run.shared)

    counted: list[int] = []

    async def count(people: int) -> None:
        counted.append(people)

    other = sessions()
    await other.execute(text("SELECT 1 FROM close_parts WHERE run_id = :r AND part = 0 FOR UPDATE"), {"r": run_id})
    gathering = asyncio.create_task(staging.compute_parts(sessions, run_id, from_memory, inputs=False,
                                                          last_first=True, keep=False, computed=count))
    for _ in range(600):
        async with sessions() as session:
            done = (await session.scalars(select(ClosePart.part).where(ClosePart.run_id == run_id,
                                                                      ClosePart.output.is_not(None)))).all()
        if sorted(done) == [1, 2]:
            break
        await asyncio.sleep(0.05)
    assert sorted(done) == [1, 2] and counted == [1, 2]
    await asyncio.sleep(0.2)
    assert not gathering.done()  # it waits for the part the other holds
    await other.rollback()
    await other.close()
    here = await asyncio.wait_for(gathering, 60)
    assert sorted(here) == [0, 1, 2] and counted == [1, 2, 2]
    assert await staging.compute_parts(sessions, run_id, from_bytes) == {}  # none left: a part is computed once
    async with sessions() as session, session.begin():
        parts = await staging.outputs(session, run_id, dict(enumerate(given)), here)
        assert [p.number for p in parts] == [0, 1, 2] and [p.people for p in parts] == [2, 2, 1]
        # What they gave is not kept: a finishing task (the gathering worker died) computes them again from
        # their staged inputs, and has the same parts.
        with pytest.raises(RuntimeError, match=r"parts \[0, 1, 2\] are not computed"):
            await staging.outputs(session, run_id)
        again = await staging.outputs(session, run_id, compute=lambda staged: partition.compute_staged(
            staged, gathered.rules, run.shared))
        assert [(p.scored, p.made, bytes(p.inputs)) for p in again] == [
            (p.scored, p.made, bytes(p.inputs)) for p in parts]
        closed = await closing.finish(session, scheme, period, PROVINCE, gathered.version, gathered.rules,
                                      run.shared, parts, reason="close")
        await staging.drop(session, run_id)
        closed = await closing.end(session, closed, begun.seen, begun.checked_at)
    assert closed.people == 5 and closed.summary["grades"]["good"] == 2
    assert closed.result_digest == await expected_digest(scoring_app, scheme_id, closed.id)
    async with sessions() as session:
        assert await session.get(CloseRun, run_id) is None
        assert await session.scalar(select(func.count()).select_from(ClosePart).where(ClosePart.run_id == run_id)) == 0
        again = await closing.close_period(session, scoring_app.state.neighbours, scheme, period, PROVINCE)
    assert again.unchanged and again.id == closed.id  # the same inputs, computed in one piece


async def test_the_worker_that_gathered_reads_back_the_parts_others_finished_while_it_waits_for_the_last(
        scoring_app: FastAPI, records: httpx.AsyncClient) -> None:
    """The gathering worker computes what is left; once only a part another worker holds is left, it reads
    back the parts others have finished (each once) before it waits; the version is that of the close in one
    piece."""
    scheme, begun, gathered, given, compacts, digest, run = await staged_run(scoring_app, records)
    scheme_id, run_id, period, sessions = scheme.id, run.id, parse_period(Q), scoring_app.state.sessionmaker
    known = dict(enumerate(given))
    # Another worker has computed and kept part 0, and holds part 2 meanwhile.
    async with sessions() as session, session.begin():
        [(inputs,)] = (await session.execute(text("SELECT inputs FROM close_parts WHERE run_id = :r AND part = 0"),
                                             {"r": run_id})).all()
        first = partition.compute_staged(partition.staged_from(inputs), gathered.rules, run.shared)
        await session.execute(text("UPDATE close_parts SET output = :o WHERE run_id = :r AND part = 0"),
                              {"o": partition.encode(first), "r": run_id})
    other = sessions()
    await other.execute(text("SELECT 1 FROM close_parts WHERE run_id = :r AND part = 2 FOR UPDATE"), {"r": run_id})
    elsewhere = staging.FinishedElsewhere(sessions, run_id, known)
    read = elsewhere.parts
    calls: list[list[int]] = []

    async def read_finished() -> bool:
        before = set(read)
        found = await elsewhere.read()
        calls.append(sorted(set(read) - before))
        return found

    gathering = asyncio.create_task(staging.compute_parts(
        sessions, run_id, lambda number, _: partition.compute_known(given[number], compacts[number], gathered.rules,
                                                                    gathered.shared),
        inputs=False, last_first=True, keep=False, meanwhile=read_finished))
    for _ in range(600):
        if len(calls) >= 2:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)
    assert calls == [[0], []] and not gathering.done()  # part 0 read once; then it waits for part 2
    assert (read[0].scored, read[0].made, bytes(read[0].inputs)) == (first.scored, first.made, bytes(first.inputs))
    await other.rollback()  # that worker dies: part 2 is computed here
    await other.close()
    here = await asyncio.wait_for(gathering, 60)
    assert sorted(here) == [1, 2]
    async with sessions() as session, session.begin():
        parts = await staging.outputs(session, run_id, known, {**read, **here})
        assert [p.number for p in parts] == [0, 1, 2]
        closed = await closing.finish(session, scheme, period, PROVINCE, gathered.version, gathered.rules,
                                      run.shared, parts, reason="close", digest_=digest)
        await staging.drop(session, run_id)
        closed = await closing.end(session, closed, begun.seen, begun.checked_at)
    assert closed.result_digest == await expected_digest(scoring_app, scheme_id, closed.id)

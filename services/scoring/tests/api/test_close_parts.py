"""A quarter's close with its parts kept in the database and computed by more than one process: the
version of a close computed in one piece, byte for byte; a helper killed in the middle of a part
leaves nothing half-stored, and the close finishes once, with the same digests."""

from __future__ import annotations

import asyncio
import hashlib
import os
import signal
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from scoring.config import CloseTuning
from scoring.models import Close, ClosePart, CloseRun, Scheme
from scoring.results import close as closing
from scoring.results import parts as partition
from scoring.results import staging
from scoring.results.inputs import gather_parts
from scoring.results.schemas import CloseRead
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


async def close_staged(app: FastAPI, scheme_id: uuid.UUID, runner: staging.Staged) -> CloseRead:
    async with app.state.sessionmaker() as session, session.begin():
        scheme = await session.get(Scheme, scheme_id)
        assert scheme is not None
        return await closing.close_period(session, app.state.neighbours, scheme, parse_period(Q), PROVINCE,
                                          tuning=CloseTuning(part_people=2), runner=runner)


async def committed_quarter(app: FastAPI, records: httpx.AsyncClient) -> dict[str, Any]:
    """Xiacun's quarter, committed in scoring (other processes see it), its round closed."""
    async with asgi_client(app, headers=service_headers(PROVINCE)) as client:
        q: dict[str, Any] = await xiacun_quarter(client, records)
        assert (await client.post(f"/api/v1/scoring/rounds/{q['round']}/close")).status_code == 200
    return q


async def test_parts_through_the_database_give_the_close_in_one_piece(scoring_app: FastAPI,
                                                                       records: httpx.AsyncClient) -> None:
    q = await committed_quarter(scoring_app, records)
    scheme_id = uuid.UUID(q["scheme"])
    seen: list[staging.Progress] = []

    async def heard(now: staging.Progress) -> None:
        seen.append(now)

    run_id = uuid.uuid4()
    closed = await close_staged(scoring_app, scheme_id, staging.Staged(scoring_app.state.sessionmaker, run_id,
                                                                       on_progress=heard))
    assert closed.people == 5 and closed.summary["grades"]["good"] == 2
    assert closed.result_digest == await expected_digest(scoring_app, scheme_id, closed.id)
    assert [s.parts_done for s in seen] == [1, 2, 3, 3] and {s.people for s in seen} == {5}
    assert seen[-1].people_done == 5
    async with scoring_app.state.sessionmaker() as session:  # the run is gone with the version stored
        assert await session.get(CloseRun, run_id) is None
        assert await session.scalar(select(func.count()).select_from(ClosePart).where(ClosePart.run_id == run_id)) == 0
    again = await close_staged(scoring_app, scheme_id, staging.Staged(scoring_app.state.sessionmaker, uuid.uuid4()))
    assert again.unchanged and again.id == closed.id  # the same inputs, computed in one piece or in parts


async def test_a_helper_killed_in_the_middle_of_a_part_leaves_the_close_to_finish_once(
        scoring_app: FastAPI, records: httpx.AsyncClient, database_urls: dict[str, str]) -> None:
    q = await committed_quarter(scoring_app, records)
    scheme_id = uuid.UUID(q["scheme"])
    sessions = scoring_app.state.sessionmaker
    killed: list[int | None] = []

    async def kill_a_helper_midway(run_id: uuid.UUID, wanted: int) -> None:
        """A real process takes the first part, and is killed while it computes it."""
        helper = await asyncio.create_subprocess_exec(
            sys.executable, str(HELPER), database_urls["scoring"], str(run_id), stdout=asyncio.subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
        assert helper.stdout is not None
        line = await asyncio.wait_for(helper.stdout.readline(), 60)
        assert line == b"computing part 0\n", line
        helper.send_signal(signal.SIGKILL)
        await helper.wait()
        killed.append(helper.returncode)
        async with sessions() as session:  # nothing half-stored: no version, and the part not computed
            assert await session.scalar(select(func.count()).select_from(Close).where(
                Close.scheme_id == scheme_id, Close.period == Q)) == 0
            part = await session.get(ClosePart, (run_id, 0))
            assert part is not None and part.output is None

    closed = await close_staged(scoring_app, scheme_id, staging.Staged(sessions, uuid.uuid4(),
                                                                       ask_for_help=kill_a_helper_midway))
    assert killed == [-signal.SIGKILL]
    assert closed.version == 1 and closed.people == 5
    assert closed.result_digest == await expected_digest(scoring_app, scheme_id, closed.id)
    async with sessions() as session:
        versions = (await session.scalars(select(Close).where(Close.scheme_id == scheme_id))).all()
    assert [c.id for c in versions] == [closed.id]

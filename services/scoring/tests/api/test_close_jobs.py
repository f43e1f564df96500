"""A close as a job on the workers: its parts fanned out and computed by any worker, then graded and
stored in one step; the call answers with the version when done within the wait, else 202 and the
job. A worker killed in the middle of a part: the part is computed again by another, the job ends
once with the digests of the close in one piece. A close longer than the gateway's upstream
timeout is not cut short."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, text

from gateway.testing import TEST_ADMIN, build_gateway_app
from scoring.config import CloseTuning, ScoringSettings
from scoring.models import Close, ClosePart, CloseRun
from shared.jobs import store
from shared.jobs.worker import worker
from shared.testing import TEST_SECRET, asgi_client, running, service_transports, sign_in

from .test_close_parts import committed_quarter, expected_digest

WORKER = Path(__file__).with_name("part_worker.py")
IN_PARTS = CloseTuning(part_people=2, job_people=0)  # five people: three parts, and a job however small
#: The same, the worker that gathers a close leaving every part to the queue (as when it dies after staging).
QUEUED_PARTS = CloseTuning(part_people=2, job_people=0, gatherer_computes=False)


@pytest.fixture
def as_jobs(scoring_app: FastAPI) -> Iterator[None]:
    before = scoring_app.state.close_tuning
    scoring_app.state.close_tuning = IN_PARTS
    try:
        yield
    finally:
        scoring_app.state.close_tuning = before


@asynccontextmanager
async def in_process_worker(url: str, records_app: FastAPI, quota_app: FastAPI, *,
                            heartbeat: float = 30.0) -> AsyncIterator[None]:
    """A real worker (queue, heartbeats) in this event loop, its neighbours the in-process apps, closing in
    parts of two people and every close a job."""
    settings = ScoringSettings(SCORING_DATABASE_URL=url, KAOHE_SERVICE_SECRET=TEST_SECRET,
                               KAOHE_JOB_HEARTBEAT_SECONDS=heartbeat, close_part_people=2,
                               close_job_people=0)
    assert settings.close_tuning == IN_PARTS
    async with worker("scoring", database_url=url, settings=settings,
                      records_transport=httpx.ASGITransport(app=records_app),
                      quota_transport=httpx.ASGITransport(app=quota_app)):
        yield


async def job_row(app: FastAPI, job_id: uuid.UUID) -> Any:
    async with app.state.sessionmaker() as session:
        return await store.read_job(session, job_id)


async def ended(app: FastAPI, job_id: uuid.UUID, seconds: float = 60) -> Any:
    for _ in range(int(seconds / 0.05)):
        row = await job_row(app, job_id)
        if row.state not in ("queued", "running"):
            return row
        await asyncio.sleep(0.05)
    raise AssertionError(f"job {job_id} still {row.state} after {seconds} s")


async def close_by_job(app: FastAPI, scheme: str) -> httpx.Response:
    async with asgi_client(app, headers={**(await service_headers_of())}) as client:
        return await client.post(f"/api/v1/scoring/schemes/{scheme}/periods/2025Q2/close")


async def service_headers_of() -> dict[str, str]:
    from shared.testing import service_headers

    from .conftest import PROVINCE
    return service_headers(PROVINCE)


async def closed_in_one_piece_is(app: FastAPI, scheme_id: uuid.UUID, close_id: uuid.UUID) -> None:
    """The same quarter closed in one piece, in this process, finds its inputs those of ``close_id``
    (the input digest the job stored is the one-piece close's): that version, unchanged."""
    from scoring.models import Scheme
    from scoring.results import close as closing
    from shared.periods import parse_period

    from .conftest import PROVINCE
    async with app.state.sessionmaker() as session:
        scheme = await session.get(Scheme, scheme_id)
        assert scheme is not None
        again = await closing.close_period(session, app.state.neighbours, scheme, parse_period("2025Q2"), PROVINCE)
    assert again.unchanged and again.id == close_id


async def test_a_close_done_within_the_wait_answers_with_its_version(
        scoring_app: FastAPI, records_app: FastAPI, quota_app: FastAPI, records: httpx.AsyncClient,
        database_urls: dict[str, str], as_jobs: None) -> None:
    q = await committed_quarter(scoring_app, records)
    async with in_process_worker(database_urls["scoring"], records_app, quota_app):
        response = await close_by_job(scoring_app, q["scheme"])
        if response.status_code == 202:  # a slow machine: the job is followed to its end
            row = await ended(scoring_app, uuid.UUID(response.json()["id"]))
            assert row.state == "succeeded" and row.result_status == 201, row.problem
            body = row.result
        else:
            assert response.status_code == 201, response.text
            assert response.headers["content-location"].startswith("/api/v1/scoring/jobs/")
            body = response.json()
        assert body["people"] == 5 and body["summary"]["grades"]["good"] == 2
        assert body["result_digest"] == await expected_digest(scoring_app, uuid.UUID(q["scheme"]),
                                                              uuid.UUID(body["id"]))
        again = await close_by_job(scoring_app, q["scheme"])
        if again.status_code == 202:
            again_job = uuid.UUID(again.json()["id"])
            row = await ended(scoring_app, again_job)
            again_body, status = row.result, row.result_status
        else:
            again_job = uuid.UUID(again.headers["content-location"].rsplit("/", 1)[1])
            again_body, status = again.json(), again.status_code
        assert status == 200 and again_body["unchanged"] and again_body["id"] == body["id"]
        async with scoring_app.state.sessionmaker() as session:  # answered from the input digest: no part queued
            assert await session.scalar(text("SELECT count(*) FROM jobs WHERE parent_id = :id"), {"id": again_job}) == 0
    async with scoring_app.state.sessionmaker() as session:  # nothing of the runs is left
        assert await session.scalar(select(func.count()).select_from(CloseRun)) == 0


async def test_a_worker_killed_in_the_middle_of_a_part_leaves_the_job_to_end_once(
        scoring_app: FastAPI, records_app: FastAPI, quota_app: FastAPI, records: httpx.AsyncClient,
        database_urls: dict[str, str], as_jobs: None) -> None:
    from shared.jobs.worker import run_job

    q = await committed_quarter(scoring_app, records)
    scheme_id = uuid.UUID(q["scheme"])
    response = await close_by_job(scoring_app, q["scheme"])  # no worker yet: 202 after the wait
    assert response.status_code == 202, response.text
    assert response.headers["location"] == f"/api/v1/scoring/jobs/{response.json()['id']}"
    job_id = uuid.UUID(response.json()["id"])
    # The close begins (its inputs are read from records, in this process) and fans out its parts.
    await run_job(job_id, schema="scoring", sessionmaker=scoring_app.state.sessionmaker,
                  resources={"neighbours": scoring_app.state.neighbours, "close_tuning": QUEUED_PARTS})
    row = await job_row(scoring_app, job_id)
    assert row.state == "running" and row.total == 5 and row.done == 0
    # A worker process takes a part, and is killed while it computes it.
    url = database_urls["scoring"]
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(WORKER), stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "SCORING_DATABASE_URL": url,
             "KAOHE_SERVICE_SECRET": TEST_SECRET, "KAOHE_JOB_HEARTBEAT_SECONDS": "1"})
    assert process.stdout is not None
    line = b""
    while not line.startswith(b"computing part "):  # past the worker's log lines
        line = await asyncio.wait_for(process.stdout.readline(), 60)
        assert line, "the worker ended"
    part = int(line.split()[-1])
    process.send_signal(signal.SIGKILL)
    assert await process.wait() == -signal.SIGKILL
    async with scoring_app.state.sessionmaker() as session:  # nothing half-stored
        assert await session.scalar(select(func.count()).select_from(Close).where(Close.scheme_id == scheme_id)) == 0
        kept = await session.get(ClosePart, (job_id, part))
        assert kept is not None and kept.output is None
    # Another worker takes the part over once the dead one's heartbeat is missed, and the rest.
    async with in_process_worker(url, records_app, quota_app, heartbeat=1.0):
        row = await ended(scoring_app, job_id)
    assert row.state == "succeeded", row.problem
    assert row.result_status == 201 and row.done == row.total == 5
    async with scoring_app.state.sessionmaker() as session:
        closes = (await session.scalars(select(Close).where(Close.scheme_id == scheme_id))).all()
        retried = await session.scalar(text("SELECT max(attempts) FROM jobs WHERE parent_id = :id"), {"id": job_id})
    assert [c.id for c in closes] == [uuid.UUID(row.result["id"])]
    assert retried == 2  # the killed part, run again
    assert closes[0].result_digest == await expected_digest(scoring_app, scheme_id, closes[0].id)
    await closed_in_one_piece_is(scoring_app, scheme_id, closes[0].id)


async def test_the_worker_that_gathers_a_close_computes_its_parts_and_stores_it_without_waiting_for_the_queue(
        scoring_app: FastAPI, records_app: FastAPI, quota_app: FastAPI, records: httpx.AsyncClient,
        database_urls: dict[str, str], as_jobs: None) -> None:
    """No other worker is free: the one that gathered the inputs computes every part from them, stores the
    version and ends the job; the part tasks it had queued end later without a second version."""
    from shared.jobs.worker import run_job

    q = await committed_quarter(scoring_app, records)
    scheme_id = uuid.UUID(q["scheme"])
    response = await close_by_job(scoring_app, q["scheme"])  # no worker yet: 202 after the wait
    assert response.status_code == 202, response.text
    job_id = uuid.UUID(response.json()["id"])
    await run_job(job_id, schema="scoring", sessionmaker=scoring_app.state.sessionmaker,
                  resources={"neighbours": scoring_app.state.neighbours, "close_tuning": IN_PARTS})
    row = await job_row(scoring_app, job_id)
    assert (row.state, row.result_status, row.done, row.total) == ("succeeded", 201, 5, 5), row.problem
    assert row.result["result_digest"] == await expected_digest(scoring_app, scheme_id, uuid.UUID(row.result["id"]))
    parts = text("SELECT kind, state FROM jobs WHERE parent_id = :id ORDER BY created_at")
    async with scoring_app.state.sessionmaker() as session:
        assert (await session.execute(parts, {"id": job_id})).all() == [("scoring.close_part", "queued")] * 3
    async with in_process_worker(database_urls["scoring"], records_app, quota_app):
        for _ in range(1200):
            async with scoring_app.state.sessionmaker() as session:
                left = (await session.execute(parts, {"id": job_id})).all()
            if all(state == "succeeded" for _, state in left):
                break
            await asyncio.sleep(0.05)
    assert left == [("scoring.close_part", "succeeded")] * 3  # and no finishing task
    async with scoring_app.state.sessionmaker() as session:
        closes = (await session.scalars(select(Close).where(Close.scheme_id == scheme_id))).all()
        assert [c.id for c in closes] == [uuid.UUID(row.result["id"])]
        assert await session.scalar(select(func.count()).select_from(CloseRun)) == 0
    assert (await job_row(scoring_app, job_id)).result == row.result
    await closed_in_one_piece_is(scoring_app, scheme_id, uuid.UUID(row.result["id"]))


async def test_a_close_whose_work_in_progress_a_database_crash_emptied_fails_and_stores_nothing(
        scoring_app: FastAPI, records_app: FastAPI, quota_app: FastAPI, records: httpx.AsyncClient,
        database_urls: dict[str, str], as_jobs: None) -> None:
    """A close under way is kept in unlogged tables, which a crash of the database empties: the close then
    ends as failed with ``close_interrupted``, and no version is stored."""
    from shared.jobs.worker import run_job

    async with scoring_app.state.sessionmaker() as session:
        kept = (await session.execute(text("SELECT relname, relpersistence::text FROM pg_class WHERE relname IN "
                                           "('close_runs', 'close_parts') ORDER BY relname"))).all()
    assert kept == [("close_parts", "u"), ("close_runs", "u")]
    q = await committed_quarter(scoring_app, records)
    scheme_id = uuid.UUID(q["scheme"])
    job_id = uuid.UUID((await close_by_job(scoring_app, q["scheme"])).json()["id"])
    await run_job(job_id, schema="scoring", sessionmaker=scoring_app.state.sessionmaker,
                  resources={"neighbours": scoring_app.state.neighbours, "close_tuning": QUEUED_PARTS})
    # What crash recovery does to unlogged tables: emptied (a real crash cannot be had in a test).
    async with scoring_app.state.sessionmaker() as session:
        await session.execute(text("TRUNCATE close_runs, close_parts"))
        await session.commit()
    async with in_process_worker(database_urls["scoring"], records_app, quota_app):
        row = await ended(scoring_app, job_id)
    assert (row.state, row.problem["status"], row.problem["code"]) == ("failed", 409, "close_interrupted")
    assert "close the period again" in row.problem["detail"]
    async with scoring_app.state.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Close).where(Close.scheme_id == scheme_id)) == 0


async def test_a_close_cancelled_while_its_parts_wait_leaves_nothing_of_its_run_behind(
        scoring_app: FastAPI, records_app: FastAPI, quota_app: FastAPI, records: httpx.AsyncClient,
        database_urls: dict[str, str], as_jobs: None) -> None:
    """A province's staged inputs are tens of megabytes: a close that ends without storing its version
    drops them with its end, whoever ends it (here a worker that finds its part cancelled)."""
    from shared.jobs.worker import run_job

    q = await committed_quarter(scoring_app, records)
    scheme_id = uuid.UUID(q["scheme"])
    job_id = uuid.UUID((await close_by_job(scoring_app, q["scheme"])).json()["id"])
    await run_job(job_id, schema="scoring", sessionmaker=scoring_app.state.sessionmaker,
                  resources={"neighbours": scoring_app.state.neighbours, "close_tuning": QUEUED_PARTS})
    staged = select(func.count()).select_from(ClosePart).where(ClosePart.run_id == job_id)
    async with scoring_app.state.sessionmaker() as session:
        assert await session.get(CloseRun, job_id) is not None and await session.scalar(staged) == 3
    async with asgi_client(scoring_app, headers=await service_headers_of()) as client:
        cancelled = await client.post(f"/api/v1/scoring/jobs/{job_id}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["cancel_requested"], cancelled.text
    async with scoring_app.state.sessionmaker() as session:  # still running: its run kept until it ends
        assert await session.get(CloseRun, job_id) is not None
    async with in_process_worker(database_urls["scoring"], records_app, quota_app):
        row = await ended(scoring_app, job_id)
    assert row.state == "cancelled", row.problem
    async with scoring_app.state.sessionmaker() as session:
        assert await session.get(CloseRun, job_id) is None and await session.scalar(staged) == 0
        assert await session.scalar(select(func.count()).select_from(Close).where(Close.scheme_id == scheme_id)) == 0


async def test_a_close_cancelled_while_the_worker_that_gathered_it_computes_stops_after_that_part(
        scoring_app: FastAPI, records: httpx.AsyncClient, as_jobs: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from scoring.results import parts as partition
    from shared.jobs import JobContext
    from shared.jobs.worker import run_job

    q = await committed_quarter(scoring_app, records)
    scheme_id = uuid.UUID(q["scheme"])
    job_id = uuid.UUID((await close_by_job(scoring_app, q["scheme"])).json()["id"])
    computing, advancing, computed = partition.compute_known, JobContext.advance, []

    def counted(staged: partition.Staged, *args: Any) -> partition.Part:
        computed.append(staged.number)
        return computing(staged, *args)

    async def cancelled_meanwhile(ctx: JobContext, done: int, phase: str | None = None) -> None:
        await advancing(ctx, done, phase)
        if phase == "parts" and done:  # the caller's cancel arrives as the first part is done: a moment no
            async with scoring_app.state.sessionmaker() as session:  # test could pick otherwise
                await store.request_cancel(session, job_id)
                await session.commit()

    monkeypatch.setattr(partition, "compute_known", counted)
    monkeypatch.setattr(JobContext, "advance", cancelled_meanwhile)
    await run_job(job_id, schema="scoring", sessionmaker=scoring_app.state.sessionmaker,
                  resources={"neighbours": scoring_app.state.neighbours, "close_tuning": IN_PARTS})
    row = await job_row(scoring_app, job_id)
    assert row.state == "cancelled" and computed == [2]  # the last part first; none after the cancel
    async with scoring_app.state.sessionmaker() as session:
        assert await session.get(CloseRun, job_id) is None
        assert await session.scalar(select(func.count()).select_from(Close).where(Close.scheme_id == scheme_id)) == 0


async def test_a_close_longer_than_the_gateways_upstream_timeout_completes_as_a_job(
        scoring_app: FastAPI, records_app: FastAPI, quota_app: FastAPI, records: httpx.AsyncClient,
        database_urls: dict[str, str], as_jobs: None, monkeypatch: pytest.MonkeyPatch) -> None:
    q = await committed_quarter(scoring_app, records)
    monkeypatch.setattr(scoring_app.state.settings, "job_wait_seconds", 0.05)
    transports = service_transports(("records", records_app), ("scoring", scoring_app), ("quota", quota_app))
    gateway_app = build_gateway_app(transports, database_url=database_urls["gateway"], upstream_timeout_seconds=0.5)
    async with running(gateway_app), asgi_client(gateway_app) as gateway:
        gateway.headers.update(await sign_in(gateway, *TEST_ADMIN))
        response = await gateway.post(f"/api/v1/scoring/schemes/{q['scheme']}/periods/2025Q2/close")
        assert response.status_code == 202, response.text
        location = response.headers["location"]
        await asyncio.sleep(0.6)  # longer than the gateway waits for an answer: the close has not begun
        assert (await gateway.get(location)).json()["state"] == "queued"
        async with in_process_worker(database_urls["scoring"], records_app, quota_app):
            for _ in range(1200):
                job = (await gateway.get(location)).json()
                if job["state"] not in ("queued", "running"):
                    break
                await asyncio.sleep(0.05)
        assert job["state"] == "succeeded", job
        results = await gateway.get(f"/api/v1/scoring/schemes/{q['scheme']}/periods/2025Q2/results")
        assert results.status_code == 200 and len(results.json()["items"]) == 5

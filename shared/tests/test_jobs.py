"""Jobs: a real queue in a service's schema, a real worker taking jobs in this event loop, real rows."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.db import create_engine, make_sessionmaker
from shared.errors import Unprocessable
from shared.jobs import JobContext, store, task
from shared.jobs.start import wait_for
from shared.jobs.worker import worker

SERVICE = "records"
GATES: dict[str, asyncio.Event] = {}


@task("records.test_count")
async def count(ctx: JobContext) -> dict[str, Any]:
    total = int(ctx.params["n"])
    for done in range(0, total + 1, max(1, total // 4)):
        await ctx.progress(done, total, "counting")
    return {"counted": total}


@task("records.test_gated_write", status=201)
async def gated_write(ctx: JobContext) -> dict[str, Any]:
    """Writes a region, waits at a gate the test opens, then commits with the job's end."""
    async with ctx.session() as session:
        await session.execute(text("INSERT INTO regions (id, code, name) VALUES (:id, :code, :code)"),
                              {"id": uuid.UUID(ctx.params["region"]), "code": ctx.params["code"]})
        await ctx.progress(phase="waiting")
        await GATES[ctx.params["gate"]].wait()
        result = {"region": ctx.params["region"]}
        await ctx.commit(session, result)
    return result


@task("records.test_refused")
async def refused(ctx: JobContext) -> None:
    raise Unprocessable("the rows do not add up", code="test_refused")


@task("records.test_parent")
async def parent(ctx: JobContext) -> None:
    await ctx.fan_out([("records.test_part", {"n": n}) for n in range(int(ctx.params["parts"]))],
                      then=("records.test_sum", {"parts": ctx.params["parts"]}))


@task("records.test_part")
async def part(ctx: JobContext) -> None:
    async with ctx.session() as session:
        await session.execute(text("INSERT INTO test_job_parts (parent, n) VALUES (:p, :n)"),
                              {"p": ctx.parent_id, "n": ctx.params["n"]})
        await ctx.commit(session)
    await ctx.advance(1)


@task("records.test_sum")
async def total_of_parts(ctx: JobContext) -> dict[str, Any]:
    async with ctx.session() as session:
        total = await session.scalar(text("SELECT sum(n) FROM test_job_parts WHERE parent = :p"), {"p": ctx.parent_id})
    return {"sum": int(total or 0)}


@pytest.fixture(scope="module")
async def sessions(database_urls: dict[str, str]) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_urls[SERVICE], schema=SERVICE, application_name="test-jobs")
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE IF NOT EXISTS test_job_parts (parent uuid, n int)"))
    yield make_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture(scope="module")
async def running_worker(database_urls: dict[str, str], sessions: Any) -> AsyncIterator[None]:
    settings = service_settings_for(database_urls[SERVICE])
    async with worker(SERVICE, database_url=database_urls[SERVICE], settings=settings):
        yield


def service_settings_for(url: str) -> Any:
    from records.config import RecordsSettings
    from shared.testing import TEST_SECRET

    return RecordsSettings(RECORDS_DATABASE_URL=url, KAOHE_SERVICE_SECRET=TEST_SECRET, KAOHE_JOB_CONCURRENCY=2,
                           KAOHE_JOB_HEARTBEAT_SECONDS=2)


async def started(sessions: async_sessionmaker[AsyncSession], kind: str, params: dict[str, Any], *,
                  key: str | None = None, by: str = "user:tester", region: uuid.UUID | None = None) -> Any:
    async with sessions() as session:
        row, _ = await store.insert_job(session, SERVICE, kind=kind, requested_by=by, params=params,
                                        idempotency_key=key, region_id=region)
        await session.commit()
    return row


class App:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.state = type("State", (), {"sessionmaker": sessions})()


async def ended(sessions: async_sessionmaker[AsyncSession], row: Any, seconds: float = 30) -> Any:
    row = await wait_for(App(sessions), row, seconds)
    assert row.state not in ("queued", "running"), row
    return row


class TestLifecycle:
    async def test_a_job_runs_in_the_worker_and_keeps_its_result_and_progress(self, sessions: Any,
                                                                              running_worker: None) -> None:
        row = await started(sessions, "records.test_count", {"n": 8})
        assert row.state == "queued"
        row = await ended(sessions, row)
        assert (row.state, row.result, row.result_status) == ("succeeded", {"counted": 8}, 200)
        assert (row.done, row.total, row.phase) == (8, 8, "counting")
        assert row.started_at is not None and row.finished_at >= row.started_at and row.attempts == 1

    async def test_a_refused_job_keeps_the_problem_the_call_would_have_answered(self, sessions: Any,
                                                                                running_worker: None) -> None:
        row = await ended(sessions, await started(sessions, "records.test_refused", {}))
        assert row.state == "failed" and row.result is None
        assert row.problem["status"] == 422 and row.problem["code"] == "test_refused"

    async def test_a_retry_with_the_same_key_is_the_same_job(self, sessions: Any, running_worker: None) -> None:
        key = f"key-{uuid.uuid4()}"
        first = await started(sessions, "records.test_count", {"n": 4}, key=key)
        again = await started(sessions, "records.test_count", {"n": 4}, key=key)
        assert again.id == first.id
        other = await started(sessions, "records.test_count", {"n": 4}, key=key, by="user:someone-else")
        assert other.id != first.id
        await ended(sessions, first)
        async with sessions() as session:
            assert await session.scalar(text("SELECT count(*) FROM jobs WHERE idempotency_key = :k"),
                                        {"k": key}) == 2

    async def test_a_cancel_before_the_commit_leaves_nothing_written(self, sessions: Any,
                                                                     running_worker: None) -> None:
        gate, region = str(uuid.uuid4()), uuid.uuid4()
        GATES[gate] = asyncio.Event()
        row = await started(sessions, "records.test_gated_write",
                            {"gate": gate, "region": str(region), "code": f"c{region.hex[:8]}"})
        for _ in range(300):
            async with sessions() as session:
                if (await store.read_job(session, row.id)).phase == "waiting":
                    break
            await asyncio.sleep(0.05)
        async with sessions() as session:
            assert await store.request_cancel(session, row.id) is not None
            await session.commit()
        GATES[gate].set()
        row = await ended(sessions, row)
        assert row.state == "cancelled"
        async with sessions() as session:
            assert await session.scalar(text("SELECT count(*) FROM regions WHERE id = :id"), {"id": region}) == 0
            assert await store.request_cancel(session, row.id) is None  # ended: nothing to cancel

    async def test_without_a_cancel_the_write_and_the_end_commit_together(self, sessions: Any,
                                                                          running_worker: None) -> None:
        gate, region = str(uuid.uuid4()), uuid.uuid4()
        GATES[gate] = asyncio.Event()
        GATES[gate].set()
        row = await ended(sessions, await started(sessions, "records.test_gated_write",
                                                  {"gate": gate, "region": str(region),
                                                   "code": f"c{region.hex[:8]}"}))
        assert (row.state, row.result_status, row.result) == ("succeeded", 201, {"region": str(region)})
        async with sessions() as session:
            assert await session.scalar(text("SELECT count(*) FROM regions WHERE id = :id"), {"id": region}) == 1
            await session.execute(text("DELETE FROM regions WHERE id = :id"), {"id": region})
            await session.commit()


class TestAnnounced:
    async def test_a_jobs_end_is_an_event_to_its_regions_systems(self, sessions: Any, running_worker: None) -> None:
        region = uuid.uuid4()
        row = await ended(sessions, await started(sessions, "records.test_count", {"n": 2}, region=region))
        refused = await ended(sessions, await started(sessions, "records.test_refused", {}, region=region))
        async with sessions() as session:
            events = (await session.execute(text(
                "SELECT kind, payload, link FROM events WHERE region_id = :r ORDER BY id"), {"r": region})).all()
        assert [(e.kind, e.payload["job_id"], e.payload["state"]) for e in events] == [
            ("job_finished", str(row.id), "succeeded"), ("job_finished", str(refused.id), "failed")]
        assert events[0].link == f"/api/v1/records/jobs/{row.id}"


class TestParts:
    async def test_parts_run_then_the_finishing_task_gives_the_parents_result(self, sessions: Any,
                                                                              running_worker: None) -> None:
        row = await ended(sessions, await started(sessions, "records.test_parent", {"parts": 6}))
        assert (row.state, row.result) == ("succeeded", {"sum": 15})
        assert row.done == 6  # each part advanced the parent
        async with sessions() as session:
            states = (await session.execute(text("SELECT kind, state FROM jobs WHERE parent_id = :p"),
                                            {"p": row.id})).all()
        assert sorted(states) == sorted([("records.test_part", "succeeded")] * 6
                                        + [("records.test_sum", "succeeded")])


class TestQueueTables:
    async def test_the_queue_lives_in_the_services_own_schema(self, database_urls: dict[str, str]) -> None:
        conn = await asyncpg.connect(database_urls[SERVICE])
        try:
            tables = {r["tablename"] for r in await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = $1", SERVICE)}
        finally:
            await conn.close()
        assert {"jobs", "pgqueuer", "pgqueuer_log"} <= tables

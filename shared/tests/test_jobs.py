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
from shared.jobs.worker import run_job, worker

SERVICE = "records"
GATES: dict[str, asyncio.Event] = {}
ARRIVED: dict[str, int] = {}  # runs that reached their gate
BOTH_ARRIVED: dict[str, asyncio.Event] = {}


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


@task("records.test_once")
async def once(ctx: JobContext) -> dict[str, Any]:
    """A write, held at a gate, then committed with the job's end."""
    async with ctx.session() as session:
        await written(session, ctx.job_id, ctx.attempt)
        ARRIVED[ctx.params["gate"]] = ARRIVED.get(ctx.params["gate"], 0) + 1
        if ARRIVED[ctx.params["gate"]] == 2:
            BOTH_ARRIVED[ctx.params["gate"]].set()
        await GATES[ctx.params["gate"]].wait()
        await ctx.commit(session, {"attempt": ctx.attempt})
    return {"attempt": ctx.attempt}


@task("records.test_refused")
async def refused(ctx: JobContext) -> None:
    raise Unprocessable("the rows do not add up", code="test_refused")


@task("records.test_parent")
async def parent(ctx: JobContext) -> None:
    kind = ctx.params.get("part", "records.test_part")
    await ctx.fan_out([(kind, {"n": n}) for n in range(int(ctx.params["parts"]))],
                      then=("records.test_sum", {"parts": ctx.params["parts"]}))


@task("records.test_part")
async def part(ctx: JobContext) -> None:
    async with ctx.session() as session:
        await written(session, ctx.parent_id, ctx.params["n"])
        await ctx.commit(session)
    await ctx.advance(1)


@task("records.test_part_or_refusal")
async def part_or_refusal(ctx: JobContext) -> None:
    if ctx.params["n"] == 2:
        raise Unprocessable("part 2 does not add up", code="test_refused")
    await part(ctx)


@task("records.test_sum")
async def total_of_parts(ctx: JobContext) -> dict[str, Any]:
    async with ctx.session() as session:
        total = sum(await written_for(session, ctx.parent_id))
    return {"sum": total}


async def written(session: AsyncSession, job_id: Any, n: int) -> None:
    """A row a job writes: a region named after the job (records has no table of its own for tests)."""
    await session.execute(text("INSERT INTO regions (id, code, name) VALUES (:id, :code, :name)"),
                          {"id": uuid.uuid4(), "code": f"t{uuid.uuid4().hex[:12]}", "name": f"job {job_id} {n}"})


async def written_for(session: AsyncSession, job_id: Any) -> list[int]:
    names = await session.scalars(text("SELECT name FROM regions WHERE name LIKE :prefix"),
                                  {"prefix": f"job {job_id} %"})
    return [int(name.rsplit(" ", 1)[1]) for name in names]


@pytest.fixture(scope="module")
async def sessions(database_urls: dict[str, str]) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_urls[SERVICE], schema=SERVICE, application_name="test-jobs")
    yield make_sessionmaker(engine)
    async with engine.begin() as connection:
        await connection.execute(text("DELETE FROM regions WHERE name LIKE 'job %'"))
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


class TestTakenOver:
    async def test_two_runs_of_one_job_commit_its_writes_once(self, sessions: Any) -> None:
        """A worker whose heartbeat was late still runs the job another took over: the first to end it commits;
        the other's writes are rolled back."""
        gate = str(uuid.uuid4())
        GATES[gate], BOTH_ARRIVED[gate] = asyncio.Event(), asyncio.Event()
        async with sessions() as session:  # a job row with no queue entry: only the two runs below take it
            row = (await session.execute(text(
                "INSERT INTO jobs (id, kind, requested_by, params) VALUES (:id, 'records.test_once', 'user:tester', "
                "CAST(:params AS jsonb)) RETURNING id"), {"id": uuid.uuid4(), "params": f'{{"gate": "{gate}"}}'})).one()
            await session.commit()
        first = asyncio.create_task(run_job(row.id, schema=SERVICE, sessionmaker=sessions, resources={}))
        second = asyncio.create_task(run_job(row.id, schema=SERVICE, sessionmaker=sessions, resources={}))
        await BOTH_ARRIVED[gate].wait()  # both runs hold their write, uncommitted
        GATES[gate].set()
        assert await asyncio.gather(first, second) == ["succeeded", "succeeded"]
        async with sessions() as session:
            job = await store.read_job(session, row.id)
            kept = await written_for(session, row.id)
        assert (job.state, job.attempts, len(kept)) == ("succeeded", 2, 1)
        assert job.result == {"attempt": kept[0]}  # the result is the run whose writes were kept


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


    async def test_a_part_that_fails_fails_its_parent_and_the_finish_never_runs(self, sessions: Any,
                                                                                running_worker: None) -> None:
        row = await ended(sessions, await started(sessions, "records.test_parent",
                                                  {"parts": 4, "part": "records.test_part_or_refusal"}))
        assert (row.state, row.problem["code"], row.result) == ("failed", "test_refused", None)
        async with sessions() as session:
            kinds = set(await session.scalars(text("SELECT kind FROM jobs WHERE parent_id = :p"), {"p": row.id}))
        assert kinds == {"records.test_part_or_refusal"}  # no records.test_sum


class TestQueueTables:
    async def test_the_queue_lives_in_the_services_own_schema(self, database_urls: dict[str, str]) -> None:
        conn = await asyncpg.connect(database_urls[SERVICE])
        try:
            tables = {r["tablename"] for r in await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = $1", SERVICE)}
        finally:
            await conn.close()
        assert {"jobs", "pgqueuer", "pgqueuer_log"} <= tables

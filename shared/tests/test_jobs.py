"""Jobs: a real queue in a service's schema, a real worker taking jobs in this event loop, real rows."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.db import create_engine, make_sessionmaker, raw_connection
from shared.errors import Unprocessable
from shared.jobs import JobContext, prune, store, task
from shared.jobs.start import wait_for
from shared.jobs.worker import PRUNE_EVERY, run_job, worker

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


async def aged(sessions: async_sessionmaker[AsyncSession], job_id: Any, *, days: int, created: bool = True) -> None:
    """The job as if it had ended ``days`` ago (and, with ``created``, been started then)."""
    async with sessions() as session:
        await session.execute(text("UPDATE jobs SET finished_at = now() - make_interval(days => :d), "
                                   "created_at = CASE WHEN :c THEN now() - make_interval(days => :d) "
                                   "ELSE created_at END WHERE id = :id OR parent_id = :id"),
                              {"id": job_id, "d": days, "c": created})
        await session.commit()


async def exists(sessions: async_sessionmaker[AsyncSession], job_id: Any) -> bool:
    async with sessions() as session:
        return bool(await session.scalar(text("SELECT EXISTS (SELECT 1 FROM jobs WHERE id = :id)"), {"id": job_id}))


class TestRetention:
    KEEP = timedelta(days=30)

    async def test_jobs_ended_before_the_keep_go_with_their_files_and_parts(self, sessions: Any,
                                                                            running_worker: None) -> None:
        old = await ended(sessions, await started(sessions, "records.test_count", {"n": 2}))
        recent = await ended(sessions, await started(sessions, "records.test_count", {"n": 2}))
        family = await ended(sessions, await started(sessions, "records.test_parent", {"parts": 3}))
        async with sessions() as session:
            parts = list(await session.scalars(text("SELECT id FROM jobs WHERE parent_id = :id"),
                                               {"id": family.id}))
            await session.execute(text("INSERT INTO job_files (job_id, media_type, disposition, rows, about, body) "
                                       "VALUES (:id, 'text/csv', 'attachment', 1, '{}', 'x')"), {"id": old.id})
            await session.commit()
        assert len(parts) == 4  # three parts and the one that finishes them
        for job in (old, family):
            await aged(sessions, job.id, days=31)
        await aged(sessions, recent.id, days=29)

        assert await prune.prune_jobs(sessions, keep=self.KEEP) >= 2
        assert [await exists(sessions, j) for j in (old.id, family.id, *parts)] == [False] * 6
        assert await exists(sessions, recent.id)
        async with sessions() as session:
            assert await session.scalar(text("SELECT count(*) FROM job_files WHERE job_id = :id"), {"id": old.id}) == 0

    async def test_a_queued_job_a_busy_family_and_a_live_key_are_kept(self, sessions: Any,
                                                                       running_worker: None) -> None:
        queued = await started(sessions, "records.test_never_taken", {})  # no worker takes this kind
        keyed = await ended(sessions, await started(sessions, "records.test_count", {"n": 1}, key=f"k-{uuid.uuid4()}"))
        stale_key = await ended(sessions, await started(sessions, "records.test_count", {"n": 1},
                                                        key=f"k-{uuid.uuid4()}"))
        busy = await started(sessions, "records.test_count", {"n": 1})
        busy = await ended(sessions, busy)
        async with sessions() as session:  # a part still running under a parent that has ended
            part, _ = await store.insert_job(session, SERVICE, kind="records.test_never_taken", requested_by="x",
                                             parent_id=busy.id)
            await session.execute(text("UPDATE jobs SET state = 'running' WHERE id = :id"), {"id": part.id})
            await session.execute(text("UPDATE jobs SET created_at = now() - interval '40 days' WHERE id = :id"),
                                  {"id": queued.id})
            await session.commit()
        await aged(sessions, keyed.id, days=31, created=False)  # ended long ago, but its key is a day old at most
        await aged(sessions, stale_key.id, days=31)
        await aged(sessions, busy.id, days=31)

        await prune.prune_jobs(sessions, keep=self.KEEP)
        assert [await exists(sessions, j) for j in (queued.id, keyed.id, busy.id, part.id)] == [True] * 4
        assert not await exists(sessions, stale_key.id)
        async with sessions() as session:
            await session.execute(text("DELETE FROM jobs WHERE id IN (:a, :b)"), {"a": queued.id, "b": busy.id})
            await session.commit()

    async def test_workers_pruning_at_once_share_the_rows(self, sessions: Any, running_worker: None) -> None:
        jobs = [await started(sessions, "records.test_count", {"n": 1}) for _ in range(6)]
        for job in jobs:
            await aged(sessions, (await ended(sessions, job)).id, days=40)
        async with sessions() as session:
            await session.execute(text("UPDATE pgqueuer_log SET created = now() - interval '40 days'"))
            await session.commit()
        first, second = await asyncio.gather(prune.prune(sessions, SERVICE, job_keep=self.KEEP,
                                                         change_keep=self.KEEP),
                                             prune.prune(sessions, SERVICE, job_keep=self.KEEP,
                                                         change_keep=self.KEEP))
        assert first.jobs + second.jobs >= 6
        assert first.queue_log + second.queue_log > 0
        assert [await exists(sessions, j.id) for j in jobs] == [False] * 6
        async with sessions() as session:
            assert await session.scalar(text("SELECT count(*) FROM pgqueuer_log "
                                             "WHERE created < now() - interval '30 days'")) == 0

    async def test_each_worker_schedules_the_pruning(self, sessions: Any, running_worker: None) -> None:
        async with sessions() as session:
            scheduled = (await session.execute(text("SELECT entrypoint, expression FROM pgqueuer_schedules"))).all()
        assert ("records.prune", PRUNE_EVERY) in [tuple(r) for r in scheduled]


async def test_the_raw_connection_is_in_the_sessions_transaction(sessions: Any) -> None:
    """A statement sent first on the session's asyncpg connection is part of the session's transaction: a
    row lock it takes is held until the session ends, and its write goes with the session's rollback."""
    async with sessions() as holder, holder.begin():
        raw = await raw_connection(holder)
        assert raw.is_in_transaction()
        region = await raw.fetchval("INSERT INTO regions (id, code, name) VALUES (gen_random_uuid(), $1, "
                                    "'job lock') RETURNING id", f"jl{uuid.uuid4().hex[:6]}")
        await raw.fetchval("SELECT id FROM regions WHERE id = $1 FOR UPDATE", region)
        async with sessions() as other:
            seen = (await other.execute(text("SELECT id FROM regions WHERE id = :id FOR UPDATE SKIP LOCKED"),
                                        {"id": region})).all()
        assert seen == []  # neither committed nor free
        await holder.rollback()
    async with sessions() as other:
        assert (await other.execute(text("SELECT id FROM regions WHERE id = :id"), {"id": region})).all() == []

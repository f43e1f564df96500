"""A service's job worker: ``python -m shared.jobs.worker scoring``.

It takes jobs of the service's kinds from the queue in the service's schema (pgqueuer: ``FOR UPDATE
SKIP LOCKED``, woken by ``NOTIFY``), at most ``KAOHE_JOB_CONCURRENCY`` at a time, and runs their
handlers (``@task``; the service's ``jobs`` module imports them). Adding worker processes, on this
machine or another, adds throughput: each takes the next job as it is free. A worker beats a
heartbeat while it runs a job; one that dies (killed, its machine gone) stops beating, and after
``KAOHE_JOB_HEARTBEAT_SECONDS`` another worker takes the job over and runs it again from the start
(``JobContext.attempt`` > 1) — so a handler commits its writes once, at its end (``JobContext.commit``).
SIGTERM or SIGINT: the worker takes no new job, finishes the ones it runs, and exits.

Each worker also keeps the service's retention (``shared.jobs.prune``: old jobs, their files, the queue's log, the
change feed's log) on pgqueuer's cron schedule (:data:`PRUNE_EVERY`): the schedule's row in the service's schema is
taken by one worker at a time, so however many workers run, one prunes at each tick.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import uuid
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from datetime import timedelta
from importlib import import_module
from typing import Any

import asyncpg
from pgqueuer.core.qm import QueueManager
from pgqueuer.core.sm import SchedulerManager
from pgqueuer.domain import models, types
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.business_time import use_time_zone
from shared.db import create_engine, make_sessionmaker
from shared.jobs import prune, store
from shared.jobs.context import JobContext
from shared.jobs.errors import JobCancelled, problem_of
from shared.jobs.registry import TASKS, tasks_of
from shared.logging import configure_logging
from shared.settings import JobSettings

logger = logging.getLogger("shared.jobs.worker")

#: when a service's workers prune what is past its retention (cron: hourly, at minute 17)
PRUNE_EVERY = "17 * * * *"


async def run_job(job_id: uuid.UUID, *, schema: str, sessionmaker: async_sessionmaker[AsyncSession],
                  resources: dict[str, Any]) -> str | None:
    """Run one job's handler and end the job; what it ended as (None: it had ended, or waits for its parts)."""
    async with sessionmaker() as session:
        row = await store.read_job(session, job_id, lock=True)
        if row is None or row.state in ("succeeded", "failed", "cancelled"):
            return None
        if await store.cancel_requested(session, job_id):
            await store.finish(session, schema, job_id, "cancelled")
            await session.commit()
            return "cancelled"
        if await session.scalar(text("SELECT EXISTS (SELECT 1 FROM jobs WHERE parent_id = :id)"), {"id": job_id}):
            return None  # its parts are queued: taken over after its worker died, it waits for them as before
        row = await store.start(session, job_id)
        await session.commit()
    assert row is not None
    task = TASKS.get(row.kind)
    context = JobContext(row=row, schema=schema, sessionmaker=sessionmaker, resources=resources)
    state, result, problem = "succeeded", None, None
    try:
        if task is None:
            raise LookupError(f"no task {row.kind!r} in this worker")
        result = await task.handler(context)
    except JobCancelled:
        state = "cancelled"
    except Exception as exc:
        logger.exception("job %s (%s) failed", job_id, row.kind)
        state, problem = "failed", problem_of(exc)
    else:
        if context.committed or context.waiting:
            return None if context.waiting else "succeeded"
    async with sessionmaker() as session:
        if state == "succeeded" and await store.cancel_requested(session, job_id, lock=True):
            state = "cancelled"  # the handler committed nothing of its own (or ignored the cancel): say so
        await store.finish(session, schema, job_id, state, result=result if state == "succeeded" else None,
                           result_status=task.status if task and state == "succeeded" else None, problem=problem)
        await session.commit()
    return state


class JobQueue(QueueManager):
    """pgqueuer's queue manager taking at most ``capacity`` jobs at a time in this process (its own limit is
    per batch; a close's part uses a core, so a worker takes the next only when it is free)."""

    capacity: int = 1

    async def fetch_jobs(self, batch_size: int, global_concurrency_limit: int | None,
                         heartbeat_timeout: timedelta) -> AsyncGenerator[models.Job, None]:
        if len(self.job_context) >= self.capacity:
            return
        async for job in super().fetch_jobs(batch_size, global_concurrency_limit, heartbeat_timeout):
            yield job
            if len(self.job_context) + 1 >= self.capacity:
                return

    async def _effective_dequeue_timeout(self, dequeue_timeout: timedelta) -> timedelta:
        if len(self.job_context) >= self.capacity:
            return min(dequeue_timeout, timedelta(seconds=1))  # busy: a job's end wakes it sooner (NOTIFY)
        return await super()._effective_dequeue_timeout(dequeue_timeout)


def asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def service_settings(service: str) -> JobSettings:
    settings: JobSettings = import_module(f"{service}.config").get_settings()
    return settings


def _resources(service: str, settings: JobSettings,
               options: dict[str, Any]) -> AbstractAsyncContextManager[dict[str, Any]]:
    """The service's ``jobs.resources(settings, **options)`` (clients its handlers share), if it has one."""
    module = import_module(f"{service}.jobs")
    factory = getattr(module, "resources", None)
    if factory is None:
        @asynccontextmanager
        async def nothing() -> AsyncIterator[dict[str, Any]]:
            yield {}
        return nothing()
    made: AbstractAsyncContextManager[dict[str, Any]] = factory(settings, **options)
    return made


@asynccontextmanager
async def worker(service: str, *, database_url: str, settings: JobSettings,
                 **options: Any) -> AsyncIterator[JobQueue]:
    """A worker of ``service``'s jobs running in this event loop until the block ends (its jobs finished);
    ``options`` go to the service's ``jobs.resources`` (a test's transports to its neighbours' apps)."""
    async with AsyncExitStack() as stack:
        resources = await stack.enter_async_context(_resources(service, settings, options))
        engine = create_engine(database_url, schema=service, application_name=f"kaohe-{service}-worker",
                               pool_size=max(2, settings.job_concurrency + 1), max_overflow=2)
        stack.push_async_callback(engine.dispose)
        sessionmaker = make_sessionmaker(engine)
        connection = await asyncpg.connect(asyncpg_dsn(database_url),
                                           server_settings={"search_path": service,
                                                            "application_name": f"kaohe-{service}-queue"})
        stack.push_async_callback(connection.close)
        queue = JobQueue(store.queries_on(connection, service), channel=types.Channel(f"{service}_jobs"))
        queue.capacity = settings.job_concurrency
        for kind in tasks_of(service):
            async def entry(job: models.Job) -> None:
                assert job.payload is not None
                await run_job(uuid.UUID(bytes=job.payload), schema=service, sessionmaker=sessionmaker,
                              resources=resources)
            queue.entrypoint(kind, accepts_context=False)(entry)
        scheduler = await stack.enter_async_context(_pruning(service, database_url, settings, sessionmaker))
        heartbeat = timedelta(seconds=settings.job_heartbeat_seconds)
        running = asyncio.create_task(queue.run(dequeue_timeout=timedelta(seconds=5), batch_size=1,
                                                heartbeat_timeout=heartbeat,
                                                log_aggregation_interval=timedelta(0)))
        try:
            yield queue
        finally:
            queue.shutdown.set()
            scheduler.shutdown.set()
            await running


@asynccontextmanager
async def _pruning(service: str, database_url: str, settings: JobSettings,
                   sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[SchedulerManager]:
    """pgqueuer's scheduler, on a connection of its own, running the service's retention at :data:`PRUNE_EVERY`."""
    connection = await asyncpg.connect(asyncpg_dsn(database_url),
                                       server_settings={"search_path": service,
                                                        "application_name": f"kaohe-{service}-schedule"})
    scheduler = SchedulerManager(store.queries_on(connection, service))

    @scheduler.schedule(f"{service}.prune", PRUNE_EVERY, accepts_context=False)
    async def pruned(schedule: models.Schedule) -> None:
        await prune.prune(sessionmaker, service, job_keep=timedelta(days=settings.job_keep_days),
                          change_keep=timedelta(days=settings.change_keep_days))

    async def scheduled() -> None:
        try:
            await scheduler.run()
        except Exception:  # retention can wait for the next start; the worker goes on taking jobs
            logger.exception("the %s worker's pruning schedule stopped", service)

    running = asyncio.create_task(scheduled())
    try:
        yield scheduler
    finally:
        scheduler.shutdown.set()
        await running
        with contextlib.suppress(Exception):  # its connection may be gone with the database
            await connection.close()


async def serve(service: str) -> None:
    settings = service_settings(service)
    configure_logging(service, settings.log_level, fmt=settings.log_format, access_log="off")
    use_time_zone(settings.time_zone)
    import_module(f"{service}.jobs")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    database_url: str = settings.database_url  # type: ignore[attr-defined]  # each service declares it
    async with worker(service, database_url=database_url, settings=settings):
        logger.info("the %s worker takes jobs: %s", service, ", ".join(sorted(tasks_of(service))) or "none yet")
        await stop.wait()
        logger.info("stopping: finishing the jobs under way")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m shared.jobs.worker", description="Run a service's job worker.")
    parser.add_argument("service", help="records, scoring or quota")
    arguments = parser.parse_args(argv)
    asyncio.run(serve(arguments.service))


if __name__ == "__main__":
    main()

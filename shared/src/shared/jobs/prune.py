"""Retention: what a service's workers delete once it is old enough (about hourly, see ``shared.jobs.worker``).

- A job that ended ``KAOHE_JOB_KEEP_DAYS`` ago, with its file (``job_files``) and its parts (both go with it:
  ``ON DELETE CASCADE``). A queued or running job is never deleted, nor one with a part still queued or
  running, nor one started with an ``Idempotency-Key`` while the key is kept (:data:`shared.idempotency.KEEP`),
  so a retry under the key still finds its job.
- The queue's log of jobs (pgqueuer's ``pgqueuer_log``) as old.
- The change feed's log, as :func:`shared.change_feed.prune` says (``KAOHE_CHANGE_KEEP_DAYS``).

Every statement deletes in batches of rows it locks with ``SKIP LOCKED``, each batch its own transaction: workers
that prune at the same moment share the rows out instead of waiting on each other, and the service's own writes
are never held up for long.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared import change_feed
from shared.idempotency import KEEP as KEY_KEEP
from shared.jobs.table import queue_settings

logger = logging.getLogger("shared.jobs.prune")

BATCH = 500


@dataclass(frozen=True)
class Pruned:
    jobs: int = 0
    queue_log: int = 0
    changes: int = 0


async def _batches(sessionmaker: async_sessionmaker[AsyncSession], statement: str, values: dict[str, object]) -> int:
    deleted = 0
    while True:
        async with sessionmaker() as session:
            count = len((await session.execute(text(statement), {**values, "batch": BATCH})).all())
            await session.commit()
        deleted += count
        if count < BATCH:
            return deleted


OLD_JOBS = """
    DELETE FROM jobs WHERE id IN (
        SELECT j.id FROM jobs j
        WHERE j.parent_id IS NULL AND j.state IN ('succeeded', 'failed', 'cancelled')
          AND j.finished_at < now() - CAST(:keep AS interval)
          AND (j.idempotency_key IS NULL OR j.created_at < now() - CAST(:key_keep AS interval))
          AND NOT EXISTS (SELECT 1 FROM jobs p WHERE p.parent_id = j.id AND p.state IN ('queued', 'running'))
        ORDER BY j.finished_at LIMIT :batch FOR UPDATE SKIP LOCKED)
    RETURNING id"""


async def prune_jobs(sessionmaker: async_sessionmaker[AsyncSession], *, keep: timedelta) -> int:
    """Delete the jobs that ended more than ``keep`` ago (their files and parts with them); how many."""
    return await _batches(sessionmaker, OLD_JOBS, {"keep": keep, "key_keep": KEY_KEEP})


async def prune_queue_log(sessionmaker: async_sessionmaker[AsyncSession], schema: str, *, keep: timedelta) -> int:
    log = queue_settings(schema).queue_table_log
    statement = (f"DELETE FROM {log} WHERE id IN (SELECT id FROM {log} "  # noqa: S608 (pgqueuer's own table name)
                 "WHERE created < now() - CAST(:keep AS interval) LIMIT :batch FOR UPDATE SKIP LOCKED) RETURNING id")
    return await _batches(sessionmaker, statement, {"keep": keep})


async def prune(sessionmaker: async_sessionmaker[AsyncSession], schema: str, *, job_keep: timedelta,
                change_keep: timedelta) -> Pruned:
    """Everything of ``schema`` past its retention (the change feed's log only where the schema has one)."""
    jobs = await prune_jobs(sessionmaker, keep=job_keep)
    queue_log = await prune_queue_log(sessionmaker, schema, keep=job_keep)
    async with sessionmaker() as session:
        has_feed = await session.scalar(text("SELECT to_regclass('row_changes') IS NOT NULL"))
    changes = await change_feed.prune(sessionmaker, keep=change_keep) if has_feed else 0
    pruned = Pruned(jobs=jobs, queue_log=queue_log, changes=changes)
    if jobs or queue_log or changes:
        logger.info("pruned %s: %d jobs, %d queue log rows, %d change log rows", schema, jobs, queue_log, changes)
    return pruned

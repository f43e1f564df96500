"""Job rows and queue entries: every write to them, each in the caller's transaction.

A job and its queue entry are written in one transaction (the entry goes through the same
connection), so a job is queued exactly when its row is committed. A job ends once: every ending
is an ``UPDATE ... WHERE state NOT IN (finished)``, and it is in the same transaction as what
the ending causes (the parent's count, the ``job_finished`` event).

Sub-tasks (``JobContext.fan_out``): the parent's row counts its unfinished parts in ``pending``.
A part that succeeds takes the parent's row lock (``UPDATE ... SET pending = pending - 1``) in the
transaction that ends it; the one that brings it to 0 enqueues the parent's ``then_kind`` task,
whose result becomes the parent's. A part that fails fails the parent (with its problem) and asks
the other parts to stop; a parent cancelled asks its parts to stop (they check it too).
"""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import MetaData, Row, Table, text
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import raw_connection
from shared.jobs.table import FINISHED, job_table, queue_settings

if TYPE_CHECKING:
    from pgqueuer.adapters.persistence.qb import QueryBuilderEnvironment, QueryQueueBuilder, QuerySchedulerBuilder
    from pgqueuer.adapters.persistence.queries import Queries

#: The jobs table without a schema: statements resolve it on the session's search path (the service's schema).
JOBS = job_table(MetaData())

#: Called in the transaction that ends a job, with the ended row (e.g. to write the ``job_finished`` event).
Finished = Callable[[AsyncSession, Row[Any]], Awaitable[None]]
_on_finished: dict[str, list[Finished]] = {}


def on_finished(schema: str, hook: Finished) -> None:
    """``hook(session, row)`` runs in the transaction that ends any job of ``schema`` (a top-level one), after
    the hooks registered before it (each once)."""
    hooks = _on_finished.setdefault(schema, [])
    if hook not in hooks:
        hooks.append(hook)


def announce_to_region(events: Table) -> Finished:
    """The hook that writes ``job_finished`` to the job's region's systems (the event feed, webhooks), in the
    transaction that ends the job; a job of no region is announced to no one."""
    from shared import outbox
    from shared.jobs.schemas import job_path

    async def announce(session: AsyncSession, row: Row[Any]) -> None:
        if row.region_id is None:
            return
        service = str(events.schema)
        await outbox.emit_to_region(session, events, row.region_id, kind="job_finished", payload={
            "job_id": str(row.id), "kind": row.kind, "state": row.state, "region_id": str(row.region_id),
            "unit_id": None if row.unit_id is None else str(row.unit_id), "requested_by": row.requested_by,
            "result_location": row.result_location}, link=job_path(service, row.id))

    return announce


@functools.cache
def _queries_settings(schema: str) -> tuple[QueryBuilderEnvironment, QueryQueueBuilder, QuerySchedulerBuilder]:
    from pgqueuer.adapters.persistence.qb import QueryBuilderEnvironment, QueryQueueBuilder, QuerySchedulerBuilder

    settings = queue_settings(schema)
    return QueryBuilderEnvironment(settings), QueryQueueBuilder(settings), QuerySchedulerBuilder(settings)


def queries_on(connection: Any, schema: str) -> Queries:
    """pgqueuer's queries on an asyncpg connection, for the queue in ``schema``."""
    from pgqueuer.adapters.drivers.asyncpg import AsyncpgDriver
    from pgqueuer.adapters.persistence.queries import Queries

    qbe, qbq, qbs = _queries_settings(schema)
    return Queries(AsyncpgDriver(connection), qbe=qbe, qbq=qbq, qbs=qbs)


async def _raw(session: AsyncSession) -> Any:
    return await raw_connection(session)


async def enqueue(session: AsyncSession, schema: str, jobs: Sequence[tuple[str, uuid.UUID]]) -> None:
    """Queue entries for job rows written in this session's transaction (after at least one statement of it)."""
    if not jobs:
        return
    queries = queries_on(await _raw(session), schema)
    await queries.enqueue([kind for kind, _ in jobs], [job_id.bytes for _, job_id in jobs], [0] * len(jobs))


JOB_COLUMNS = ("id, kind, state, region_id, unit_id, requested_by, idempotency_key, params, phase, done, total, "
               "created_at, started_at, finished_at, cancel_requested, attempts, result_location, result, "
               "result_status, problem, parent_id, pending, then_kind, then_params, finishes_parent")


async def insert_job(session: AsyncSession, schema: str, *, kind: str, requested_by: str,
                     region_id: uuid.UUID | str | None = None, unit_id: uuid.UUID | str | None = None,
                     params: dict[str, Any] | None = None, payload: bytes | None = None,
                     idempotency_key: str | None = None, parent_id: uuid.UUID | None = None,
                     finishes_parent: bool = False, total: int | None = None) -> tuple[Row[Any], bool]:
    """The job (created and queued), or the requester's job of this kind under the same idempotency key
    (``created`` False): a retried call never starts a second job."""
    job_id = uuid.uuid4()
    row = (await session.execute(text(
        f"INSERT INTO jobs (id, kind, requested_by, region_id, unit_id, params, payload, idempotency_key, "  # noqa: S608 (column names only)
        f"parent_id, finishes_parent, total) VALUES (:id, :kind, :by, :region, :unit, CAST(:params AS jsonb), "
        f":payload, :key, :parent, :finishes, :total) ON CONFLICT (requested_by, kind, idempotency_key) DO NOTHING "
        f"RETURNING {JOB_COLUMNS}"),
        {"id": job_id, "kind": kind, "by": requested_by, "region": region_id, "unit": unit_id,
         "params": json.dumps(params or {}), "payload": payload, "key": idempotency_key, "parent": parent_id,
         "finishes": finishes_parent, "total": total})).one_or_none()
    if row is not None:
        await enqueue(session, schema, [(kind, job_id)])
        return row, True
    existing = (await session.execute(text(
        f"SELECT {JOB_COLUMNS} FROM jobs WHERE requested_by = :by AND kind = :kind AND idempotency_key = :key"),  # noqa: S608 (column names only)
        {"by": requested_by, "kind": kind, "key": idempotency_key})).one()
    return existing, False


async def read_job(session: AsyncSession, job_id: uuid.UUID, *, lock: bool = False) -> Row[Any] | None:
    suffix = " FOR UPDATE" if lock else ""
    return (await session.execute(text(f"SELECT {JOB_COLUMNS} FROM jobs WHERE id = :id{suffix}"),  # noqa: S608 (column names only)
                                  {"id": job_id})).one_or_none()


async def payload_of(session: AsyncSession, job_id: uuid.UUID) -> bytes | None:
    value = await session.scalar(text("SELECT payload FROM jobs WHERE id = :id"), {"id": job_id})
    return None if value is None else bytes(value)


async def cancel_requested(session: AsyncSession, job_id: uuid.UUID, *, lock: bool = False) -> bool:
    """Whether the job, or the job it is a part of, was asked to stop (``lock``: hold its row until commit, so
    a cancel cannot slip between this check and the commit)."""
    suffix = " FOR UPDATE OF j" if lock else ""
    value = await session.scalar(text(
        "SELECT j.cancel_requested OR coalesce(p.cancel_requested, false) OR coalesce(p.state IN "  # noqa: S608 (column names only)
        "('failed', 'cancelled'), false) FROM jobs j LEFT JOIN jobs p ON p.id = j.parent_id "
        f"WHERE j.id = :id{suffix}"), {"id": job_id})
    return bool(value)


async def start(session: AsyncSession, job_id: uuid.UUID) -> Row[Any] | None:
    """Mark a picked job running; None when it has ended already (a queue entry picked twice)."""
    return (await session.execute(text(
        f"UPDATE jobs SET state = 'running', started_at = coalesce(started_at, now()), attempts = attempts + 1 "  # noqa: S608 (column names only)
        f"WHERE id = :id AND state NOT IN ('succeeded', 'failed', 'cancelled') RETURNING {JOB_COLUMNS}"),
        {"id": job_id})).one_or_none()


async def progress(session: AsyncSession, job_id: uuid.UUID, *, done: int | None = None, total: int | None = None,
                   phase: str | None = None, advance: int = 0) -> None:
    await session.execute(text(
        "UPDATE jobs SET done = coalesce(CAST(:done AS integer), done) + CAST(:advance AS integer), "
        "total = coalesce(CAST(:total AS integer), total), phase = coalesce(CAST(:phase AS text), phase) "
        "WHERE id = :id AND state NOT IN ('succeeded', 'failed', 'cancelled')"),
        {"id": job_id, "done": done, "total": total, "phase": phase, "advance": advance})


async def finish(session: AsyncSession, schema: str, job_id: uuid.UUID, state: str, *, result: Any = None,
                 result_status: int | None = None, result_location: str | None = None,
                 problem: dict[str, Any] | None = None) -> Row[Any] | None:
    """End a job (once: None if it had ended), and what its ending causes, in the session's transaction."""
    assert state in FINISHED
    row = (await session.execute(text(
        f"UPDATE jobs SET state = CAST(:state AS varchar), finished_at = now(), result = CAST(:result AS jsonb), "  # noqa: S608 (column names only)
        f"result_status = CAST(:status AS integer), "
        f"result_location = coalesce(CAST(:location AS text), result_location), "
        f"problem = CAST(:problem AS jsonb), payload = NULL, "
        f"done = CASE WHEN CAST(:state AS varchar) = 'succeeded' THEN coalesce(total, done) ELSE done END "
        f"WHERE id = :id AND state NOT IN ('succeeded', 'failed', 'cancelled') RETURNING {JOB_COLUMNS}"),
        {"id": job_id, "state": state, "result": None if result is None else json.dumps(result),
         "status": result_status, "location": result_location,
         "problem": None if problem is None else json.dumps(problem)})).one_or_none()
    if row is None:
        return None
    if row.parent_id is not None:
        await _part_ended(session, schema, row)
    else:
        for hook in _on_finished.get(schema, ()):
            await hook(session, row)
    return row


async def _part_ended(session: AsyncSession, schema: str, part: Row[Any]) -> None:
    parent_id = part.parent_id
    if part.state == "succeeded" and part.finishes_parent:
        await finish(session, schema, parent_id, "succeeded", result=part.result, result_status=part.result_status,
                     result_location=part.result_location)
        return
    if part.state != "succeeded":
        await session.execute(text("UPDATE jobs SET cancel_requested = true WHERE parent_id = :p AND state NOT IN "
                                   "('succeeded', 'failed', 'cancelled')"), {"p": parent_id})
        parent = await read_job(session, parent_id, lock=True)
        if parent is not None and parent.cancel_requested:
            await finish(session, schema, parent_id, "cancelled")
        else:
            await finish(session, schema, parent_id, part.state if part.state == "failed" else "cancelled",
                         problem=part.problem)
        return
    counted = (await session.execute(text(
        "UPDATE jobs SET pending = pending - 1 WHERE id = :p AND state = 'running' "
        "RETURNING pending, then_kind, then_params, requested_by, region_id, unit_id"), {"p": parent_id})).one_or_none()
    if counted is None or counted.pending > 0:
        return
    if counted.then_kind is None:
        await finish(session, schema, parent_id, "succeeded")
        return
    await insert_job(session, schema, kind=counted.then_kind, requested_by=counted.requested_by,
                     region_id=counted.region_id, unit_id=counted.unit_id, params=counted.then_params,
                     parent_id=parent_id, finishes_parent=True)


async def fan_out(session: AsyncSession, schema: str, parent: Row[Any], parts: Sequence[tuple[str, dict[str, Any]]],
                  then: tuple[str, dict[str, Any]] | None) -> list[uuid.UUID]:
    """The parts of ``parent`` queued (``pending`` = their count) and its finishing task noted."""
    await session.execute(text("UPDATE jobs SET pending = pending + :n, "
                               "then_kind = coalesce(CAST(:then AS varchar), then_kind), "
                               "then_params = coalesce(CAST(:then_params AS jsonb), then_params) WHERE id = :id"),
                          {"id": parent.id, "n": len(parts), "then": then[0] if then else None,
                           "then_params": json.dumps(then[1]) if then else None})
    ids = []
    for kind, params in parts:
        row, _ = await insert_job(session, schema, kind=kind, requested_by=parent.requested_by,
                                  region_id=parent.region_id, unit_id=parent.unit_id, params=params,
                                  parent_id=parent.id)
        ids.append(row.id)
    if not parts:
        if then is None:
            await finish(session, schema, parent.id, "succeeded")
        else:
            await insert_job(session, schema, kind=then[0], requested_by=parent.requested_by,
                             region_id=parent.region_id, unit_id=parent.unit_id, params=then[1],
                             parent_id=parent.id, finishes_parent=True)
    return ids


async def request_cancel(session: AsyncSession, job_id: uuid.UUID) -> Row[Any] | None:
    """Ask a job (and its parts) to stop; a job still queued ends as cancelled at once. None: it had ended."""
    row = (await session.execute(text(
        f"UPDATE jobs SET cancel_requested = true WHERE id = :id AND state NOT IN "  # noqa: S608 (column names only)
        f"('succeeded', 'failed', 'cancelled') RETURNING {JOB_COLUMNS}"), {"id": job_id})).one_or_none()
    if row is None:
        return None
    await session.execute(text("UPDATE jobs SET cancel_requested = true WHERE parent_id = :id AND state NOT IN "
                               "('succeeded', 'failed', 'cancelled')"), {"id": job_id})
    return row

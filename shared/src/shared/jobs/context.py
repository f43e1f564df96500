"""What a task handler is given: its job, a way to the service's database, progress and cancel checks."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.jobs import store
from shared.jobs.errors import JobCancelled


@dataclass
class JobContext:
    """One run of one job, in a worker.

    A handler returns the body the synchronous call would have answered (or None); the worker stores
    it with the job and ends the job as succeeded. To make its writes and the job's ending one
    commit, a handler calls :meth:`commit` on its session instead of ``session.commit()``.
    """

    row: Row[Any]
    schema: str
    sessionmaker: async_sessionmaker[AsyncSession]
    #: the app-like state of the worker (settings, neighbours' clients) a handler may need
    resources: dict[str, Any] = field(default_factory=dict)
    waiting: bool = False  # parts were queued: the job ends when they have (see ``fan_out``)
    committed: bool = False

    @property
    def job_id(self) -> uuid.UUID:
        job_id: uuid.UUID = self.row.id
        return job_id

    @property
    def kind(self) -> str:
        return str(self.row.kind)

    @property
    def params(self) -> dict[str, Any]:
        params: dict[str, Any] = self.row.params or {}
        return params

    @property
    def region_id(self) -> uuid.UUID | None:
        region_id: uuid.UUID | None = self.row.region_id
        return region_id

    @property
    def unit_id(self) -> uuid.UUID | None:
        unit_id: uuid.UUID | None = self.row.unit_id
        return unit_id

    @property
    def requested_by(self) -> str:
        return str(self.row.requested_by)

    @property
    def parent_id(self) -> uuid.UUID | None:
        parent_id: uuid.UUID | None = self.row.parent_id
        return parent_id

    @property
    def attempt(self) -> int:
        """1 on the first run; more when a worker died running it and another took it over."""
        return int(self.row.attempts)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session on the service's primary; nothing is committed unless the handler commits."""
        async with self.sessionmaker() as session:
            yield session

    async def payload(self) -> bytes | None:
        """The bytes the job was started with (an uploaded file), if any."""
        async with self.sessionmaker() as session:
            return await store.payload_of(session, self.job_id)

    async def progress(self, done: int | None = None, total: int | None = None, phase: str | None = None) -> None:
        """This job's progress (committed at once, so ``GET`` of the job shows it)."""
        async with self.sessionmaker() as session:
            await store.progress(session, self.job_id, done=done, total=total, phase=phase)
            await session.commit()

    async def advance(self, done: int, phase: str | None = None) -> None:
        """Add ``done`` to the progress of the job the caller sees: the parent's, for a part."""
        async with self.sessionmaker() as session:
            await store.progress(session, self.parent_id or self.job_id, advance=done, phase=phase)
            await session.commit()

    async def check_cancelled(self, session: AsyncSession | None = None) -> None:
        """Raise :class:`JobCancelled` if the job (or its parent) was asked to stop. With the handler's
        ``session``, the job's row stays locked until that session ends, so no cancel is accepted between
        this check and its commit."""
        if session is not None:
            stop = await store.cancel_requested(session, self.job_id, lock=True)
        else:
            async with self.sessionmaker() as own:
                stop = await store.cancel_requested(own, self.job_id)
        if stop:
            raise JobCancelled

    async def commit(self, session: AsyncSession, result: Any = None, *, location: str | None = None,
                     status: int | None = None) -> None:
        """The handler's writes and the job's success in one commit: checks for a cancel (under the job's row
        lock), ends the job with ``result`` (the synchronous call's body) and commits ``session``."""
        await self.check_cancelled(session)
        from shared.jobs.registry import TASKS

        task = TASKS.get(self.kind)
        ended = await store.finish(session, self.schema, self.job_id, "succeeded", result=result,
                                   result_status=status or (task.status if task else 200), result_location=location)
        if ended is None:  # another worker took the job over (this one's heartbeat was late) and ended it first
            await session.rollback()
        else:
            await session.commit()
        self.committed = True

    async def fan_out(self, parts: Sequence[tuple[str, dict[str, Any]]],
                      then: tuple[str, dict[str, Any]] | None = None) -> list[uuid.UUID]:
        """Queue parts of this job (``(kind, params)`` each), run by any worker at once; when the last has
        succeeded, ``then`` runs and its result is this job's. This job stays running until then; a part that
        fails fails it. Call it last: the handler's return value is not used."""
        async with self.sessionmaker() as session:
            await self.check_cancelled(session)
            ids = await store.fan_out(session, self.schema, self.row, parts, then)
            await session.commit()
        self.waiting = True
        return ids

    async def enqueue(self, kind: str, params: dict[str, Any]) -> uuid.UUID:
        """One part of this job (see :meth:`fan_out`); the job ends when its parts have."""
        return (await self.fan_out([(kind, params)]))[0]

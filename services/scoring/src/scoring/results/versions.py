"""A period's result versions, and two of them compared.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from scoring.clients import Neighbours
from scoring.corrections import history
from scoring.errors import ResultNotFound
from scoring.models import Close
from scoring.results.schemas import CloseRead
from scoring.results.stored import changes, close_read
from scoring.scope import Scope, close_or_404, scheme_or_404
from shared.periods import Period


async def versions(session: AsyncSession, neighbours: Neighbours, scheme_id: uuid.UUID, period: Period,
                   scope: Scope) -> list[CloseRead]:
    scheme = await scheme_or_404(session, scheme_id, scope)
    return await history.with_staleness(session, [close_read(c) for c in await session.scalars(
        select(Close).where(Close.scheme_id == scheme.id, Close.period == period.code).order_by(Close.version))],
        neighbours)


async def compare(session: AsyncSession, neighbours: Neighbours, close_id: uuid.UUID, other_id: uuid.UUID,
                  scope: Scope) -> CloseRead:
    before, _ = await close_or_404(session, close_id, scope)
    after, _ = await close_or_404(session, other_id, scope)
    if (before.scheme_id, before.period) != (after.scheme_id, after.period):
        raise ResultNotFound("compare two versions of one scheme and period")
    return await history.stale_one(session, close_read(after, changes=await changes(session, before, after)),
                                   neighbours)

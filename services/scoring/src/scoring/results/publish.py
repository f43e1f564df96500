"""Publishing a result version: one wins under the scheme's row lock.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from scoring import events
from scoring.clients import Neighbours
from scoring.errors import AlreadyPublished
from scoring.models import Close, Scheme
from scoring.results.schemas import CloseRead
from scoring.results.stored import close_read, latest_close
from scoring.scope import Scope, close_or_404
from shared.errors import Conflict


async def publish(session: AsyncSession, neighbours: Neighbours, close_id: uuid.UUID, scope: Scope) -> CloseRead:
    """One wins: under the scheme's row lock, a version already published, or older than a published
    one, is a 409. A period run by a procedure is published by its final stage (a 409 here)."""
    from scoring.procedure.service import governed

    caller = scope.caller
    close, scheme = await close_or_404(session, close_id, scope)
    if await governed(session, scheme.id, close.period):
        raise Conflict(f"{close.period} of scheme {scheme.id} is run by its procedure: its final stage "
                       "publishes it", code="run_by_procedure")
    await session.execute(select(Scheme.id).where(Scheme.id == scheme.id).with_for_update())
    newest = await latest_close(session, scheme.id, close.period, published=True)
    if newest is not None and newest.version >= close.version:
        raise AlreadyPublished(f"version {newest.version} of {close.period} is already published")
    await session.execute(update(Close).where(Close.id == close.id)
                          .values(published_at=func.now(), published_by=caller.subject))
    await session.refresh(close)
    await events.result_published(session, neighbours, close, scheme)
    return close_read(close)


# ------------------------------------------------------------------ objections

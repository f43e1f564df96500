"""Objections to a published result: made by the person within the window, listed, and reviewed
(an accepted one recloses the period and publishes the new version).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from scoring import events
from scoring.clients import Neighbours
from scoring.config import DEFAULT_TUNING, CloseTuning
from scoring.errors import InputInvalid, ObjectionClosed, ResultNotFound
from scoring.models import Close, Objection, Result, Scheme
from scoring.results.close import close_period
from scoring.results.publish import publish
from scoring.results.schemas import ObjectionCreate, ReviewIn
from scoring.results.stored import latest_close
from scoring.schemes.service import rules_of
from scoring.scope import Scope, objection_or_404, objections, own_close_or_404
from shared.business_time import business_today
from shared.pagination import PageQuery
from shared.periods import parse_period


async def object_to(session: AsyncSession, close_id: uuid.UUID, body: ObjectionCreate, scope: Scope, *,
                    today: date | None = None) -> Objection:
    """Only by the person, to their own result in the published version, within the scheme's window
    (under a procedure: to the draft, during the publicity; see ``scoring.procedure.publicity``)."""
    from scoring.procedure.publicity import object_to_draft
    from scoring.procedure.service import governed

    caller = scope.caller
    close, _ = await own_close_or_404(session, close_id, scope)
    assert caller.person_id is not None
    person_id = uuid.UUID(caller.person_id)
    if await governed(session, close.scheme_id, close.period):
        return await object_to_draft(session, close, person_id, body.reason, caller.subject,
                                     today or business_today())
    row = await session.get(Result, (close_id, person_id))
    if row is None or close.published_at is None:
        raise ResultNotFound(f"no published result of yours in {close_id}")
    newest = await latest_close(session, close.scheme_id, close.period, published=True)
    if newest is None or newest.id != close.id:
        raise ObjectionClosed("a newer version of this result has been published; object to that one")
    _, rules = await rules_of(session, close.scheme_id)
    now = await session.scalar(select(func.now()))
    assert now is not None
    deadline = close.published_at + timedelta(days=rules.objection_days)
    if now > deadline:
        raise ObjectionClosed(f"the window to object closed at {deadline.isoformat()}")
    pending = await session.scalar(select(Objection.id).where(Objection.close_id == close_id,
                                                              Objection.person_id == person_id,
                                                              Objection.status == "pending"))
    if pending is not None:
        raise ObjectionClosed(f"your objection {pending} to this result is still pending")
    objection = Objection(id=uuid.uuid4(), close_id=close_id, person_id=person_id, reason=body.reason,
                          created_by=caller.subject)
    session.add(objection)
    await session.flush()
    await session.refresh(objection)
    return objection


async def list_objections(session: AsyncSession, scope: Scope, page: PageQuery, *, scheme_id: uuid.UUID | None,
                          status: str | None) -> tuple[list[Objection], Sequence[Any] | None]:
    """Those of the schemes the caller manages, and the caller's own, oldest first: a page, and the key
    after it."""
    query = select(Objection).join(Close, Close.id == Objection.close_id).join(
        Scheme, Scheme.id == Close.scheme_id).where(objections(scope))
    if scheme_id is not None:
        query = query.where(Scheme.id == scheme_id)
    if status is not None:
        query = query.where(Objection.status == status)
    return await page.fetch(session, query, [Objection.created_at, Objection.id], lambda o: (o.created_at, o.id),
                            scalars=True)


async def review(session: AsyncSession, neighbours: Neighbours, objection_id: uuid.UUID, body: ReviewIn,
                 scope: Scope, *, tuning: CloseTuning = DEFAULT_TUNING) -> Objection:
    """Reject with a reason; or accept (uphold), which recloses the period from the (corrected) inputs
    and publishes the new version (under a procedure: the new version is the draft the publicity shows,
    published by the final stage). Accepting when nothing changed is refused: correct the inputs first."""
    from scoring.procedure.service import governed

    caller = scope.caller
    objection, close, scheme = await objection_or_404(session, objection_id, scope, manage=True)
    locked = await session.scalar(select(Objection.status).where(Objection.id == objection_id).with_for_update())
    if locked != "pending":
        raise ObjectionClosed(f"objection {objection_id} was already {locked}")
    values: dict[str, Any] = {"reviewed_at": func.now(), "reviewed_by": caller.subject,
                              "decision_reason": body.reason}
    if body.decision == "reject":  # "accept" and "uphold" both uphold it
        values.update(status="rejected", decision="rejected")
    else:
        period = parse_period(close.period)
        reclosed = await close_period(session, neighbours, scheme, period, caller,
                                      reason=f"objection {objection_id} accepted", tuning=tuning)
        if reclosed.unchanged:
            raise InputInvalid("accepting recomputes the result, but its inputs are unchanged: correct the marks, "
                               "ratings or items the objection is about first",
                               errors=[{"field": "body.decision", "message": "nothing to recompute"}])
        if not await governed(session, scheme.id, close.period):
            await publish(session, neighbours, reclosed.id, scope)
        values.update(status="accepted", decision="upheld", new_close_id=reclosed.id)
    await session.execute(update(Objection).where(Objection.id == objection_id).values(**values))
    await session.refresh(objection)
    await events.objection_decided(session, objection, close, scheme)
    return objection

"""Records' events (see ``shared.outbox``): a comment on my weekly record or monthly report, a task
assigned to me, the roster changed (to the region's systems),
and, derived when the feed is read, a task of mine overdue."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from fastapi import Request
from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from records.config import RecordsSettings
from records.db import Base
from records.roster.models import Assignment
from records.tasks.models import Task
from shared import jobs, outbox
from shared.service_auth import Caller

EVENTS = outbox.event_table(Base.metadata)
# a job's end, to its region's systems
jobs.on_finished("records", jobs.announce_to_region(EVENTS))


async def comment_added(session: AsyncSession, *, target_kind: str, target_id: uuid.UUID, person_id: uuid.UUID,
                        period: str, mark: object) -> None:
    """To the record's author; who commented is not said (the person sees marks and words, not the leader)."""
    await outbox.emit(session, EVENTS, [{
        "kind": "comment_added", "person_id": person_id,
        "payload": {"target_kind": target_kind, "target_id": str(target_id), "period": period, "mark": str(mark)},
        "link": f"/api/v1/records/comments/{target_kind}/{target_id}"}])


async def tasks_assigned(session: AsyncSession, given: Sequence[tuple[Task, uuid.UUID]]) -> None:
    """To each person a task was given (its lead, each co-owner), one statement for them all (an
    import of thousands included)."""
    await outbox.emit(session, EVENTS, [{
        "kind": "task_assigned", "person_id": person_id,
        "payload": {"task_id": str(t.id), "title": t.title, "due_on": t.due_on.isoformat(),
                    "lead": person_id == t.person_id},
        "link": f"/api/v1/records/tasks/{t.id}"} for t, person_id in given])


async def roster_changed(session: AsyncSession, *, region_id: uuid.UUID, change: str,
                         person_id: uuid.UUID | None = None,
                         unit_id: uuid.UUID | None = None, counts: dict[str, int] | None = None) -> None:
    """To the region's systems (webhooks): a person added or moved, or an import that added or moved some."""
    payload: dict[str, object] = {"region_id": str(region_id), "change": change,
                                  "person_id": None if person_id is None else str(person_id),
                                  "unit_id": None if unit_id is None else str(unit_id), **(counts or {})}
    link = (f"/api/v1/records/persons/{person_id}" if person_id is not None
            else f"/api/v1/records/regions/{region_id}/roster/export")
    await outbox.emit_to_region(session, EVENTS, region_id, kind="roster_changed", payload=payload, link=link)


async def audience(session: AsyncSession, request: Request, caller: Caller) -> tuple[uuid.UUID | None,
                                                                                      list[uuid.UUID]]:
    """The caller's person, and their units: those of their account and those the person is placed in today."""
    units = {uuid.UUID(u) for u in caller.unit_ids}
    person_id = uuid.UUID(caller.person_id) if caller.person_id else None
    if person_id is not None:
        today = _today(request)
        units.update(await session.scalars(select(Assignment.unit_id).where(
            Assignment.person_id == person_id, Assignment.active_from <= today,
            or_(Assignment.active_to.is_(None), Assignment.active_to >= today))))
    return person_id, sorted(units)


def _today(request: Request) -> date:
    settings: RecordsSettings = request.app.state.settings
    return settings.today()


async def derive(session: AsyncSession, request: Request, caller: Caller, person_id: uuid.UUID | None) -> None:
    """A task of the person's still open after its due day: once, on the first read after it."""
    if person_id is None:
        return
    overdue = list(await session.scalars(select(Task).where(
        and_(Task.person_id == person_id, Task.status == "open", Task.due_on < _today(request)))))
    await outbox.emit(session, EVENTS, [{
        "kind": "task_overdue", "person_id": t.person_id, "dedupe_key": f"task_overdue:{t.id}:{t.due_on}",
        "payload": {"task_id": str(t.id), "title": t.title, "due_on": t.due_on.isoformat()},
        "link": f"/api/v1/records/tasks/{t.id}"} for t in overdue], dedupe=True)


router = outbox.events_router("/api/v1/records", EVENTS, audience, derive)
region_router = outbox.region_events_router("/api/v1/records", EVENTS)

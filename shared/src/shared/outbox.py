"""The event outbox a service keeps in its own schema: what happened, to whom, written in the
same transaction as the change that caused it, and read back as a feed with a cursor.

Each event is addressed to one person or to one unit (a unit's members, leaders and
administrators read it through their unit, so publishing a province's results writes one row per
unit, not one per person), or to one region: those are for the region's systems (the gateway's
webhooks read them with ``GET …/regions/{region_id}/events``) and never appear in a person's feed.
Ids come from one identity column per service; every writer takes the
schema's advisory transaction lock just before it inserts, so ids commit in the order they are
given and a reader past id N never later finds a smaller one committed: a cursor loses nothing.
Events derived from time (a deadline tomorrow, a task overdue) are inserted when a feed is read,
each under a unique ``dedupe_key`` with ``ON CONFLICT DO NOTHING``: they appear once however
often the feed is read.
"""

from __future__ import annotations

import uuid
import zlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Identity,
    Index,
    Insert,
    MetaData,
    String,
    Table,
    bindparam,
    func,
    literal,
    or_,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import SessionDep
from shared.errors import NotFound
from shared.service_auth import Caller, CallerDep

MAX_LIMIT = 200


def event_table(metadata: MetaData) -> Table:
    """The ``events`` table of a service's schema (its migration creates the same)."""
    return Table(
        "events", metadata,
        Column("id", BigInteger, Identity(always=False), primary_key=True),
        Column("kind", String(40), nullable=False),
        Column("person_id", UUID(as_uuid=True)),
        Column("unit_id", UUID(as_uuid=True)),
        Column("region_id", UUID(as_uuid=True)),
        Column("at", DateTime(timezone=True), nullable=False, server_default=func.clock_timestamp()),
        Column("payload", JSONB, nullable=False),
        Column("link", String(300), nullable=False),
        Column("dedupe_key", String(200), unique=True),
        CheckConstraint("num_nonnulls(person_id, unit_id, region_id) = 1", name="one_audience"),
        Index("events_person_id_idx", "person_id", "id", postgresql_where=text("person_id IS NOT NULL")),
        Index("events_unit_id_idx", "unit_id", "id", postgresql_where=text("unit_id IS NOT NULL")),
        Index("events_region_id_idx", "region_id", "id", postgresql_where=text("region_id IS NOT NULL")),
    )


async def _lock(session: AsyncSession, table: Table) -> None:
    """Serialise the writers of the schema's events from here to their commit (see the module doc)."""
    key = zlib.crc32(f"{table.schema}.{table.name}".encode())
    await session.execute(select(func.pg_advisory_xact_lock(key)))


async def emit(session: AsyncSession, table: Table, rows: Sequence[Mapping[str, Any]], *,
               dedupe: bool = False) -> None:
    """Write events (dicts of kind, person_id or unit_id, payload, link[, dedupe_key]) in the session's
    transaction; with ``dedupe``, one whose key is already there is left out."""
    if dedupe and rows:  # most reads find them all written already: no lock is taken then
        there = set(await session.scalars(select(table.c.dedupe_key).where(
            table.c.dedupe_key.in_([r["dedupe_key"] for r in rows]))))
        rows = [r for r in rows if r["dedupe_key"] not in there]
    if not rows:
        return
    await _lock(session, table)
    statement: Insert = insert(table)
    if dedupe:  # a reader racing this one wrote it first
        statement = insert(table).on_conflict_do_nothing(index_elements=["dedupe_key"])
    await session.execute(statement, [dict(r) for r in rows])


async def emit_to_units(session: AsyncSession, table: Table, unit_ids: Sequence[uuid.UUID], *, kind: str,
                        payload: Mapping[str, Any], link: str) -> None:
    """One event to each unit, the same payload: one statement with one array, however many units."""
    if not unit_ids:
        return
    await _lock(session, table)
    units = select(func.unnest(bindparam("units", list(unit_ids), type_=ARRAY(UUID(as_uuid=True))))
                   .column_valued("unit_id")).subquery()
    await session.execute(insert(table).from_select(
        ["kind", "unit_id", "payload", "link"],
        select(literal(kind, String), units.c.unit_id, literal(dict(payload), JSONB), literal(link, String))))


async def emit_to_region(session: AsyncSession, table: Table, region_id: uuid.UUID, *, kind: str,
                         payload: Mapping[str, Any], link: str) -> None:
    """One event for the region's systems (webhooks), in the session's transaction."""
    await emit(session, table, [{"kind": kind, "region_id": region_id, "payload": dict(payload), "link": link}])


class EventRead(BaseModel):
    id: int = Field(description="the event's position in this service's feed (grows with each event)")
    kind: str = Field(description="what happened, a stable code")
    person_id: uuid.UUID | None = Field(description="addressed to this person, or")
    unit_id: uuid.UUID | None = Field(description="to everyone of this unit")
    at: datetime
    payload: dict[str, Any] = Field(description="ids and names to show the event without another call")
    link: str = Field(description="the route to open")


class RegionEventRead(BaseModel):
    id: int = Field(description="the event's position in this service's feed (grows with each event)")
    kind: str = Field(description="what happened, a stable code")
    region_id: uuid.UUID
    at: datetime
    payload: dict[str, Any]
    link: str


class RegionEventPage(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"events": [{
        "id": 88, "kind": "allocation_published", "region_id": "6f1c2a64-1b1e-4c55-9d7e-3f0b8e6f4a10",
        "at": "2026-01-13T11:00:00+08:00",
        "payload": {"publication_id": "c4e6a8b0-3d5f-4b7c-9e1a-2f4d6b8c0e32",
                    "region_id": "6f1c2a64-1b1e-4c55-9d7e-3f0b8e6f4a10",
                    "run_id": "a2c4e6f8-1b3d-4f5a-9c7e-0d2b4f6a8c10",
                    "year": 2025, "sequence": 2, "correction": True},
        "link": "/api/v1/quota/regions/6f1c2a64-1b1e-4c55-9d7e-3f0b8e6f4a10/years/2025/published"}], "last": 88}]})

    events: list[RegionEventRead]
    last: int = Field(description="the position after the events returned (the next `after`)")


_EVENT: JsonDict = {
    "id": 1042, "kind": "comment_added", "person_id": "3b8d2f6e-7a1c-4d9e-b5f2-6c0a1e8d4b77", "unit_id": None,
    "at": "2025-04-15T10:02:00+08:00",
    "payload": {"target_kind": "work_log", "target_id": "c4f1e8a2-6d3b-4f9a-8e2c-1b7d5a9f3e60", "period": "2025-W15",
                "mark": "92.5"},
    "link": "/api/v1/records/comments/work_log/c4f1e8a2-6d3b-4f9a-8e2c-1b7d5a9f3e60"}


class EventPage(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"events": [_EVENT], "last": 1042}]})

    events: list[EventRead]
    last: int = Field(description="the position after the events returned (the next `after`)")


class EventCount(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"count": 3, "last": 1042}]})

    count: int = Field(description="events of the caller's feed after `after`")
    last: int = Field(description="the position of the caller's newest event (0: none)")


def _audience(table: Table, person_id: uuid.UUID | None, unit_ids: Sequence[uuid.UUID]) -> Any:
    clauses = []
    if person_id is not None:
        clauses.append(table.c.person_id == person_id)
    if unit_ids:
        clauses.append(table.c.unit_id.in_(list(unit_ids)))
    return or_(*clauses) if clauses else None


async def feed(session: AsyncSession, table: Table, *, person_id: uuid.UUID | None,
               unit_ids: Sequence[uuid.UUID], after: int, limit: int) -> EventPage:
    where = _audience(table, person_id, unit_ids)
    if where is None:
        return EventPage(events=[], last=after)
    rows = (await session.execute(select(table).where(table.c.id > after, where)
                                  .order_by(table.c.id).limit(limit))).mappings().all()
    events = [EventRead.model_validate(dict(r)) for r in rows]
    return EventPage(events=events, last=events[-1].id if events else after)


async def count(session: AsyncSession, table: Table, *, person_id: uuid.UUID | None,
                unit_ids: Sequence[uuid.UUID], after: int) -> EventCount:
    where = _audience(table, person_id, unit_ids)
    if where is None:
        return EventCount(count=0, last=0)
    found, last = (await session.execute(
        select(func.count().filter(table.c.id > after), func.coalesce(func.max(table.c.id), 0)).where(where))).one()
    return EventCount(count=found, last=last)


# The caller's audience (their person and units) and the time-derived events to insert first.
Audience = Callable[[AsyncSession, Request, Caller], Awaitable[tuple[uuid.UUID | None, list[uuid.UUID]]]]
Derive = Callable[[AsyncSession, Request, Caller, uuid.UUID | None], Awaitable[None]]
# An event as this caller sees it (e.g. its link made theirs)
Present = Callable[[EventRead, Caller], EventRead]


def _as_is(event: EventRead, caller: Caller) -> EventRead:
    return event


def events_router(prefix: str, table: Table, audience: Audience, derive: Derive,
                  present: Present = _as_is) -> APIRouter:
    """``GET {prefix}/events`` and ``GET {prefix}/events/count``: the caller's own feed (their person
    and their units'); no ids are taken from the request, so there is nobody else's to ask for."""
    router = APIRouter(prefix=prefix, tags=["events"])
    service = prefix.rstrip("/").rsplit("/", 1)[-1]

    async def prepare(session: AsyncSession, request: Request,
                      caller: Caller) -> tuple[uuid.UUID | None, list[uuid.UUID]]:
        person_id, unit_ids = await audience(session, request, caller)
        await derive(session, request, caller, person_id)
        return person_id, unit_ids

    @router.get("/events", response_model=EventPage, name=f"read_{service}_events",
                summary="My events")
    async def read_feed(session: SessionDep, request: Request, caller: CallerDep,
                        after: Annotated[int, Query(ge=0, le=2**62)] = 0,
                        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50) -> EventPage:
        """The caller's own event feed, oldest first: events addressed to them and to their units (a comment on my
        weekly record, a task assigned to me, a task of mine overdue, a result published, …), after the position
        `after` (0: from the start). Poll with the answer's `last` as the next `after`. No ids are taken from the
        request, so there is nobody else's feed to ask for.

        Callers: every signed-in role."""
        person_id, unit_ids = await prepare(session, request, caller)
        page = await feed(session, table, person_id=person_id, unit_ids=unit_ids, after=after, limit=limit)
        return EventPage(events=[present(e, caller) for e in page.events], last=page.last)

    @router.get("/events/count", response_model=EventCount, name=f"count_{service}_events",
                summary="Count my new events")
    async def count_feed(session: SessionDep, request: Request, caller: CallerDep,
                         after: Annotated[int, Query(ge=0, le=2**62)] = 0) -> EventCount:
        """How many of the caller's events follow the position `after`, and the position of their newest event: a badge
        for an unread count without reading the feed.

        Callers: every signed-in role."""
        person_id, unit_ids = await prepare(session, request, caller)
        return await count(session, table, person_id=person_id, unit_ids=unit_ids, after=after)

    return router


def region_events_router(prefix: str, table: Table) -> APIRouter:
    """``GET {prefix}/regions/{region_id}/events``: the region's own events, oldest first, for the
    gateway's webhooks (not a public route: the gateway's policy does not open it). A region the
    caller does not administer is not found."""
    router = APIRouter(prefix=prefix, tags=["events"])
    service = prefix.rstrip("/").rsplit("/", 1)[-1]

    @router.get("/regions/{region_id}/events", response_model=RegionEventPage,
                name=f"read_{service}_region_events", summary="A region's events")
    async def read_region_events(region_id: uuid.UUID, session: SessionDep, caller: CallerDep,
                                 after: Annotated[int, Query(ge=0, le=2**62)] = 0,
                                 limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50) -> RegionEventPage:
        """The region's own events after the position `after`, oldest first (an allocation or a result published, the
        roster changed): what the gateway's webhooks deliver to a province's endpoints. Not a public route: the
        gateway's policy does not open it.

        Callers: the gateway, for an administrator of the region. Errors: 404 `region_not_found` for a region the
        caller does not administer."""
        if not caller.administers_region(region_id):
            raise NotFound(f"no region {region_id}", code="region_not_found")
        rows = (await session.execute(select(table).where(table.c.region_id == region_id, table.c.id > after)
                                      .order_by(table.c.id).limit(limit))).mappings().all()
        events = [RegionEventRead.model_validate(dict(r)) for r in rows]
        return RegionEventPage(events=events, last=events[-1].id if events else after)

    return router

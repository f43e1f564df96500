"""``/api/v1/me/events``: what happened to me and to my units, merged from the services' outboxes.

Each service keeps its own feed (records: comments on my records, tasks given me or overdue;
scoring: rounds I rate in, published results, decided objections, procedure stages); one call to
each gives the caller's next events, merged here in time order. The cursor is opaque: it holds
both services' positions, so a client only ever sends back the ``next`` it was given. With
``wait`` the call is held (asking the services again every ``events_poll_seconds``) until an event
arrives or the wait is over: a mobile app polls cheaply, a web console keeps one call open. How far
a user has read is kept here, per service, for the unread badge.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import heapq
import itertools
import re
import time
import uuid
from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.clients.services import Downstreams
from gateway.identity import Principal, authenticate
from gateway.models import EventReadMark
from shared.db import SessionDep
from shared.errors import Forbidden, Unprocessable, UpstreamUnavailable
from shared.labels import label_of
from shared.service_auth import Caller

router = APIRouter(prefix="/api/v1/me/events", tags=["me"])
FEEDS = ("records", "scoring")
MAX_WAIT_SECONDS = 25
UPSTREAM: dict[int | str, dict[str, Any]] = {504: {"description": "a service this needs did not answer in time"}}
_CURSOR = re.compile(r"^r(\d{1,18})\.s(\d{1,18})$")

Source = Literal["records", "scoring"]
Positions = dict[str, int]


class MeEvent(BaseModel):
    source: Source = Field(description="the service that wrote it; `id` grows within it")
    id: int
    kind: str = Field(description="round_opened, round_deadline, result_published, objection_decided, stage_moved, "
                                  "comment_added, task_assigned, task_overdue")
    person_id: uuid.UUID | None = Field(description="addressed to me (my person), or")
    unit_id: uuid.UUID | None = Field(description="to my unit")
    at: datetime
    payload: dict[str, Any] = Field(description="ids and names to show it without another call")
    link: str = Field(description="the route to open")
    kind_label: ClassVar[Any] = label_of("event", "kind")


class MeEventPage(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"events": [{"source": "records",
                     "id": 1,
                     "kind": "result_published",
                     "person_id": "aa19ade6-519f-5bc6-ba1e-ee473ee5f0ee",
                     "unit_id": "eac565fd-f2ae-5153-9e88-7b7cb5e97050",
                     "at": "2025-07-01T09:30:00Z",
                     "payload": {},
                     "link": "/api/v1/scoring/rounds/498b5b19-83b1-5f5d-b4dd-95a6acdcfa46"}],
         "next": "next"}]})
    events: list[MeEvent] = Field(description="oldest first")
    next: str = Field(description="the cursor to send as `after` for what follows")


class UnreadCount(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"unread": 1, "read_to": "2025-07-01T09:30:00Z"}]})
    unread: int = Field(description="my events after the position marked read")
    read_to: str = Field(description="the cursor marked read")


class MarkRead(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"cursor": "cjEyLnM0NQ"}]})
    cursor: str | None = Field(default=None, max_length=64,
                               description="a `next` from the feed; left out: everything up to now")


def encode(positions: Positions) -> str:
    raw = f"r{positions['records']}.s{positions['scoring']}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str | None, field: str) -> Positions:
    if not cursor:
        return dict.fromkeys(FEEDS, 0)
    try:
        found = _CURSOR.match(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
    except (binascii.Error, UnicodeDecodeError, ValueError):
        found = None
    if found is None:
        message = "not a cursor this feed gave: send back a `next` as it was"
        raise Unprocessable(message, code="cursor_invalid", errors=[{"field": field, "message": message}])
    return {"records": int(found[1]), "scoring": int(found[2])}


async def feed_owner(principal: Annotated[Principal, Depends(authenticate)]) -> Caller:
    """A signed-in user: an API key (a system) has no events of its own."""
    if principal.caller.kind != "user":
        raise Forbidden("an API key has no event feed; sign in as a user", code="no_event_feed")
    return principal.caller


OwnerDep = Annotated[Caller, Depends(feed_owner)]


async def _ask(downstreams: Downstreams, service: str, path: str, caller: Caller,
               params: dict[str, int]) -> dict[str, Any]:
    response = await downstreams.clients[service].request("GET", f"/api/v1/{service}/{path}", caller=caller,
                                                          params=params)
    if response.status_code != 200:
        raise UpstreamUnavailable(f"{service} answered {response.status_code} for the event feed")
    answer: dict[str, Any] = response.json()
    return answer


async def _page(downstreams: Downstreams, caller: Caller, after: Positions, limit: int) -> MeEventPage:
    """One call to each service; the ``limit`` oldest of both, and the positions past them."""
    pages = await asyncio.gather(*(_ask(downstreams, s, "events", caller, {"after": after[s], "limit": limit})
                                   for s in FEEDS))
    # Each service's events stay in their own order (by id), so the positions past them skip none.
    merged = list(itertools.islice(heapq.merge(*([MeEvent(source=s, **e) for e in page["events"]]
                                                 for s, page in zip(FEEDS, pages, strict=True)),
                                               key=lambda e: (e.at, e.source)), limit))
    positions = dict(after)
    for event in merged:
        positions[event.source] = max(positions[event.source], event.id)
    return MeEventPage(events=merged, next=encode(positions))


def _has_audience(caller: Caller) -> bool:
    return caller.person_id is not None or bool(caller.unit_ids)


@router.get("", response_model=MeEventPage, responses=UPSTREAM,
            summary="My events after a cursor, oldest first, to me and my units; ?wait= holds the call till one comes")
async def my_events(caller: OwnerDep, request: Request,
                    after: Annotated[str | None, Query(max_length=64, description="a `next` from before")] = None,
                    limit: Annotated[int, Query(ge=1, le=200)] = 50,
                    wait: Annotated[int, Query(ge=0, le=MAX_WAIT_SECONDS,
                                               description="seconds to hold the call while nothing is new")] = 0,
                    ) -> MeEventPage:
    """My events (round opened, deadline near, result published, objection decided, stage moved ...) from every
    service after a cursor, oldest first, to me and to my units; with `wait` the call is held until one
    comes or the seconds run out (long polling). Returns the events and the cursor to send next. **Who may
    call:** any signed-in user; not API keys.
    """
    positions = decode(after, "query.after")
    downstreams: Downstreams = request.app.state.downstreams
    interval = request.app.state.settings.events_poll_seconds
    give_up = time.monotonic() + (wait if _has_audience(caller) else 0)
    while True:
        page = await _page(downstreams, caller, positions, limit)
        left = give_up - time.monotonic()
        if page.events or left <= 0:
            return page
        await asyncio.sleep(min(interval, left))


async def _read_to(session: AsyncSession, caller: Caller) -> Positions:
    mark = await session.get(EventReadMark, caller.subject, populate_existing=True)
    if mark is None:
        return dict.fromkeys(FEEDS, 0)
    return {"records": mark.records_after, "scoring": mark.scoring_after}


async def _counts(downstreams: Downstreams, caller: Caller, after: Positions) -> list[dict[str, Any]]:
    return list(await asyncio.gather(*(_ask(downstreams, s, "events/count", caller, {"after": after[s]})
                                       for s in FEEDS)))


@router.get("/unread", response_model=UnreadCount, responses=UPSTREAM,
            summary="How many of my events I have not marked read (for the badge)")
async def unread(caller: OwnerDep, request: Request, session: SessionDep) -> UnreadCount:
    """How many of my events I have not marked read, for the badge, and the position marked read. **Who may
    call:** any signed-in user; not API keys.
    """
    read_to = await _read_to(session, caller)
    counts = await _counts(request.app.state.downstreams, caller, read_to)
    return UnreadCount(unread=sum(c["count"] for c in counts), read_to=encode(read_to))


@router.post("/read", response_model=UnreadCount, responses=UPSTREAM,
             summary="Mark my events read up to a cursor (or all of them); a position never moves back")
async def mark_read(body: MarkRead, caller: OwnerDep, request: Request, session: SessionDep) -> UnreadCount:
    """Marks my events read up to a cursor (or all of them); a read position never moves back. Returns how many
    remain unread. **Who may call:** any signed-in user; not API keys.
    """
    downstreams: Downstreams = request.app.state.downstreams
    if body.cursor is not None:
        wanted = decode(body.cursor, "body.cursor")
    else:
        wanted = {s: c["last"] for s, c in zip(FEEDS, await _counts(downstreams, caller, dict.fromkeys(FEEDS, 0)),
                                                strict=True)}
    table = EventReadMark.__table__
    statement = insert(EventReadMark).values(subject=caller.subject, records_after=wanted["records"],
                                             scoring_after=wanted["scoring"])
    await session.execute(statement.on_conflict_do_update(index_elements=["subject"], set_={
        "records_after": func.greatest(table.c.records_after, statement.excluded.records_after),
        "scoring_after": func.greatest(table.c.scoring_after, statement.excluded.scoring_after),
        "updated_at": func.now()}))
    read_to = await _read_to(session, caller)
    counts = await _counts(downstreams, caller, read_to)
    return UnreadCount(unread=sum(c["count"] for c in counts), read_to=encode(read_to))

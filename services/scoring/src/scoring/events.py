"""Scoring's events (see ``shared.outbox``): a rating round opened for me (one per rater), a result
published (one per unit of the version, read by the unit's people through their unit), an
objection decided (to its filer), a procedure stage moved (to the scheme's unit); and, derived when
the feed is read, the deadline of a round I rate in falling within a day."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from scoring import clock
from scoring.clients import Neighbours
from scoring.db import Base
from scoring.models import Close, Objection, RatingRound, RoundRater, Scheme
from scoring.procedure.schemas import ProcedureRead
from shared import jobs, outbox
from shared.business_time import business_today
from shared.service_auth import Caller

EVENTS = outbox.event_table(Base.metadata)
# a job's end, to its region's systems
jobs.on_finished("scoring", jobs.announce_to_region(EVENTS))
DEADLINE_NOTICE = timedelta(days=1)  # "the deadline is tomorrow": within a day of now


def _scheme_payload(scheme: Scheme, period: str) -> dict[str, Any]:
    return {"scheme_id": str(scheme.id), "scheme_name": scheme.name, "period": period}


async def round_opened(session: AsyncSession, round_: RatingRound, scheme: Scheme,
                       raters: Iterable[uuid.UUID]) -> None:
    """To each rater named (at opening, or added or put in later)."""
    closes_at = None if round_.closes_at is None else round_.closes_at.isoformat()
    await outbox.emit(session, EVENTS, [{
        "kind": "round_opened", "person_id": rater,
        "payload": {"round_id": str(round_.id), **_scheme_payload(scheme, round_.period), "closes_at": closes_at},
        "link": f"/api/v1/scoring/rounds/{round_.id}"} for rater in raters])


def _results_link(scheme_id: uuid.UUID | str, period: str) -> str:
    return f"/api/v1/scoring/schemes/{scheme_id}/periods/{period}/results"


async def _to_units(session: AsyncSession, neighbours: Neighbours, scheme: Scheme, kind: str,
                    payload: dict[str, Any], link: str) -> None:
    """One event per unit: the scheme's unit; for a group's scheme, each unit records has in the group
    (and its lead unit): a province's version writes a row per unit, never one per person, and no
    row of the version is read to find them."""
    if scheme.unit_id is not None:
        units = {scheme.unit_id}
    else:
        assert scheme.group_name is not None
        units = {uuid.UUID(u) for u in await neighbours.group_units(region_id=scheme.region_id,
                                                                     group=scheme.group_name)}
        if scheme.lead_unit_id is not None:
            units.add(scheme.lead_unit_id)
    await outbox.emit_to_units(session, EVENTS, sorted(units), kind=kind, payload=payload, link=link)


async def result_published(session: AsyncSession, neighbours: Neighbours, close: Close, scheme: Scheme) -> None:
    payload = {"close_id": str(close.id), **_scheme_payload(scheme, close.period), "version": close.version}
    link = _results_link(scheme.id, close.period)
    await _to_units(session, neighbours, scheme, "result_published", payload, link)
    await outbox.emit_to_region(session, EVENTS, scheme.region_id, kind="result_published",
                                payload={**payload, "region_id": str(scheme.region_id),
                                         "unit_id": None if scheme.unit_id is None else str(scheme.unit_id),
                                         "group": scheme.group_name}, link=link)


async def procedure_moved(session: AsyncSession, neighbours: Neighbours, scheme: Scheme, moved: ProcedureRead, *,
                          back: bool) -> None:
    """The stage a move (a start, a step on, a step back) left the period at, to the scheme's units as a
    published result is; entering the final stage publishes the result, which is told too."""
    stage = next(s for s in moved.stages if s.state == "current")
    direction = "back" if back else "started" if len(moved.history) == 1 else "advanced"
    payload = {**_scheme_payload(scheme, moved.period), "stage": stage.code, "stage_name": stage.name,
               "direction": direction}
    await _to_units(session, neighbours, scheme, "stage_moved", payload,
                    f"/api/v1/scoring/schemes/{scheme.id}/periods/{moved.period}/procedure")
    if moved.finished and not back and moved.final_close_id is not None:
        close = await session.get(Close, moved.final_close_id, populate_existing=True)
        assert close is not None
        await result_published(session, neighbours, close, scheme)


async def objection_decided(session: AsyncSession, objection: Objection, close: Close, scheme: Scheme) -> None:
    await outbox.emit(session, EVENTS, [{
        "kind": "objection_decided", "person_id": objection.person_id,
        "payload": {"objection_id": str(objection.id), **_scheme_payload(scheme, close.period),
                    "close_id": str(close.id), "decision": objection.decision,
                    "new_close_id": None if objection.new_close_id is None else str(objection.new_close_id)},
        "link": f"/api/v1/scoring/objections/{objection.id}"}])


async def audience(session: AsyncSession, request: Request, caller: Caller) -> tuple[uuid.UUID | None,
                                                                                      list[uuid.UUID]]:
    """The caller's person, and their units: their account's, and those records places the person in today."""
    units = set(caller.unit_ids)
    if caller.person_id:
        units.update(await request.app.state.neighbours.units_today(caller.person_id, business_today()))
    return (uuid.UUID(caller.person_id) if caller.person_id else None), sorted(uuid.UUID(u) for u in units)


async def derive(session: AsyncSession, request: Request, caller: Caller, person_id: uuid.UUID | None) -> None:
    """A round the person rates in, open, whose deadline is within a day: once per round and deadline."""
    if person_id is None:
        return
    now: datetime = request.app.dependency_overrides.get(clock.now, clock.utc_now)()  # a test may stand it elsewhere
    found = await session.execute(
        select(RatingRound, Scheme).join(RoundRater, RoundRater.round_id == RatingRound.id)
        .join(Scheme, Scheme.id == RatingRound.scheme_id)
        .where(RoundRater.rater_id == person_id, RatingRound.status == "open",
               RatingRound.closes_at > now, RatingRound.closes_at <= now + DEADLINE_NOTICE))
    rows = []
    for round_, scheme in found:
        assert round_.closes_at is not None
        rows.append({"kind": "round_deadline", "person_id": person_id,
                     "dedupe_key": f"round_deadline:{round_.id}:{person_id}:{round_.closes_at.isoformat()}",
                     "payload": {"round_id": str(round_.id), **_scheme_payload(scheme, round_.period),
                                 "closes_at": round_.closes_at.isoformat()},
                     "link": f"/api/v1/scoring/rounds/{round_.id}"})
    await outbox.emit(session, EVENTS, rows, dedupe=True)


def present(event: outbox.EventRead, caller: Caller) -> outbox.EventRead:
    """A published result opens, for a member, their own explanation; for the unit's staff, the results."""
    if event.kind == "result_published" and caller.person_id and not set(caller.roles) - {"member"}:
        payload = event.payload
        link = (f"/api/v1/scoring/schemes/{payload['scheme_id']}/periods/{payload['period']}/people/"
                f"{caller.person_id}/explanation")
        return event.model_copy(update={"link": link})
    return event


router = outbox.events_router("/api/v1/scoring", EVENTS, audience, derive, present=present)
region_router = outbox.region_events_router("/api/v1/scoring", EVENTS)

"""The publicity (公示) of a draft result, and the objections filed against it in its window.

During the publicity (and after it), everyone in the unit's scope reads the draft: each person's
name, unit and proposed grade, never their score or marks. A member reads the rows of their own
unit. An objection is filed by the person, against their own row of the latest draft version,
only on a day of the window; an upheld one makes a new draft version, which the publicity then shows.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from scoring.clients import Neighbours
from scoring.errors import ObjectionClosed, ResultNotFound
from scoring.models import Close, Objection, Result, Scheme
from scoring.procedure.conditions import latest, stages_of
from scoring.procedure.days import calendar_of
from scoring.procedure.schemas import PublicityRead, PublicRow
from scoring.procedure.service import run_of, window_read
from scoring.results.listing import visible_units
from scoring.scope import Scope
from shared.errors import Conflict
from shared.service_auth import SYSTEM_CALLER


async def publicity(session: AsyncSession, neighbours: Neighbours, scheme: Scheme, period: str, scope: Scope,
                    today: date) -> PublicityRead:
    """The draft as made public. Whoever sees the scheme reads the rows of the units they see; a
    person of the draft reads their own unit's rows; anyone else gets a 404."""
    missing = ResultNotFound(f"no publicity of {period} under scheme {scheme.id}")
    run = await run_of(session, scheme.id, period)
    close = None if run is None else await latest(session, scheme.id, period)
    units: set[str] | None
    if scope.sees(scheme):
        units = visible_units(scope, scheme)
    else:
        person = scope.caller.person_id
        own = None if person is None or close is None else await session.get(Result, (close.id, uuid.UUID(person)))
        if own is None:
            raise missing
        units = {str(own.unit_id)}
    if run is None or close is None or run.window_opened_on is None:
        raise Conflict(f"the draft of {period} is not made public yet", code="not_in_publicity")
    stages = stages_of(run)
    window = window_read(run, today, await calendar_of(session), stages)
    assert window is not None
    query = select(Result.person_id, Result.unit_id, Result.grade).where(Result.close_id == close.id)
    if units is not None:
        query = query.where(Result.unit_id.in_([uuid.UUID(u) for u in units]))
    rows = list(await session.execute(query.order_by(Result.unit_id, Result.person_id)))
    # asked as the system: the caller was authorised above, and a member may not read the summary
    people = await neighbours.summary(region_id=scheme.region_id, unit_id=scheme.unit_id, group=scheme.group_name,
                                      period=period, caller=SYSTEM_CALLER, fields=("name",))
    names = {str(p["person_id"]): str(p["name"]) for p in people}
    unit_names = await neighbours.unit_names(region_id=scheme.region_id, caller=SYSTEM_CALLER)
    return PublicityRead(scheme_id=scheme.id, period=period, close_id=close.id, version=close.version, window=window,
                         items=[PublicRow(person_id=p, name=names.get(str(p), ""),
                                          unit=unit_names.get(str(u), str(u or "")), grade=g) for p, u, g in rows])


async def object_to_draft(session: AsyncSession, close: Close, person_id: uuid.UUID, reason: str,
                          subject: str, today: date) -> Objection:
    """An objection to one's own row of the latest draft, on a day of the publicity window."""
    run = await run_of(session, close.scheme_id, close.period)
    row = await session.get(Result, (close.id, person_id))
    if row is None:
        raise ResultNotFound(f"no result of yours in {close.id}")
    finished = run is not None and stages_of(run)[run.stage].produces == "final"
    if (run is None or run.window_starts_on is None or run.window_ends_on is None or finished
            or not run.window_starts_on <= today <= run.window_ends_on):
        dates = ({} if run is None or run.window_starts_on is None else
                 {"starts_on": run.window_starts_on.isoformat(), "ends_on": run.window_ends_on.isoformat()
                  if run.window_ends_on else None})
        raise ObjectionClosed("objections are taken during the publicity only"
                              + (f": from {dates['starts_on']} to {dates['ends_on']}" if dates else
                                 ": it has not begun"), code="objection_window_closed", extra={"window": dates})
    newest = await latest(session, close.scheme_id, close.period)
    if newest is None or newest.id != close.id:
        raise ObjectionClosed("a newer draft of this result has been made; object to that one")
    pending = await session.scalar(select(Objection.id).where(Objection.close_id == close.id,
                                                              Objection.person_id == person_id,
                                                              Objection.status == "pending"))
    if pending is not None:
        raise ObjectionClosed(f"your objection {pending} to this result is still pending")
    objection = Objection(id=uuid.uuid4(), close_id=close.id, person_id=person_id, reason=reason, created_by=subject)
    session.add(objection)
    await session.flush()
    await session.refresh(objection)
    return objection

"""Procedure routes: a period's stages, moving them on and back, the publicity; the working-day calendar."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request

from scoring import events
from scoring.periods import PeriodDep
from scoring.procedure import days, publicity, service
from scoring.procedure.clock import TodayDep
from scoring.procedure.schemas import BackIn, CalendarDayIn, CalendarRead, MoveIn, ProcedureRead, PublicityRead
from scoring.scope import ScopeDep, scheme_or_404
from shared.db import SessionDep
from shared.errors import NotFound

router = APIRouter(prefix="/api/v1/scoring", tags=["procedure"])
PROCEDURE_CONFLICT: dict[int | str, dict[str, Any]] = {409: {"description": (
    "a condition of the stage does not hold (the code names it), the scheme has no "
    "procedure, or the draft is not made public yet"
)}}

Year = Annotated[int, Path(ge=2000, le=2100)]
BASE = "/schemes/{scheme_id}/periods/{period}/procedure"


@router.get(BASE, response_model=ProcedureRead,
            summary="The period's stages: their state, dates, who may move them on, the conditions and whether they "
                    "hold, and each stage's history")
async def read_procedure(scheme_id: uuid.UUID, period: PeriodDep, session: SessionDep, scope: ScopeDep,
                         today: TodayDep) -> ProcedureRead:
    """The period's procedure (考核程序): each stage with its state, dates, who may move it on, its conditions and
    whether they hold, and its history. 404 `scheme_not_found`; 422 `invalid_period`.
    """
    scheme = await scheme_or_404(session, scheme_id, scope, manage=False)
    return await service.view(session, scheme, period.code, scope, today)


@router.post(f"{BASE}/advance", response_model=ProcedureRead,
             summary="Start the procedure, or move it on to the next stage once the current one's conditions hold; "
                     "a move recorded afterwards gives the day it took effect (on) and why",
             responses={409: {"description": "a condition does not hold (its code names it: ballots_missing, "
                                             "rating_round_open, draft_missing, publicity_not_over, "
                                             "objections_pending, ...), or the procedure is finished"}})
async def advance(scheme_id: uuid.UUID, period: PeriodDep, session: SessionDep, scope: ScopeDep,
                  today: TodayDep, request: Request, body: MoveIn | None = None) -> ProcedureRead:
    """Starts the procedure, or moves it on to the next stage once the current stage's conditions hold; a move
    recorded after the day it took effect gives that day (`on`) and why. Returns the procedure. 404
    `scheme_not_found`; 409 when a condition does not hold.
    """
    scheme = await scheme_or_404(session, scheme_id, scope)
    moved = await service.advance(session, scheme, period.code, scope, today, body or MoveIn())
    await events.procedure_moved(session, request.app.state.neighbours, scheme, moved, back=False)
    return moved


@router.post(f"{BASE}/back", responses=PROCEDURE_CONFLICT, response_model=ProcedureRead,
             summary="Move the procedure back one stage, with a reason (never once final), as of today or of the "
                     "day it took effect (on)")
async def back(scheme_id: uuid.UUID, period: PeriodDep, body: BackIn, session: SessionDep, scope: ScopeDep,
               today: TodayDep, request: Request) -> ProcedureRead:
    """Moves the procedure back one stage with a reason (never once final), as of today or of the day it took
    effect (`on`). Returns the procedure. 404 `scheme_not_found`; 409 at the first stage or once final.
    """
    scheme = await scheme_or_404(session, scheme_id, scope)
    moved = await service.back(session, scheme, period.code, scope, today, body)
    await events.procedure_moved(session, request.app.state.neighbours, scheme, moved, back=True)
    return moved


@router.get(f"{BASE}/publicity", responses=PROCEDURE_CONFLICT, response_model=PublicityRead,
            summary="The draft as made public (公示): name, unit and proposed grade, for everyone in the unit's scope")
async def read_publicity(scheme_id: uuid.UUID, period: PeriodDep, session: SessionDep, scope: ScopeDep,
                         today: TodayDep, request: Request) -> PublicityRead:
    """The draft result as made public (公示) during the publicity stage: name, unit and proposed grade, for
    everyone in the unit's scope. 404 `scheme_not_found`, or while nothing is in publicity.
    """
    scheme = await service.scheme_any(session, scheme_id)
    if scheme is None:
        raise NotFound(f"no publicity of {period.code} under scheme {scheme_id}", code="result_not_found")
    return await publicity.publicity(session, request.app.state.neighbours, scheme, period.code, scope, today)


@router.get("/calendar/{year}", response_model=CalendarRead,
            summary="A year's working days: weekdays off and weekend days worked, each with its source, and the "
                    "province's overrides")
async def read_calendar(year: Year, session: SessionDep) -> CalendarRead:
    """The working-day calendar of a year (工作日历) the procedure's deadlines are counted in: the official
    arrangement's weekdays off and weekend working days, and the province's overrides, each with its source.
    Returns the calendar; `covered` says whether the official arrangement covers the year.
    """
    return await days.read_year(session, year)


@router.put("/calendar/{year}", response_model=CalendarRead,
            summary="Replace a year's working-day overrides (a year the official arrangement does not cover, or a "
                    "day it has wrong): province administrators")
async def put_calendar(year: Year, body: list[CalendarDayIn], session: SessionDep, scope: ScopeDep) -> CalendarRead:
    """Replaces the province's overrides of a year's calendar, day by day (a year the official arrangement does
    not yet cover, or a day it has wrong). Returns the calendar as it now is. 422 for a day outside the year
    or one given twice.
    """
    return await days.replace_year(session, year, body, scope)

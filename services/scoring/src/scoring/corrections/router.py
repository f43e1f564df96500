"""Correction routes: amend or void a bonus or deduction item, a negative-list event or a mark, with
a reason; the period's changes."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request

from scoring.corrections import service
from scoring.corrections.schemas import AdjustmentUpdate, ChangePage, ChangeRead, NegativeEventUpdate, VoidIn
from scoring.periods import PeriodDep
from scoring.results.names import loaded_scheme, name_rows
from scoring.schemes.schemas import AdjustmentRead, NegativeEventRead
from scoring.scope import ScopeDep
from shared.db import SessionDep
from shared.pagination import PageDep

router = APIRouter(prefix="/api/v1/scoring", tags=["corrections"])
VOID_CONFLICT: dict[int | str, dict[str, Any]] = {409: {"description": "the mark was already taken away"}}

VOIDED: dict[int | str, dict[str, Any]] = {409: {"description": "already voided"}}


@router.post("/adjustments/{adjustment_id}/void", response_model=AdjustmentRead, responses=VOIDED,
             summary="Void a bonus or deduction item with a reason: kept, flagged, left out of every close")
async def void_adjustment(adjustment_id: uuid.UUID, body: VoidIn, session: SessionDep,
                          scope: ScopeDep) -> AdjustmentRead:
    """Voids a bonus or deduction item with a reason: it stays, flagged by `voided_at`, and no later close
    counts it. Returns the voided item. 404 `adjustment_not_found`; 409 `already_voided`.
    """
    return AdjustmentRead.model_validate(await service.void_adjustment(session, adjustment_id, body.reason, scope))


@router.patch("/adjustments/{adjustment_id}", response_model=AdjustmentRead, responses=VOIDED,
              summary="Amend a bonus or deduction item with a reason (the old values kept in the changes)")
async def amend_adjustment(adjustment_id: uuid.UUID, body: AdjustmentUpdate, session: SessionDep,
                           scope: ScopeDep) -> AdjustmentRead:
    """Changes the item, points, evidence or approver of a bonus or deduction item; the reason and the old
    values are kept in the period's changes. Returns the item as amended. 404 `adjustment_not_found`; 409
    `already_voided`; 422 when the points break the item's or the period's caps.
    """
    return AdjustmentRead.model_validate(await service.amend_adjustment(session, adjustment_id, body, scope))


@router.post("/negative-events/{event_id}/void", response_model=NegativeEventRead, responses=VOIDED,
             summary="Void a negative-list event with a reason: kept, flagged, left out of every close")
async def void_event(event_id: uuid.UUID, body: VoidIn, session: SessionDep, scope: ScopeDep) -> NegativeEventRead:
    """Voids a negative-list event with a reason: it stays, flagged, and no later close counts it. Returns the
    voided event. 404 `negative_event_not_found`; 409 `already_voided`.
    """
    return NegativeEventRead.model_validate(await service.void_event(session, event_id, body.reason, scope))


@router.patch("/negative-events/{event_id}", response_model=NegativeEventRead, responses=VOIDED,
              summary="Amend a negative-list event's item or note with a reason (the old values kept in the changes)")
async def amend_event(event_id: uuid.UUID, body: NegativeEventUpdate, session: SessionDep,
                      scope: ScopeDep) -> NegativeEventRead:
    """Changes a negative-list event's item or note; the reason and the old values are kept in the period's
    changes. Returns the event as amended. 404 `negative_event_not_found`; 409 `already_voided`.
    """
    return NegativeEventRead.model_validate(await service.amend_event(session, event_id, body, scope))


@router.post("/schemes/{scheme_id}/periods/{period}/marks/{person_id}/{indicator}/void", responses=VOID_CONFLICT,
             response_model=ChangeRead,
             summary="Take a mark away with a reason (its value kept in the changes)")
async def void_mark(scheme_id: uuid.UUID, period: PeriodDep, person_id: uuid.UUID,
                    indicator: Annotated[str, Path(min_length=1, max_length=32)], body: VoidIn, session: SessionDep,
                    scope: ScopeDep, request: Request) -> ChangeRead:
    """Takes a hand-given mark away with a reason; its value is kept in the period's changes. Returns the
    change. 404 `mark_not_found`; 409 `already_voided`.
    """
    change = await service.void_mark(session, scheme_id, period, person_id, indicator, body.reason, scope)
    await name_rows(request.app.state.neighbours, await loaded_scheme(session, scheme_id), period.code,
                    scope.caller, [change])
    return change


@router.get("/schemes/{scheme_id}/periods/{period}/changes", response_model=ChangePage,
            summary="Every correction of the period's inputs: old and new values, who, why, when; oldest first")
async def list_period_changes(scheme_id: uuid.UUID, period: PeriodDep, session: SessionDep, scope: ScopeDep,
                       request: Request, kind: Literal["adjustment", "negative_event", "mark"] | None = None,
                       person_id: uuid.UUID | None = None,
                       close_id: Annotated[uuid.UUID | None, Query(
                           description="only the changes made after this result version was computed")] = None,
                       *, paging: PageDep) -> ChangePage:
    """Each change with the name of the person it is about (one records call per page)."""
    page = await service.list_changes(session, scheme_id, period, scope, paging, kind=kind, person_id=person_id,
                                      close_id=close_id)
    await name_rows(request.app.state.neighbours, await loaded_scheme(session, scheme_id), period.code,
                    scope.caller, page.items)
    return page

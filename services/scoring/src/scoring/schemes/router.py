"""Scheme routes: create and version schemes; the hand-given inputs of a period."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, TypeVar

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from scoring.models import AdjustmentRow, NegativeEvent
from scoring.periods import PeriodDep
from scoring.results.names import loaded_scheme, name_rows
from scoring.results.schemas import NamedRow
from scoring.schemes import service
from scoring.schemes.schemas import (
    AdjustmentCreate,
    AdjustmentPage,
    AdjustmentRead,
    Counted,
    MarksPut,
    NegativeEventCreate,
    NegativeEventPage,
    NegativeEventRead,
    SchemeCreate,
    SchemePage,
    SchemeRead,
    SchemeUpdate,
    VersionCreate,
)
from scoring.scope import Scope, ScopeDep
from shared.db import SessionDep
from shared.pagination import PageDep
from shared.periods import Period

Named = TypeVar("Named", bound=NamedRow)

router = APIRouter(prefix="/api/v1/scoring", tags=["schemes"])
IncludeVoided = Annotated[bool, Query(description="also the voided ones, flagged by their voided_at")]


@router.post("/schemes", response_model=SchemeRead, status_code=201,
             summary="Create a scheme for a unit or an evaluation group (its version 1)")
async def create_scheme(body: SchemeCreate, session: SessionDep, scope: ScopeDep, request: Request) -> SchemeRead:
    """Creates an evaluation scheme (考核方案) for a unit, or for an evaluation group of the region spanning units,
    with its rules as version 1: indicators and weights, rater groups, bonus and deduction items, the
    negative list, grade caps and thresholds. A unit's version starts as a draft to submit for review; the
    region's are approved. Returns the scheme. 404 `scope_not_found` for a region or unit the caller does not
    administer; 422 `invalid_reference` for a region, unit or lead unit that records does not have (checked
    first), `scheme_invalid` for rules that do not hold together (weights not adding up, unknown grades ...).
    """
    return await service.create(session, request.app.state.neighbours, body, scope)


@router.get("/schemes", response_model=SchemePage, summary="The schemes the caller may see")
async def list_schemes(session: SessionDep, scope: ScopeDep, page: PageDep, region_id: uuid.UUID | None = None,
                       unit_id: uuid.UUID | None = None) -> SchemePage:
    """The schemes the caller may see, optionally of one region or unit, each with its latest version and
    review state; a page of the shared form (`limit`/`after`, `next`).
    """
    return await service.list_schemes(session, scope, page, region_id=region_id, unit_id=unit_id)


@router.get("/schemes/{scheme_id}", response_model=SchemeRead, summary="A scheme with its latest (or a given) version")
async def read_scheme(scheme_id: uuid.UUID, session: SessionDep, scope: ScopeDep, request: Request,
                      version: Annotated[int | None, Query(ge=1)] = None) -> SchemeRead:
    """Its managers and leaders see it; so does every person it evaluates (公开透明)."""
    return await service.read_scheme(session, request.app.state.neighbours, scheme_id, scope, version)


@router.patch("/schemes/{scheme_id}", response_model=SchemeRead,
              summary="Set, change or take away a group scheme's lead unit (the region's administrator)")
async def update_scheme(scheme_id: uuid.UUID, body: SchemeUpdate, session: SessionDep, scope: ScopeDep,
                        request: Request) -> SchemeRead:
    """Sets, changes or takes away a group scheme's lead unit (牵头单位), whose administrator then runs it; only
    the region's administrator. Returns the scheme. 404 `scheme_not_found`; 422 for a unit that is not of
    the region or not in the group.
    """
    return await service.update_scheme(session, request.app.state.neighbours, scheme_id, body, scope)


@router.post("/schemes/{scheme_id}/versions", response_model=SchemeRead, status_code=201,
             summary="A new version of the scheme's rules (earlier versions and their results stay as they were)")
async def create_version(scheme_id: uuid.UUID, body: VersionCreate, session: SessionDep,
                         scope: ScopeDep) -> SchemeRead:
    """A new version of the scheme's rules; earlier versions, and the results closed under them, stay as they
    were. A unit's new version is a draft to submit for review. Returns the scheme at the new version. 404
    `scheme_not_found`; 422 `scheme_invalid`.
    """
    return await service.new_version(session, scheme_id, body.definition, scope)


@router.put("/schemes/{scheme_id}/periods/{period}/marks", response_model=Counted,
            summary="Marks on hand-marked indicators (revises earlier marks); all or nothing")
async def put_marks(scheme_id: uuid.UUID, period: PeriodDep, body: MarksPut, session: SessionDep,
                    scope: ScopeDep, request: Request) -> Counted:
    """Marks on the scheme's hand-marked indicators for people of the period, revising earlier marks (the old
    values kept in the changes); all or nothing. Returns how many were stored. 404 `scheme_not_found`; 422
    for an unknown indicator, a person the scheme does not evaluate, a mark out of range or
    `invalid_period`.
    """
    return Counted(stored=await service.put_marks(session, request.app.state.neighbours, scheme_id, period, body,
                                                  scope))


@router.post("/schemes/{scheme_id}/periods/{period}/adjustments", response_model=AdjustmentRead, status_code=201,
             summary="Record a bonus or deduction item with its evidence and approver, within its caps")
async def add_adjustment(scheme_id: uuid.UUID, period: PeriodDep, body: AdjustmentCreate, session: SessionDep,
                         scope: ScopeDep, request: Request) -> AdjustmentRead:
    """Records a bonus or deduction item (加减分) of a person for the period, with its evidence and approver,
    within the item's and the period's caps. Returns the item, with the person's names. 404
    `scheme_not_found`; 422 `invalid_period`, an unknown item, or points over a cap.
    """
    return await _added(service.add_adjustment, body, AdjustmentRead, scheme_id, period, session, scope, request)


@router.get("/schemes/{scheme_id}/periods/{period}/adjustments", response_model=AdjustmentPage,
            summary="The period's bonus and deduction items")
async def list_adjustments(scheme_id: uuid.UUID, period: PeriodDep, session: SessionDep, scope: ScopeDep,
                           request: Request, page: PageDep, include_voided: IncludeVoided = False) -> AdjustmentPage:
    """The period's bonus and deduction items with the people's names, oldest first; with include_voided, the voided
    ones too; a page of the shared form (`limit`/`after`, `next`). 404 `scheme_not_found`; 422 `invalid_period`.
    """
    rows, last = await service.list_items(session, AdjustmentRow, scheme_id, period, scope, page, include_voided)
    return page.page(AdjustmentPage, await _named_all(session, request, scope, scheme_id, period, AdjustmentRead,
                                                      rows), last)


@router.post("/schemes/{scheme_id}/periods/{period}/negative-events", response_model=NegativeEventRead,
             status_code=201, summary="Record a negative-list event (caps, vetoes or excludes the grade)")
async def add_negative(scheme_id: uuid.UUID, period: PeriodDep, body: NegativeEventCreate, session: SessionDep,
                       scope: ScopeDep, request: Request) -> NegativeEventRead:
    """Records a negative-list event (负面清单) of a person for the period: it caps, vetoes or excludes their grade
    as the scheme's item says. Returns the event, with the person's names. 404 `scheme_not_found`; 422 for
    an unknown item or `invalid_period`.
    """
    return await _added(service.add_negative, body, NegativeEventRead, scheme_id, period, session, scope, request)


@router.get("/schemes/{scheme_id}/periods/{period}/negative-events", response_model=NegativeEventPage,
            summary="The period's negative-list events")
async def list_negatives(scheme_id: uuid.UUID, period: PeriodDep, session: SessionDep, scope: ScopeDep,
                         request: Request, page: PageDep, include_voided: IncludeVoided = False) -> NegativeEventPage:
    """The period's negative-list events with the people's names, oldest first; with include_voided, the voided ones
    too; a page of the shared form (`limit`/`after`, `next`). 404 `scheme_not_found`; 422 `invalid_period`.
    """
    rows, last = await service.list_items(session, NegativeEvent, scheme_id, period, scope, page, include_voided)
    return page.page(NegativeEventPage, await _named_all(session, request, scope, scheme_id, period,
                                                         NegativeEventRead, rows), last)


async def _named(session: AsyncSession, request: Request, scope: Scope, scheme_id: uuid.UUID, period: str,
                 rows: list[Named]) -> list[Named]:
    """The rows (of a scheme the caller was checked on) with their people's names: one records call."""
    await name_rows(request.app.state.neighbours, await loaded_scheme(session, scheme_id), period, scope.caller, rows)
    return rows


async def _named_all(session: AsyncSession, request: Request, scope: Scope, scheme_id: uuid.UUID, period: Period,
                     read: type[Named], rows: Sequence[object]) -> list[Named]:
    """Stored rows of the period as ``read`` models, with their people's names."""
    return await _named(session, request, scope, scheme_id, period.code, [read.model_validate(r) for r in rows])


async def _added(add: Callable[..., Awaitable[object]], body: BaseModel, read: type[Named], scheme_id: uuid.UUID,
                 period: Period, session: AsyncSession, scope: Scope, request: Request) -> Named:
    """Store an item of the period with ``add`` (the service's), and answer it with its person's names."""
    added = await add(session, request.app.state.neighbours, scheme_id, period, body, scope)
    return (await _named_all(session, request, scope, scheme_id, period, read, [added]))[0]

"""The honours ledger (荣誉台账)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from records.honours import service
from records.honours.schemas import HonourCreate, HonourPage, HonourRead, HonourVoidIn
from shared.db import SessionDep
from shared.pagination import PageDep
from shared.service_auth import CallerDep

router = APIRouter(prefix="/api/v1/records/honours", tags=["honours"])


@router.post("", response_model=HonourRead, status_code=201, summary="Record an honour of a person or a unit")
async def create_honour(body: HonourCreate, session: SessionDep, caller: CallerDep) -> HonourRead:
    """Record an honour (荣誉) in the ledger: of a person (`person_id`) or of a unit (`unit_id`), exactly one of them,
    with its level (国家级 national … 乡镇级 township), the day, the awarding body and the document (e.g.
    某委发〔2025〕12号). Quota adds points for honours by level when a policy says so.

    Callers: administrators, a unit administrator for their own unit and its people. Returns the honour. Errors: 404
    for a person or unit outside the caller's scope; 422 `invalid_reference` when both or neither of `person_id` and
    `unit_id` are given, or the day is after today."""
    return await service.create(session, body, caller=caller)


@router.get("", response_model=HonourPage,
            summary="List honours")
async def list_honours(session: SessionDep, caller: CallerDep, region_id: uuid.UUID | None = None,
                       unit_id: uuid.UUID | None = None, person_id: uuid.UUID | None = None,
                       first: Annotated[date | None, Query(alias="from")] = None,
                       last: Annotated[date | None, Query(alias="to")] = None,
                       include_voided: bool = False, *, page: PageDep) -> HonourPage:
    """Honours of a region (`region_id`), of a unit (`unit_id`: its own and its people's) or of a person (`person_id`),
    awarded from `from` to `to` (both optional, inclusive), in award order; voided ones only with
    `include_voided=true`; a page of the shared form (`limit`/`after`, `next`). Give one of `region_id`, `unit_id`
    and `person_id`.

    Callers: every signed-in role; a member sees only their own. Errors: 404 for a region, unit or person outside
    the caller's scope; 422 `invalid_reference` when none is given."""
    items, total, after = await service.list_honours(session, page, caller=caller, region_id=region_id,
                                                     unit_id=unit_id, person_id=person_id, first=first, last=last,
                                                     include_voided=include_voided)
    return page.page(HonourPage, items, after, total=total)


@router.get("/{honour_id}", response_model=HonourRead, summary="Read an honour")
async def read(honour_id: uuid.UUID, session: SessionDep, caller: CallerDep) -> HonourRead:
    """One honour, voided or not.

    Callers: every signed-in role; a member only their own. Errors: 404 `honour_not_found`."""
    return await service.read(session, honour_id, caller=caller)


@router.post("/{honour_id}/void", response_model=HonourRead,
             summary="Void an honour")
async def void(honour_id: uuid.UUID, body: HonourVoidIn, session: SessionDep, caller: CallerDep) -> HonourRead:
    """Void an honour recorded in error, with a reason. It is kept in the ledger, marked voided (who, when, why), and
    no longer counts for quota points.

    Callers: administrators, a unit administrator for their own unit's. Returns the honour. Errors: 404
    `honour_not_found`; 409 `honour_voided` when it is voided already."""
    return await service.void(session, honour_id, body, caller=caller)

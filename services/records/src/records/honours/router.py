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
    return await service.create(session, body, caller=caller)


@router.get("", response_model=HonourPage,
            summary="Honours of a region, a unit (its own and its people's) or a person, awarded from..to")
async def list_honours(session: SessionDep, caller: CallerDep, region_id: uuid.UUID | None = None,
                       unit_id: uuid.UUID | None = None, person_id: uuid.UUID | None = None,
                       first: Annotated[date | None, Query(alias="from")] = None,
                       last: Annotated[date | None, Query(alias="to")] = None,
                       include_voided: bool = False, *, page: PageDep) -> HonourPage:
    items, total, after = await service.list_honours(session, page, caller=caller, region_id=region_id,
                                                     unit_id=unit_id, person_id=person_id, first=first, last=last,
                                                     include_voided=include_voided)
    return page.page(HonourPage, items, after, total=total)


@router.get("/{honour_id}", response_model=HonourRead, summary="An honour")
async def read(honour_id: uuid.UUID, session: SessionDep, caller: CallerDep) -> HonourRead:
    return await service.read(session, honour_id, caller=caller)


@router.post("/{honour_id}/void", response_model=HonourRead,
             summary="Void an honour, with a reason: kept, it no longer counts")
async def void(honour_id: uuid.UUID, body: HonourVoidIn, session: SessionDep, caller: CallerDep) -> HonourRead:
    return await service.void(session, honour_id, body, caller=caller)

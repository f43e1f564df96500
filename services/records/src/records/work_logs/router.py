"""Weekly work records (周工作纪实)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from records.config import SettingsDep
from records.roster.router import PeriodDep
from records.work_logs import service
from records.work_logs.service import WorkLogCreate, WorkLogRead, WorkLogUpdate
from shared.db import ReadSessionDep, SessionDep
from shared.service_auth import CallerDep

router = APIRouter(prefix="/api/v1/records/work-logs", tags=["weekly records"])


class WorkLogPage(BaseModel):
    items: list[WorkLogRead]
    total: int
    limit: int
    offset: int


@router.post("", response_model=WorkLogRead, status_code=201, summary="Submit a week's record",
             responses={409: {"description": "the week already has a record: edit it with PATCH"},
                        422: {"description": "among others: the week has not begun (body.week)"}})
async def create_work_log(body: WorkLogCreate, session: SessionDep, caller: CallerDep,
                          settings: SettingsDep) -> WorkLogRead:
    return await service.create(session, body, caller=caller, today=settings.today())


@router.patch("/{log_id}", response_model=WorkLogRead, summary="Edit a week's record, saying why",
              responses={422: {"description": "among others: the content changes without a reason (body.reason); "
                                              "nothing written"}})
async def update(log_id: uuid.UUID, body: WorkLogUpdate, session: SessionDep, caller: CallerDep) -> WorkLogRead:
    """The old and new content, who, when and why are kept (`GET /api/v1/records/changes/work_log/{log_id}`)."""
    return await service.update(session, log_id, body, caller=caller)


@router.get("", response_model=WorkLogPage, summary="Weekly records of a unit or a person in a period")
async def list_logs(period: PeriodDep, session: ReadSessionDep, caller: CallerDep, unit_id: uuid.UUID | None = None,
                    person_id: uuid.UUID | None = None, limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                    offset: Annotated[int, Query(ge=0)] = 0) -> WorkLogPage:
    items, total = await service.list_logs(session, caller=caller, unit_id=unit_id, person_id=person_id,
                                           period=period, limit=limit, offset=offset)
    return WorkLogPage(items=items, total=total, limit=limit, offset=offset)

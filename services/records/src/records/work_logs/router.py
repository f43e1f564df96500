"""Weekly work records (周工作纪实)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from records.config import SettingsDep
from records.roster.router import PeriodDep
from records.work_logs import service
from records.work_logs.service import WorkLogCreate, WorkLogRead, WorkLogUpdate
from shared.db import SessionDep
from shared.pagination import Page, PageDep
from shared.service_auth import CallerDep

router = APIRouter(prefix="/api/v1/records/work-logs", tags=["weekly records"])


class WorkLogPage(Page[WorkLogRead]):
    """Weekly records, by staff number and week."""

    total: int


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
async def list_logs(period: PeriodDep, session: SessionDep, caller: CallerDep, unit_id: uuid.UUID | None = None,
                    person_id: uuid.UUID | None = None, *, page: PageDep) -> WorkLogPage:
    items, total, last = await service.list_logs(session, page, caller=caller, unit_id=unit_id, person_id=person_id,
                                                 period=period)
    return page.page(WorkLogPage, items, last, total=total)

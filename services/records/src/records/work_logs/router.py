"""Weekly work records (周工作纪实)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from pydantic import ConfigDict

from records import examples as ex
from records.config import SettingsDep
from records.roster.router import PeriodDep
from records.work_logs import service
from records.work_logs.service import WorkLogCreate, WorkLogRead, WorkLogUpdate
from shared.db import ReadSessionDep, SessionDep
from shared.pagination import Page, PageDep
from shared.service_auth import CallerDep

router = APIRouter(prefix="/api/v1/records/work-logs", tags=["weekly records"])


class WorkLogPage(Page[WorkLogRead]):
    """Weekly records, by staff number and week."""

    model_config = ConfigDict(json_schema_extra=ex.of(ex.page(ex.WORK_LOG)))
    total: int


@router.post("", response_model=WorkLogRead, status_code=201, summary="Submit a week's record",
             responses={409: {"description": "the week already has a record: edit it with PATCH"},
                        422: {"description": "among others: the week has not begun (body.week)"}})
async def create_work_log(body: WorkLogCreate, session: SessionDep, caller: CallerDep,
                          settings: SettingsDep) -> WorkLogRead:
    """Submit a person's weekly work record (周工作纪实) for an ISO week (`2025-W15`). One record per person and week;
    it is on time until the end of the Monday after the week (Asia/Shanghai).

    Callers: every signed-in role; a member writes only their own, an administrator or leader for the people of
    their unit. Returns the record with `on_time`. Errors: 404 `person_not_found`; 409 `work_log_exists` when the
    week already has a record (edit it with PATCH); 422 `invalid_reference` when the week has not begun or the
    person was not on the roster in it."""
    return await service.create(session, body, caller=caller, today=settings.today())


@router.patch("/{log_id}", response_model=WorkLogRead, summary="Edit a week's record, saying why",
              responses={422: {"description": "among others: the content changes without a reason (body.reason); "
                                              "nothing written"}})
async def update(log_id: uuid.UUID, body: WorkLogUpdate, session: SessionDep, caller: CallerDep) -> WorkLogRead:
    """Change a weekly record's content. The old and new content, who, when and why are kept (`GET
    /api/v1/records/changes/work_log/{log_id}`).

    Callers: every signed-in role, for the records they may write. Errors: 404 `work_log_not_found`, also for a
    record outside the caller's scope; 422 `reason_required` when the content changes without a reason; nothing
    written."""
    return await service.update(session, log_id, body, caller=caller)


@router.get("", response_model=WorkLogPage, summary="List weekly records")
async def list_logs(period: PeriodDep, session: ReadSessionDep, caller: CallerDep, unit_id: uuid.UUID | None = None,
                    person_id: uuid.UUID | None = None, *, page: PageDep) -> WorkLogPage:
    """The weekly records of a unit's people (`unit_id`) or of one person (`person_id`) whose week starts in the
    period, by staff number and week; a page of the shared form (`limit`/`after`, `next`).

    Callers: every signed-in role; a member sees only their own. Errors: 404 for a unit or person outside the
    caller's scope; 422 `invalid_reference` when neither `unit_id` nor `person_id` is given, `invalid_period`."""
    items, total, last = await service.list_logs(session, page, caller=caller, unit_id=unit_id, person_id=person_id,
                                                 period=period)
    return page.page(WorkLogPage, items, last, total=total)

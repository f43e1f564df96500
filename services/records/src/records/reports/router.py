"""Monthly reports (月工作汇报) and leader comments (领导点评)."""

from __future__ import annotations

import uuid
from typing import Literal

from fastapi import APIRouter

from records.config import SettingsDep
from records.reports import service
from records.reports.service import (
    CommentPage,
    CommentRead,
    MonthlyReportCreate,
    MonthlyReportRead,
    MonthlyReportUpdate,
    RecordCommentIn,
)
from shared.db import SessionDep
from shared.pagination import PageDep
from shared.service_auth import CallerDep

router = APIRouter(prefix="/api/v1/records", tags=["monthly reports and comments"])


@router.post("/monthly-reports", response_model=MonthlyReportRead, status_code=201, summary="Submit a month's report",
             responses={409: {"description": "the month already has a report: edit it with PATCH"},
                        422: {"description": "among others: the month has not begun (body.month)"}})
async def create_report(body: MonthlyReportCreate, session: SessionDep, caller: CallerDep,
                        settings: SettingsDep) -> MonthlyReportRead:
    return MonthlyReportRead.model_validate(await service.create_report(session, body, caller=caller,
                                                                        today=settings.today()))


@router.patch("/monthly-reports/{report_id}", response_model=MonthlyReportRead,
              summary="Edit a month's report, saying why",
              responses={422: {"description": "among others: a value changes without a reason (body.reason); "
                                              "nothing written"}})
async def update_report(report_id: uuid.UUID, body: MonthlyReportUpdate, session: SessionDep,
                        caller: CallerDep) -> MonthlyReportRead:
    """The old and new values, who, when and why are kept (`GET /api/v1/records/changes/monthly_report/{id}`)."""
    return MonthlyReportRead.model_validate(await service.update_report(session, report_id, body, caller=caller))


@router.put("/comments", response_model=CommentRead, summary="Comment on and mark a record (revises one's own)",
            responses={422: {"description": "among others: one's own comment or mark revised without a reason "
                                            "(body.reason); nothing written"}})
async def comment(body: RecordCommentIn, session: SessionDep, caller: CallerDep) -> CommentRead:
    """A revision keeps the old and new mark and words, when and why (`GET /api/v1/records/changes/comment/{id}`;
    the person the record is about is not shown who)."""
    return CommentRead.model_validate(await service.comment(session, body, caller=caller))


@router.get("/comments/{target_kind}/{target_id}", response_model=CommentPage,
            summary="The comments on a record (the commenter's identity is not shown)")
async def comments_on(target_kind: Literal["work_log", "monthly_report"], target_id: uuid.UUID,
                      session: SessionDep, caller: CallerDep, page: PageDep) -> CommentPage:
    return await service.comments_on(session, target_kind, target_id, page, caller=caller)

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
    """Submit a person's monthly work report (月工作汇报) for a month (`2025-04`), with the achievements they declare
    (Xiacun: by the 25th). One report per person and month.

    Callers: every signed-in role; a member writes only their own, an administrator or leader for the people of
    their unit. Errors: 404 `person_not_found`; 409 `monthly_report_exists` when the month already has a report
    (edit it with PATCH); 422 `invalid_reference` when the month has not begun or the person was not on the roster
    in it."""
    return MonthlyReportRead.model_validate(await service.create_report(session, body, caller=caller,
                                                                        today=settings.today()))


@router.patch("/monthly-reports/{report_id}", response_model=MonthlyReportRead,
              summary="Edit a month's report, saying why",
              responses={422: {"description": "among others: a value changes without a reason (body.reason); "
                                              "nothing written"}})
async def update_report(report_id: uuid.UUID, body: MonthlyReportUpdate, session: SessionDep,
                        caller: CallerDep) -> MonthlyReportRead:
    """Change a monthly report's content or achievements; fields left out keep their value, `achievements: null` clears
    them. The old and new values, who, when and why are kept (`GET /api/v1/records/changes/monthly_report/{id}`).

    Callers: every signed-in role, for the reports they may write. Errors: 404 `monthly_report_not_found`, also for
    a report outside the caller's scope; 422 `reason_required` when a value changes without a reason; nothing
    written."""
    return MonthlyReportRead.model_validate(await service.update_report(session, report_id, body, caller=caller))


@router.put("/comments", response_model=CommentRead, summary="Comment on and mark a record",
            responses={422: {"description": "among others: one's own comment or mark revised without a reason "
                                            "(body.reason); nothing written"}})
async def comment(body: RecordCommentIn, session: SessionDep, caller: CallerDep) -> CommentRead:
    """A leader's comment (领导点评) and mark (0-100, two decimal places) on a weekly record or monthly report of their
    unit. Calling again revises one's own comment: the old and new mark and words, when and why are kept (`GET
    /api/v1/records/changes/comment/{id}`); the person the record is about is not shown who commented.

    Callers: administrators and unit leaders. Returns the comment. Errors: 404 `comment_target_not_found`, also for
    a record outside the caller's scope; 422 `reason_required` when one's own comment or mark is revised without a
    reason."""
    return CommentRead.model_validate(await service.comment(session, body, caller=caller))


@router.get("/comments/{target_kind}/{target_id}", response_model=CommentPage,
            summary="List the comments on a record")
async def comments_on(target_kind: Literal["work_log", "monthly_report"], target_id: uuid.UUID,
                      session: SessionDep, caller: CallerDep, page: PageDep) -> CommentPage:
    """The comments and marks on a weekly record or monthly report, oldest first; a page of the shared form
    (`limit`/`after`, `next`). The person the record is about does not see who commented.

    Callers: every signed-in role; a member only on their own records. Errors: 404 for a record outside the caller's
    scope."""
    return await service.comments_on(session, target_kind, target_id, page, caller=caller)

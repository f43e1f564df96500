"""Supervision routes (督导): inspections, rectification notices and their items, and the progress
of a region's units in a period."""

from __future__ import annotations

import uuid
from decimal import Decimal
from fractions import Fraction
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request

from scoring.periods import parsed
from scoring.procedure.clock import TodayDep
from scoring.scope import ScopeDep
from scoring.supervision import notices, progress
from scoring.supervision.progress import ProgressRead
from scoring.supervision.schemas import (
    AnswerIn,
    DecisionIn,
    InspectionIn,
    InspectionPage,
    InspectionRead,
    NoticeIn,
    NoticeList,
    NoticeRead,
)
from shared.db import SessionDep
from shared.pagination import PageDep
from shared.periods import PERIOD_SCHEMA
from shared.touched import disclose
from shared.xlsx import XLSX, period_name, workbook, write_table, xlsx_response

router = APIRouter(prefix="/api/v1/scoring", tags=["supervision"])
Responses = dict[int | str, dict[str, Any]]
REGION: Responses = {404: {"description": "no such region of yours"}}
NOTICE: Responses = {404: {"description": "no such notice or item of yours (another unit's, another region's)"},
                     409: {"description": "the item is not in a state this step takes (code rectification_state)"}}
Overdue = Annotated[bool, Query(description="only notices with an item past its deadline, and only those items")]
UnitFilter = Annotated[uuid.UUID | None, Query(description="only this unit's")]


@router.post("/regions/{region_id}/inspections", response_model=InspectionRead, status_code=201,
             responses={**REGION, 422: {"description": "a unit not of the region (body.unit_id, code "
                                                      "invalid_reference), or a visit in the future "
                                                      "(body.visited_on)"}},
             summary="Record an inspection (督导) of one of the region's units: date, team, findings")
async def record_inspection(region_id: uuid.UUID, body: InspectionIn, session: SessionDep, scope: ScopeDep,
                            request: Request, today: TodayDep) -> InspectionRead:
    """Records an inspection (督导) of one of the region's units: the day, the team and the findings. Returns the
    inspection. 404 `region_not_found`; 422 `invalid_reference` for a unit not of the region.
    """
    return await notices.record_inspection(session, request.app.state.neighbours, region_id, body, scope, today)


@router.get("/regions/{region_id}/inspections", response_model=InspectionPage, responses=REGION,
            summary="The region's inspections, the latest first")
async def list_inspections(region_id: uuid.UUID, session: SessionDep, scope: ScopeDep, page: PageDep,
                           unit_id: UnitFilter = None) -> InspectionPage:
    """The region's inspections, the latest first, optionally of one unit; a page of the shared form
    (`limit`/`after`, `next`). 404 `region_not_found`."""
    return await notices.inspections(session, region_id, unit_id, scope, page)


@router.post("/regions/{region_id}/notices", response_model=NoticeRead, status_code=201,
             responses={**REGION, 422: {"description": "a deadline before the issue day (body.items.N.deadline), "
                                                      "an issue day in the future or before the inspection "
                                                      "(body.issued_on); a unit not of the region (body.unit_id) "
                                                      "or an inspection not of that unit (body.inspection_id), "
                                                      "code invalid_reference"}},
             summary="Issue a rectification notice (整改通知) to a unit: items, each with its deadline")
async def issue_notice(region_id: uuid.UUID, body: NoticeIn, session: SessionDep, scope: ScopeDep,
                       request: Request, today: TodayDep) -> NoticeRead:
    """Issues a rectification notice (整改通知) to one of the region's units: its items, each with a deadline,
    optionally following an inspection. Returns the notice. 404 `region_not_found`; 422 `invalid_reference` for a
    unit not of the region or an inspection not of the unit, `input_invalid` for a day out of order.
    """
    return await notices.issue(session, request.app.state.neighbours, region_id, body, scope, today)


@router.get("/regions/{region_id}/notices", response_model=NoticeList, responses=REGION,
            summary="The region's rectification notices; with overdue=true, the items past their deadline")
async def region_notices(region_id: uuid.UUID, session: SessionDep, scope: ScopeDep, today: TodayDep,
                         page: PageDep, overdue: Overdue = False, unit_id: UnitFilter = None) -> NoticeList:
    """The region's rectification notices with their items, the latest first; with overdue=true only the items past
    their deadline and still open; a page of the shared form (`limit`/`after`, `next`). 404 `region_not_found`.
    """
    return await notices.of_region(session, region_id, unit_id, scope, today, page, overdue=overdue)


@router.get("/units/{unit_id}/notices", response_model=NoticeList,
            responses={404: {"description": "no such unit of yours"}},
            summary="A unit's rectification notices: for its administrators and leaders, and its region's officers")
async def unit_notices(unit_id: uuid.UUID, session: SessionDep, scope: ScopeDep, request: Request, today: TodayDep,
                       page: PageDep, overdue: Overdue = False) -> NoticeList:
    """A unit's rectification notices with their items, the latest first; for its administrators and leaders, and its
    region's officers; a page of the shared form (`limit`/`after`, `next`). 404 `unit_not_found` for a unit the
    caller may not see.
    """
    return await notices.of_unit(session, request.app.state.neighbours, unit_id, scope, today, page, overdue=overdue)


@router.get("/notices/{notice_id}", response_model=NoticeRead, responses={404: NOTICE[404]},
            summary="A rectification notice with its items, responses and every step")
async def read_notice(notice_id: uuid.UUID, session: SessionDep, scope: ScopeDep, today: TodayDep) -> NoticeRead:
    """A rectification notice (整改通知) with its items, the unit's responses and every step (answered, signed off,
    returned, closed). 404 `notice_not_found` for a notice the caller may not see.
    """
    return await notices.one(session, notice_id, scope, today)


@router.post("/notices/{notice_id}/items/{item_id}/answer", response_model=NoticeRead,
             responses={**NOTICE, 403: {"description": "only the unit's administrator answers"}},
             summary="The unit's response to an item, with its evidence (texts or links)")
async def answer_item(notice_id: uuid.UUID, item_id: uuid.UUID, body: AnswerIn, session: SessionDep,
                      scope: ScopeDep, today: TodayDep) -> NoticeRead:
    """The unit's response to one item of a rectification notice, with its evidence (texts or links). Returns
    the whole notice. 404 `notice_not_found`; 409 `rectification_state` when the item is not open to an
    answer.
    """
    return await notices.answer(session, notice_id, item_id, body, scope, today)


@router.post("/notices/{notice_id}/items/{item_id}/decision", response_model=NoticeRead,
             responses={**NOTICE, 403: {"description": "only the region's organisation department decides"},
                        422: {"description": "a return or a close without its reason (body.reason)"}},
             summary="Sign off (销号) or return an answered item; or close an unfinished one, with a reason")
async def decide_item(notice_id: uuid.UUID, item_id: uuid.UUID, body: DecisionIn, session: SessionDep,
                      scope: ScopeDep, today: TodayDep) -> NoticeRead:
    """The region signs an answered item off (销号) or returns it to the unit; an unfinished item may be closed
    with a reason. Returns the whole notice. 404 `notice_not_found`; 409 `rectification_state` when the item
    is not in a state for that decision.
    """
    return await notices.decide(session, notice_id, item_id, body, scope, today)


@router.get("/regions/{region_id}/progress", response_model=ProgressRead,
            responses={**REGION, 200: {"content": {XLSX: {}}, "description": "JSON, or with format=xlsx a workbook"},
                       422: {"description": "not a period (query.period), or a bad sort, flag or share"}},
            summary="Each unit's progress in a period: scheme review, procedure stage, records on time, ballots, "
                    "close and publication, objections, grades against their caps; late and off-cap units flagged")
async def region_progress(region_id: uuid.UUID, session: SessionDep, scope: ScopeDep, request: Request,
                          today: TodayDep, period: Annotated[str, Query(max_length=7, json_schema_extra=PERIOD_SCHEMA,
                                                                        examples=["2026Q1"])],
                          sort: Annotated[progress.Sort, Query(description="flags (most reasons first), unit, review, "
                                                               "stage, records (least on time first), ballots, "
                                                               "objections, closed")] = "flags",
                          flag: Annotated[progress.Flag | None, Query(description="only units late, off their "
                                                                      "caps, or either")] = None,
                          min_on_time: Annotated[Decimal, Query(ge=0, le=1, description="records are late below "
                                                                "this share written on time")] = Decimal("0.8"),
                          grace_days: Annotated[int, Query(ge=0, le=366, description="a period not closed this many "
                                                           "days after its end is late")] = 15,
                          format: Annotated[Literal["json", "xlsx"], Query()] = "json") -> Any:
    """Each unit's progress in a period (进度): scheme review, procedure stage, records written on time, ballots
    cast, close and publication, objections and grades against their caps; late and off-cap units flagged.
    JSON, or an XLSX workbook with format=xlsx. 404 `region_not_found`; 422 `invalid_period` or a bad sort
    or flag.
    """
    read = progress.chosen(await progress.progress(
        session, request.app.state.neighbours, region_id, parsed(period, "query.period"), scope, today,
        min_on_time=Fraction(min_on_time), grace_days=grace_days), sort, flag)
    if format == "json":
        return read
    book = workbook()
    rows = progress.sheet_rows(read)
    write_table(book.create_sheet("督导进度"), progress.HEADERS, rows, title=(
        f"{period_name(read.period)}各单位平时考核进度（截至{today.isoformat()}）"),
        widths=(20, 10, 20, 12, 12, 12, 6, 10, 6, 6, 10, 6, 6, 8, 8, 17, 17, 10, 24, 12, 30))
    disclose("export", len(rows), region_id=region_id, period=read.period)
    return xlsx_response(book, f"progress-{region_id}-{read.period}", display_name=f"督导进度{read.period}")

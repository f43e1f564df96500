"""Bulletin routes (通报): a region's organisation department drafts one for a period from the data,
edits the draft, issues it (第N期), and reads it as JSON or as a Word document."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response

from scoring.bulletins import service
from scoring.bulletins.document import DOCX, render
from scoring.bulletins.service import BulletinPage, BulletinRead, DraftIn, EditIn
from scoring.procedure.clock import TodayDep
from scoring.scope import ScopeDep
from shared.db import SessionDep
from shared.pagination import PageDep
from shared.periods import PERIOD_SCHEMA
from shared.touched import disclose

router = APIRouter(prefix="/api/v1/scoring/regions/{region_id}/bulletins", tags=["bulletins"])
Responses = dict[int | str, dict[str, Any]]
REGION: Responses = {404: {"description": "no such region of yours"}}
ONE: Responses = {404: {"description": "no such region of yours, or no such bulletin of the region"}}
ISSUED: Responses = {409: {"description": "the bulletin is issued and kept as issued (code bulletin_issued)"}}


@router.post("", status_code=201, response_model=BulletinRead,
             responses={**REGION, 409: {"description": "no scheme of the region has closed the period yet: nothing "
                                                       "to report on (code nothing_closed)"},
                        422: {"description": "not a period (body.period)"}},
             summary="Draft the region's bulletin of a period from the data: progress and ranking, commendations, "
                     "criticisms")
async def draft(region_id: uuid.UUID, body: DraftIn, session: SessionDep, scope: ScopeDep,
                request: Request, today: TodayDep) -> BulletinRead:
    """Drafts the region's bulletin (考核通报) of a period from the data: progress and ranking, commendations,
    criticisms. Returns the draft, with its lines. 404 `region_not_found`; 409 `nothing_closed` while no scheme of
    the region has closed the period; 422 `invalid_period`.
    """
    return await service.draft_bulletin(session, request.app.state.neighbours, region_id, body, scope, today)


@router.get("", response_model=BulletinPage,
            responses={**REGION, 422: {"description": "not a period (query.period)"}},
            summary="The region's bulletins: drafts first, then the issued ones, newest first")
async def listing(region_id: uuid.UUID, session: SessionDep, scope: ScopeDep, page: PageDep,
                  state: Annotated[Literal["draft", "issued"] | None, Query()] = None,
                  period: Annotated[str | None, Query(max_length=7, json_schema_extra=PERIOD_SCHEMA,
                                                      examples=["2025Q1"])] = None,
                  ) -> BulletinPage:
    """The region's bulletins, drafts first, then the issued ones, newest first; filtered by state or period; a page
    of the shared form (`limit`/`after`, `next`). 404 `region_not_found`.
    """
    return await service.list_bulletins(session, region_id, scope, page, state=state, period=period)


@router.get("/{bulletin_id}.docx", response_class=Response,
            responses={**ONE, 200: {"content": {DOCX: {"schema": {"type": "string", "format": "binary"}}},
                                  "description": "the bulletin as a Word document"}},
            summary="A bulletin as a Word document (.docx) in Chinese, for Word and WPS")
async def docx(region_id: uuid.UUID, bulletin_id: uuid.UUID, session: SessionDep, scope: ScopeDep) -> Response:
    """The bulletin as a Word document (.docx) in Chinese, for Word and WPS. 404 `bulletin_not_found`."""
    bulletin = await service.read_bulletin(session, region_id, bulletin_id, scope)
    name = f"bulletin-{bulletin.year}-{bulletin.number}" if bulletin.number else f"bulletin-draft-{bulletin_id}"
    disclose("export", 1, region_id=region_id, bulletin_id=bulletin_id)
    return Response(render(bulletin), media_type=DOCX,
                    headers={"content-disposition": f'attachment; filename="{name}.docx"'})


@router.get("/{bulletin_id}", response_model=BulletinRead, responses=ONE,
            summary="A bulletin: its lines (those removed listed apart, with why)")
async def one(region_id: uuid.UUID, bulletin_id: uuid.UUID, session: SessionDep, scope: ScopeDep) -> BulletinRead:
    """A bulletin with its lines; the lines removed from a draft are listed apart, each with why. 404
    `bulletin_not_found`.
    """
    return await service.read_bulletin(session, region_id, bulletin_id, scope)


@router.patch("/{bulletin_id}", response_model=BulletinRead,
              responses={**ONE, **ISSUED, 422: {"description": "a line the draft does not have, or removed "
                                                              "already (body.remove.N.key); a removal without a "
                                                              "reason"}},
              summary="Edit a draft: its preface; remove lines, each with a reason (kept)")
async def edit(region_id: uuid.UUID, bulletin_id: uuid.UUID, body: EditIn, session: SessionDep,
               scope: ScopeDep) -> BulletinRead:
    """Edits a draft bulletin: its preface, and lines removed, each with a reason (kept). Returns the bulletin.
    404 `bulletin_not_found`; 409 `bulletin_issued` once issued.
    """
    return await service.edit_draft(session, region_id, bulletin_id, body, scope)


@router.post("/{bulletin_id}/issue", response_model=BulletinRead, responses={**ONE, **ISSUED},
             summary="Issue a draft: numbered 第N期 of the region's year of issue, and kept unchanged")
async def issue(region_id: uuid.UUID, bulletin_id: uuid.UUID, session: SessionDep, scope: ScopeDep) -> BulletinRead:
    """Issues a draft: it is numbered 第N期 of the region's year of issue and never changes again. Returns the
    issued bulletin. 404 `bulletin_not_found`; 409 `bulletin_issued` when issued already.
    """
    return await service.issue_bulletin(session, region_id, bulletin_id, scope)

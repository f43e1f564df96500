"""Result routes: close a period, read its versions and results, explain a score, publish, object."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from scoring.periods import PeriodDep
from scoring.results import service
from scoring.results.schemas import (
    CloseRead,
    Explanation,
    ObjectionCreate,
    ObjectionRead,
    ResultPage,
    ReviewIn,
)
from scoring.schemes.service import get_scheme
from shared.db import SessionDep
from shared.service_auth import CallerDep

router = APIRouter(prefix="/api/v1/scoring", tags=["results"])

VersionQuery = Annotated[int | None, Query(ge=1, description="a result version; default the latest you may see")]


@router.post("/schemes/{scheme_id}/periods/{period}/close", response_model=CloseRead, status_code=201,
             summary="Close a quarter (or a year): compute every result and keep it as a new version",
             responses={200: {"description": "the inputs are those of the latest version: it is returned unchanged"},
                        409: {"description": "the period's rating round is still open"}})
async def close(scheme_id: uuid.UUID, period: PeriodDep, session: SessionDep, caller: CallerDep, request: Request,
                response: Response) -> CloseRead:
    scheme = await get_scheme(session, scheme_id, caller)
    result = await service.close_period(session, request.app.state.neighbours, scheme, period, caller)
    if result.unchanged:
        response.status_code = 200
    return result


@router.get("/schemes/{scheme_id}/periods/{period}/versions", response_model=list[CloseRead],
            summary="Every result version of the period, oldest first")
async def versions(scheme_id: uuid.UUID, period: PeriodDep, session: SessionDep,
                   caller: CallerDep) -> list[CloseRead]:
    return await service.versions(session, scheme_id, period, caller)


@router.get("/schemes/{scheme_id}/periods/{period}/results", response_model=ResultPage,
            summary="Scores, ranks and grades of a version, best first (a unit's own people for its staff)")
async def results(scheme_id: uuid.UUID, period: PeriodDep, session: SessionDep, caller: CallerDep,
                  version: VersionQuery = None, limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                  offset: Annotated[int, Query(ge=0)] = 0) -> ResultPage:
    close_, items, total = await service.results_page(session, scheme_id, period, caller, version=version,
                                                      limit=limit, offset=offset)
    return ResultPage(close=service.close_read(close_), items=items, total=total, limit=limit, offset=offset)


@router.get("/schemes/{scheme_id}/periods/{period}/people/{person_id}/explanation", response_model=Explanation,
            summary="Every part of a person's score and grade: components, weights, contributions, caps, rules")
async def explanation(scheme_id: uuid.UUID, period: PeriodDep, person_id: uuid.UUID, session: SessionDep,
                      caller: CallerDep, version: VersionQuery = None) -> Explanation:
    return await service.explain(session, scheme_id, period, person_id, caller, version=version)


@router.get("/results/{close_id}/compare/{other_id}", response_model=CloseRead,
            summary="Person by person, what changed from one version to another")
async def compare(close_id: uuid.UUID, other_id: uuid.UUID, session: SessionDep, caller: CallerDep) -> CloseRead:
    return await service.compare(session, close_id, other_id, caller)


@router.post("/results/{close_id}/publish", response_model=CloseRead,
             summary="Publish a version: one wins, a second or an older one is a 409",
             responses={409: {"description": "this version, or a newer one, is already published"}})
async def publish(close_id: uuid.UUID, session: SessionDep, caller: CallerDep) -> CloseRead:
    return await service.publish(session, close_id, caller)


@router.post("/results/{close_id}/objections", response_model=ObjectionRead, status_code=201,
             summary="Object to one's own published result, within the scheme's window")
async def object_to(close_id: uuid.UUID, body: ObjectionCreate, session: SessionDep,
                    caller: CallerDep) -> ObjectionRead:
    return ObjectionRead.model_validate(await service.object_to(session, close_id, body, caller))


@router.get("/objections", response_model=list[ObjectionRead],
            summary="Objections: all of the schemes one manages, or one's own")
async def list_objections(session: SessionDep, caller: CallerDep, scheme_id: uuid.UUID | None = None,
                          status: Literal["pending", "accepted", "rejected"] | None = None) -> list[ObjectionRead]:
    return [ObjectionRead.model_validate(o) for o in await service.list_objections(session, caller,
                                                                                   scheme_id=scheme_id, status=status)]


@router.get("/objections/{objection_id}", response_model=ObjectionRead, summary="One objection and its review")
async def read_objection(objection_id: uuid.UUID, session: SessionDep, caller: CallerDep) -> ObjectionRead:
    objection, _, _ = await service.get_objection(session, objection_id, caller)
    return ObjectionRead.model_validate(objection)


@router.post("/objections/{objection_id}/review", response_model=ObjectionRead,
             summary="Accept (recompute and publish a new version) or reject, with a reason")
async def review(objection_id: uuid.UUID, body: ReviewIn, session: SessionDep, caller: CallerDep,
                 request: Request) -> ObjectionRead:
    return ObjectionRead.model_validate(await service.review(session, request.app.state.neighbours, objection_id,
                                                             body, caller))

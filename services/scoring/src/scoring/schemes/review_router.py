"""Scheme review routes (方案审核): a unit submits a version, its region's organisation department
returns or approves it; the region's requirements; the department's list of its units' schemes."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from fastapi import Path as PathParam

from scoring.periods import parsed
from scoring.schemes import requirements, review
from scoring.schemes.requirements import RequirementsIn, RequirementsRead
from scoring.schemes.review import ApproveIn, ReturnIn, ReviewList, ReviewRead
from scoring.scope import ScopeDep
from shared.db import SessionDep
from shared.periods import PERIOD_SCHEMA

router = APIRouter(prefix="/api/v1/scoring", tags=["scheme review"])
Version = Annotated[int, PathParam(ge=1, le=1_000_000)]
VERSION = "/schemes/{scheme_id}/versions/{version}"
Responses = dict[int | str, dict[str, Any]]
STEP: Responses = {404: {"description": "no such scheme or version of yours"},
        409: {"description": "the version is not in a state this step takes (code review_state)"}}
REGION: Responses = {404: {"description": "no such region of yours"}}


@router.post(f"{VERSION}/submit", response_model=ReviewRead,
             responses={**STEP, 403: {"description": "you see the scheme but do not manage it"},
                        422: {"description": "the version breaks a hard requirement of the region (code "
                                             "requirements_unmet): each listed, naming its field (definition.…); "
                                             "nothing submitted"}},
             summary="Submit a unit's version to its region's organisation department, checked against the "
                     "region's requirements")
async def submit(scheme_id: uuid.UUID, version: Version, session: SessionDep, scope: ScopeDep) -> ReviewRead:
    """Submits a unit's draft or returned version to its region's organisation department for review, checked
    against the region's requirements: a broken hard requirement refuses it (422 `input_invalid`), others
    are listed for the reviewer. Returns the review. 404 `scheme_not_found`; 409 `review_state`.
    """
    return await review.submit(session, scheme_id, version, scope)


@router.post(f"{VERSION}/return", response_model=ReviewRead,
             responses={**STEP, 403: {"description": "only the region's administrators review a scheme"},
                        422: {"description": "no comment (body.comments), or a comment on no point of a scheme"}},
             summary="Return a submitted version to its unit with comments, per point where it can")
async def send_back(scheme_id: uuid.UUID, version: Version, body: ReturnIn, session: SessionDep,
                    scope: ScopeDep) -> ReviewRead:
    """Returns a submitted version to its unit with comments, each on a point of the rules where it can.
    Returns the review. 404 `scheme_not_found`; 409 `review_state` unless submitted.
    """
    return await review.send_back(session, scheme_id, version, body, scope)


@router.post(f"{VERSION}/approve", response_model=ReviewRead,
             responses={**STEP, 403: {"description": "only the region's administrators review a scheme"}},
             summary="Approve a submitted version: it may then open rating rounds and close periods")
async def approve(scheme_id: uuid.UUID, version: Version, session: SessionDep, scope: ScopeDep,
                  body: Annotated[ApproveIn | None, Body()] = None) -> ReviewRead:
    """The region's organisation department approves a submitted version, optionally with a comment: it may
    then open rating rounds and close periods. Returns the review. 404 `scheme_not_found`; 409
    `review_state` unless submitted.
    """
    return await review.approve(session, scheme_id, version, body, scope)


@router.get(f"{VERSION}/review", response_model=ReviewRead,
            responses={404: {"description": "no such scheme or version of yours"}},
            summary="A version's review: its state and every step with who, when, the comments and the "
                    "requirements it broke")
async def read_review(scheme_id: uuid.UUID, version: Version, session: SessionDep, scope: ScopeDep) -> ReviewRead:
    """A version's review: its state and every step (submitted, returned, approved) with who, when, the
    comments and the requirements it broke. 404 `scheme_not_found`.
    """
    return await review.history(session, scheme_id, version, scope)


@router.get("/regions/{region_id}/requirements", response_model=RequirementsRead, responses=REGION,
            summary="The requirements the region's units' schemes are checked against when submitted")
async def read_requirements(region_id: uuid.UUID, session: SessionDep, scope: ScopeDep) -> RequirementsRead:
    """The requirements the region's units' schemes are checked against when submitted (e.g. the highest share
    of 好 grades), with the national defaults where the region set none. 404 `region_not_found`.
    """
    return await requirements.read(session, region_id, scope)


@router.put("/regions/{region_id}/requirements", response_model=RequirementsRead, responses=REGION,
            summary="Set the region's requirements (left out: the national default)")
async def put_requirements(region_id: uuid.UUID, body: RequirementsIn, session: SessionDep, scope: ScopeDep,
                           request: Request) -> RequirementsRead:
    """Sets the region's requirements for its units' schemes; a requirement left out falls back to the national
    default, and `hard` ones refuse a submission that breaks them. Returns the requirements as they now are.
    404 `region_not_found`.
    """
    return await requirements.put(session, request.app.state.neighbours, region_id, body, scope)


@router.get("/regions/{region_id}/schemes/review", response_model=ReviewList,
            responses={**REGION, 422: {"description": "not a period (query.period)"}},
            summary="The region's units' schemes by review state: submitted (waiting since), returned, not "
                    "submitted, none, approved")
async def region_review(region_id: uuid.UUID, session: SessionDep, scope: ScopeDep, request: Request,
                        period: Annotated[str | None, Query(max_length=7, json_schema_extra=PERIOD_SCHEMA,
                                                            description="with it: whether each "
                                                            "scheme closed the period, under which version",
                                                            examples=["2025Q1"])] = None) -> ReviewList:
    """The region's units' schemes by review state: submitted (and since when), returned, not submitted, none,
    approved; with a period, whether each scheme closed it and under which version. 404 `region_not_found`;
    422 `invalid_period`.
    """
    wanted = None if period is None else parsed(period, "query.period")
    return await review.region_list(session, request.app.state.neighbours, region_id, wanted, scope)

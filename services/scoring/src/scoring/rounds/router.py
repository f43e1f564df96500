"""Rating round routes: open with raters by group, rate (and revise) until closed, close."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request

from scoring.periods import PeriodDep
from scoring.rounds import codes, service
from scoring.rounds.schemas import (
    CodeBallot,
    CodeCount,
    CodesCreate,
    CodesIssued,
    MyRating,
    RatingsPut,
    RoundCreate,
    RoundRead,
    Stored,
)
from scoring.scope import ScopeDep
from shared.db import SessionDep

router = APIRouter(prefix="/api/v1/scoring", tags=["ratings"])


@router.post("/schemes/{scheme_id}/periods/{period}/rounds", response_model=RoundRead, status_code=201,
             summary="Open the period's rating round: the raters by group; the rated are the scheme's people")
async def open_round(scheme_id: uuid.UUID, period: PeriodDep, body: RoundCreate, session: SessionDep,
                     scope: ScopeDep, request: Request) -> RoundRead:
    return await service.open_round(session, request.app.state.neighbours, scheme_id, period, body, scope)


@router.get("/rounds/{round_id}", response_model=RoundRead, summary="A round's state and turnout")
async def read_round(round_id: uuid.UUID, session: SessionDep, scope: ScopeDep) -> RoundRead:
    return await service.read_round(session, round_id, scope)


@router.put("/rounds/{round_id}/ratings", response_model=Stored,
            summary="Rate people (revises the rater's earlier marks); all or nothing")
async def put_ratings(round_id: uuid.UUID, body: RatingsPut, session: SessionDep, scope: ScopeDep) -> Stored:
    return await service.put_ratings(session, round_id, body, scope)


@router.get("/rounds/{round_id}/ratings/mine", response_model=list[MyRating],
            summary="The caller's own marks in the round")
async def my_ratings(round_id: uuid.UUID, session: SessionDep, scope: ScopeDep) -> list[MyRating]:
    return [MyRating(person_id=p, mark=m, dimensions=d)
            for p, m, d in await service.my_ratings(session, round_id, scope)]


@router.post("/rounds/{round_id}/close", response_model=RoundRead, summary="Close the round: no more ratings")
async def close_round(round_id: uuid.UUID, session: SessionDep, scope: ScopeDep) -> RoundRead:
    return await service.close_round(session, round_id, scope)


@router.post("/rounds/{round_id}/codes", response_model=CodesIssued, status_code=201,
             summary="Issue one-time rating codes for an outside rater group (shown this once)")
async def issue_codes(round_id: uuid.UUID, body: CodesCreate, session: SessionDep, scope: ScopeDep) -> CodesIssued:
    return await codes.issue(session, round_id, body, scope)


@router.get("/rounds/{round_id}/codes", response_model=dict[str, CodeCount],
            summary="How many rating codes each outside group was issued and has used")
async def code_counts(round_id: uuid.UUID, session: SessionDep, scope: ScopeDep) -> dict[str, CodeCount]:
    return await codes.counts(session, round_id, scope)


@router.post("/ballots/by-code", response_model=Stored, status_code=201,
             summary="An outside rater's ballot: no account, the one-time code is the credential "
                     "(unknown or used: 404)")
async def rate_by_code(body: CodeBallot, session: SessionDep) -> Stored:
    return await codes.rate(session, body)

"""Rating round routes: open with raters by group, rate (and revise) until closed, close; correct
a round while it runs, reopen it until the period is published, and read what was corrected."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession

from scoring.clock import NowDep
from scoring.models import RatingRound
from scoring.periods import PeriodDep
from scoring.results.names import loaded_scheme, name_rows
from scoring.results.schemas import NamedRow
from scoring.rounds import codes, corrections, service
from scoring.rounds.schemas import (
    CodeBallot,
    CodeCount,
    CodesCreate,
    CodesIssued,
    DeadlineMove,
    MyRating,
    MyRatingPage,
    PeopleAdd,
    PersonNamed,
    RaterReplace,
    RatersAdd,
    RatingsPut,
    Reason,
    Reopen,
    RoundChangePage,
    RoundCreate,
    RoundRead,
    Stored,
)
from scoring.scope import Scope, ScopeDep
from shared.db import SessionDep
from shared.pagination import PageDep

router = APIRouter(prefix="/api/v1/scoring", tags=["ratings"])
ROUND_CONFLICT: dict[int | str, dict[str, Any]] = {409: {"description": (
    "the round is closed (reopen it first), or was already changed so; reopening: the "
    "period is published"
)}}


@router.post("/schemes/{scheme_id}/periods/{period}/rounds", response_model=RoundRead, status_code=201,
             summary="Open the period's rating round: the raters by group; the rated are the scheme's people")
async def open_round(scheme_id: uuid.UUID, period: PeriodDep, body: RoundCreate, session: SessionDep,
                     scope: ScopeDep, request: Request, now: NowDep) -> RoundRead:
    """Opens the period's rating round (民主测评): the raters by group; the rated are the scheme's people. Returns
    the round. 404 `scheme_not_found`; 409 `duplicate` when the period has a round already, or
    `scheme_not_approved`; 422 for a rater group the scheme does not have.
    """
    return await service.open_round(session, request.app.state.neighbours, scheme_id, period, body, scope, now)


@router.get("/rounds/{round_id}", response_model=RoundRead, summary="A round's state and turnout")
async def read_round(round_id: uuid.UUID, session: SessionDep, scope: ScopeDep) -> RoundRead:
    """A rating round's state (open or closed, deadline) and turnout by rater group. 404 `round_not_found`."""
    return await service.read_round(session, round_id, scope)


@router.put("/rounds/{round_id}/ratings", response_model=Stored,
            summary="Rate people (revises the rater's earlier marks); all or nothing",
            responses={409: {"description": "the round is closed or its deadline has passed"}})
async def put_ratings(round_id: uuid.UUID, body: RatingsPut, session: SessionDep, scope: ScopeDep,
                      now: NowDep) -> Stored:
    """A rater's ballot: marks (or marks per dimension) for people of the round, revising the rater's earlier
    marks; all or nothing. An administrator of the scheme may key in a paper ballot on a rater's behalf
    (`on_behalf`). Returns how many marks were stored. 404 `round_not_found`; 409 `round_closed` or
    `round_deadline_passed`; 422 for a person not rated in the round or a mark out of range.
    """
    return await service.put_ratings(session, round_id, body, scope, now)


@router.get("/rounds/{round_id}/ratings/mine", response_model=MyRatingPage,
            summary="The caller's own marks in the round")
async def my_ratings(round_id: uuid.UUID, session: SessionDep, scope: ScopeDep, request: Request,
                     page: PageDep) -> MyRatingPage:
    """With the names of the people the caller rated (one records call)."""
    mine = [MyRating(person_id=p, mark=m, dimensions=d)
            for p, m, d in await service.my_ratings(session, round_id, scope)]
    rows, last = page.slice(mine, lambda r: (r.person_id,))
    await _name(session, request, scope, round_id, rows)
    return page.page(MyRatingPage, rows, last)


async def _name(session: AsyncSession, request: Request, scope: Scope, round_id: uuid.UUID,
                rows: Sequence[NamedRow]) -> None:
    """Name the rows of a round the caller was checked on (one records call)."""
    round_ = await session.get(RatingRound, round_id)  # loaded by the check
    assert round_ is not None
    await name_rows(request.app.state.neighbours, await loaded_scheme(session, round_.scheme_id), round_.period,
                    scope.caller, rows)


@router.post("/rounds/{round_id}/close", response_model=RoundRead, summary="Close the round: no more ratings")
async def close_round(round_id: uuid.UUID, session: SessionDep, scope: ScopeDep) -> RoundRead:
    """Closes the round: no more ratings are taken, and the period's close uses its ballots. Returns the round.
    404 `round_not_found`; 409 `round_closed` when closed already.
    """
    return await service.close_round(session, round_id, scope)


@router.post("/rounds/{round_id}/codes", response_model=CodesIssued, status_code=201,
             summary="Issue one-time rating codes for an outside rater group (shown this once)")
async def issue_codes(round_id: uuid.UUID, body: CodesCreate, session: SessionDep, scope: ScopeDep) -> CodesIssued:
    """Issues one-time rating codes for an outside rater group of the scheme; the codes are in this answer only
    (only their digests are kept), so an Idempotency-Key is not honoured here. Returns the codes. 404
    `round_not_found`; 409 `round_closed`; 422 for a group that is not an outside group of the scheme.
    """
    return await codes.issue(session, round_id, body, scope)


@router.get("/rounds/{round_id}/codes", response_model=dict[str, CodeCount],
            summary="How many rating codes each outside group was issued and has used")
async def code_counts(round_id: uuid.UUID, session: SessionDep, scope: ScopeDep) -> dict[str, CodeCount]:
    """How many rating codes each outside rater group of the round was issued and has used (never the codes).
    404 `round_not_found`.
    """
    return await codes.counts(session, round_id, scope)


@router.post("/ballots/by-code", response_model=Stored, status_code=201,
             summary="An outside rater's ballot: no account, the one-time code is the credential "
                     "(unknown or used: 404)")
async def rate_by_code(body: CodeBallot, session: SessionDep, now: NowDep) -> Stored:
    """An outside rater (a 服务对象 or 群众代表 without an account) rates with a one-time code instead of signing in;
    the code is spent by the ballot. Returns how many marks were stored. 404 `rating_code_unusable` for an
    unknown or already used code; 409 `round_closed` or `round_deadline_passed`; 422 for a person not rated
    in the round or a mark out of range.
    """
    return await codes.rate(session, body, now)


# ------------------------------------------------------------------ corrections

ReasonQuery = Annotated[Reason, Query(description="why (kept in the round's history)")]


@router.patch("/rounds/{round_id}", responses=ROUND_CONFLICT, response_model=RoundRead,
              summary="Move an open round's deadline (to a time in the future), with a reason")
async def move_deadline(round_id: uuid.UUID, body: DeadlineMove, session: SessionDep, scope: ScopeDep,
                        now: NowDep) -> RoundRead:
    """Moves an open round's deadline to a time in the future, with a reason kept in the round's history.
    Returns the round. 404 `round_not_found`; 409 `round_closed`; 422 for a deadline in the past.
    """
    return await corrections.move_deadline(session, round_id, body, scope, now)


@router.post("/rounds/{round_id}/raters", responses=ROUND_CONFLICT, response_model=RoundRead,
             summary="Add raters to an open round, each in a rater group of the scheme, with a reason")
async def add_raters(round_id: uuid.UUID, body: RatersAdd, session: SessionDep, scope: ScopeDep,
                     request: Request) -> RoundRead:
    """Adds raters to an open round, each in a rater group of the scheme, with a reason kept in its history.
    Returns the round. 404 `round_not_found`; 409 `round_closed`; 422 for a rater group the scheme does not
    have.
    """
    return await corrections.add_raters(session, request.app.state.neighbours, round_id, body, scope)


@router.delete("/rounds/{round_id}/raters/{rater_id}", responses=ROUND_CONFLICT, response_model=RoundRead,
               summary="Remove a rater from an open round: their ballot is voided (kept, not counted)")
async def remove_rater(round_id: uuid.UUID, rater_id: uuid.UUID, reason: ReasonQuery, session: SessionDep,
                       scope: ScopeDep) -> RoundRead:
    """Removes a rater from an open round: their ballot is voided (kept, not counted). Returns the round. 404
    `round_not_found` or `not_in_round`; 409 `round_closed`.
    """
    return await corrections.remove_rater(session, round_id, rater_id, reason, scope)


@router.post("/rounds/{round_id}/raters/{rater_id}/replace", responses=ROUND_CONFLICT, response_model=RoundRead,
             summary="Replace a mistaken rater by another in the same group: the old ballot voided, the new "
                     "rater rates afresh")
async def replace_rater(round_id: uuid.UUID, rater_id: uuid.UUID, body: RaterReplace, session: SessionDep,
                        scope: ScopeDep, request: Request) -> RoundRead:
    """Replaces a rater named by mistake by another in the same group: the old ballot is voided and the new
    rater rates afresh. Returns the round. 404 `round_not_found` or `not_in_round`; 409 `round_closed`.
    """
    return await corrections.replace_rater(session, request.app.state.neighbours, round_id, rater_id, body, scope)


@router.post("/rounds/{round_id}/people", responses=ROUND_CONFLICT, response_model=RoundRead,
             summary="Rate more of the scheme's people in an open round, with a reason")
async def add_people(round_id: uuid.UUID, body: PeopleAdd, session: SessionDep, scope: ScopeDep,
                     request: Request) -> RoundRead:
    """Adds more of the scheme's people to be rated in an open round, with a reason kept in its history.
    Returns the round. 404 `round_not_found`; 409 `round_closed`; 422 for a person the scheme does not
    evaluate.
    """
    return await corrections.add_people(session, request.app.state.neighbours, round_id, body, scope)


@router.delete("/rounds/{round_id}/people/{person_id}", responses=ROUND_CONFLICT, response_model=RoundRead,
               summary="Stop rating a person in an open round: the marks they were given are voided")
async def remove_person(round_id: uuid.UUID, person_id: uuid.UUID, reason: ReasonQuery, session: SessionDep,
                        scope: ScopeDep) -> RoundRead:
    """Stops rating a person in an open round: the marks they were given are voided (kept, not counted).
    Returns the round. 404 `round_not_found` or `not_in_round`; 409 `round_closed`.
    """
    return await corrections.remove_person(session, round_id, person_id, reason, scope)


@router.post("/rounds/{round_id}/reopen", responses=ROUND_CONFLICT, response_model=RoundRead,
             summary="Reopen a closed round before the period's result is published (after: 409)")
async def reopen(round_id: uuid.UUID, body: Reopen, session: SessionDep, scope: ScopeDep, now: NowDep) -> RoundRead:
    """Reopens a closed round, with a reason, while the period's result is not yet published. Returns the
    round. 404 `round_not_found`; 409 `period_published` once the result is published, or when the round is
    not closed.
    """
    return await corrections.reopen(session, round_id, body, scope, now)


@router.get("/rounds/{round_id}/history", response_model=RoundChangePage,
            summary="Every correction of the round: what, who, when, why, the old and the new value")
async def round_history(round_id: uuid.UUID, session: SessionDep, scope: ScopeDep,
                        request: Request, page: PageDep) -> RoundChangePage:
    """With the raters and rated people each correction names, by name (one records call)."""
    changes, last = page.slice(await corrections.history(session, round_id, scope), lambda c: (c.id,))
    for change in changes:
        ids = [side[key] for side in (change.old, change.new) if side for key in ("rater_id", "person_id")
               if side.get(key)]
        change.people = [PersonNamed(person_id=uuid.UUID(str(p))) for p in dict.fromkeys(ids)]
    await _name(session, request, scope, round_id, [p for c in changes for p in c.people])
    return page.page(RoundChangePage, changes, last)

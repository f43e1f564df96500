"""Result routes: close a period, read its versions and results, explain a score, publish, object."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response

from scoring.corrections import history
from scoring.periods import PeriodDep, QuarterDep
from scoring.procedure.clock import TodayDep
from scoring.results import close as closing
from scoring.results import explanations, exports, listing, objections, stored
from scoring.results import jobs as close_jobs
from scoring.results import publish as publishing
from scoring.results import readiness as ready
from scoring.results import versions as history_of
from scoring.results.bottom import BottomRead, bottom_list
from scoring.results.names import loaded_scheme, name_rows, named_objections
from scoring.results.schemas import (
    BonusIn,
    BonusRead,
    BonusShareRead,
    ClosePage,
    CloseRead,
    Explanation,
    ObjectionCreate,
    ObjectionPage,
    ObjectionRead,
    Readiness,
    ResultChanges,
    ResultPage,
    ReviewIn,
)
from scoring.results.year import pay_bonus
from scoring.scope import ScopeDep, objection_or_404, scheme_or_404
from shared.change_feed import UpdatedAfter
from shared.db import ReadSessionDep, SessionDep
from shared.jobs import ACCEPTED, start_job
from shared.numbers import decimal_str
from shared.pagination import PageDep
from shared.touched import disclose

router = APIRouter(prefix="/api/v1/scoring", tags=["results"])

VersionQuery = Annotated[int | None, Query(ge=1, description="a result version; default the latest you may see")]


@router.post("/schemes/{scheme_id}/periods/{period}/close", response_model=CloseRead, status_code=201,
             summary="Close a quarter (or a year): compute every result and keep it as a new version",
             responses={200: {"description": "the inputs are those of the latest version: it is returned unchanged"},
                        **ACCEPTED,
                        409: {"description": "the period's rating round is still open, or people lack an input "
                                              "the scheme does not score without (code inputs_missing: each "
                                              "person and indicator is listed; see the readiness)"}})
async def close(scheme_id: uuid.UUID, period: PeriodDep, session: SessionDep, scope: ScopeDep, request: Request,
                response: Response) -> Any:
    """Closes a period (结账): computes every person's score, rank and grade from the marks, ballots, items and
    events, and keeps the result as a new version with its input and result digests (the same inputs always
    give the same result). Returns the version. A large close (`SCORING_CLOSE_JOB_PEOPLE` people or more) runs
    as a job on the workers: done within `KAOHE_JOB_WAIT_SECONDS`, the call answers as above; else 202 with
    the job's `Location`, whose result is the version once done. 404 `scheme_not_found`; 409 `round_open`
    while a round of the period is open, `inputs_missing` (see readiness), `scheme_not_approved` or
    `period_kind_not_closed` (a kind of period the scheme does not close); 422 `invalid_period`.
    """
    scheme = await scheme_or_404(session, scheme_id, scope)
    tuning = request.app.state.close_tuning
    if await close_jobs.expected_people(session, scheme, period.code) >= tuning.job_people:
        params, region_id, unit_id = close_jobs.close_params(scheme, period.code, scope.caller), scheme.region_id, \
            scheme.unit_id
        await session.rollback()  # the job reads the scheme itself; nothing held while it runs
        return await start_job(request, close_jobs.CLOSE, params=params, region_id=region_id, unit_id=unit_id)
    result = await closing.close_period(session, request.app.state.neighbours, scheme, period, scope.caller,
                                        tuning=tuning)
    if result.unchanged:
        response.status_code = 200
    await name_rows(request.app.state.neighbours, scheme, period.code, scope.caller, result.changes or [])
    return result


@router.get("/schemes/{scheme_id}/periods/{period}/readiness", response_model=Readiness,
            summary="Before closing: every person and indicator without a mark or value, unit by unit, and what "
                    "holds the close back")
async def readiness(scheme_id: uuid.UUID, period: PeriodDep, session: SessionDep, scope: ScopeDep,
                    request: Request) -> Readiness:
    """Before closing: every person and indicator without a mark or value, unit by unit, the open round, and
    any earlier quarter not yet published, i.e. what holds the close back. 404 `scheme_not_found`; 422
    `invalid_period`.
    """
    scheme = await scheme_or_404(session, scheme_id, scope)
    found = await ready.readiness(session, request.app.state.neighbours, scheme, period, scope.caller)
    await name_rows(request.app.state.neighbours, scheme, period.code, scope.caller,
                    [person for unit in found.units for person in unit.missing])
    return found


@router.get("/schemes/{scheme_id}/periods/{period}/bottom", response_model=BottomRead,
            summary="Xiacun's bottom list of a quarter: the people at the bottom of their group in the scheme's "
                    "bottom_rule.months_running consecutive months, with their ranks month by month",
            responses={409: {"description": "the scheme has no bottom_rule"},
                       422: {"description": "the period is not a quarter"}})
async def bottom(scheme_id: uuid.UUID, period: QuarterDep, session: SessionDep, scope: ScopeDep,
                 request: Request) -> BottomRead:
    """The bottom list of a quarter (末位): the people at the bottom of their group in the number of consecutive
    months the scheme's bottom_rule sets, with their ranks month by month. 404 `scheme_not_found`; 409
    `no_bottom_rule` for a scheme without one; 422 `invalid_period`.
    """
    found = await bottom_list(session, request.app.state.neighbours, scheme_id, period, scope)
    disclose("read", sum(len(g.people) for g in found.groups), scheme_id=scheme_id, period=found.period)
    return found


@router.get("/schemes/{scheme_id}/periods/{period}/versions", response_model=ClosePage,
            summary="Every result version of the period, oldest first")
async def versions(scheme_id: uuid.UUID, period: PeriodDep, session: SessionDep,
                   scope: ScopeDep, request: Request, page: PageDep) -> ClosePage:
    """Each with whether it is stale: scoring's inputs, or records' data it was computed from,
    written after it (records asked once for all the versions)."""
    found, last = page.slice(await history_of.versions(session, request.app.state.neighbours, scheme_id, period, scope),
                             lambda c: (c.version,))
    return page.page(ClosePage, found, last)


@router.get("/schemes/{scheme_id}/periods/{period}/results", response_model=ResultPage | ResultChanges,
            summary="Scores, ranks and grades of a version, best first (a unit's own people for its staff)")
async def results(scheme_id: uuid.UUID, period: PeriodDep, session: SessionDep, scope: ScopeDep, request: Request,
                  page: PageDep, version: VersionQuery = None,
                  updated_after: UpdatedAfter = None) -> ResultPage | ResultChanges:
    """Scores, ranks and grades of a result version (the latest unless one is named), best first, with the
    people's names; a unit's staff see their own unit's people; a page of the shared form (`limit`/`after`,
    `next`). With `updated_after`: the version's results not handed out before that cursor, in person order
    (a version's results are written once and never change: a later version's are all new; a cursor from
    before this feed read versions is 410 `change_cursor_expired`). 404 `scheme_not_found` or
    `result_not_found`; 422 `invalid_period`.
    """
    if updated_after is None:
        close_, items, total, last = await listing.results_page(session, scheme_id, period, scope, page,
                                                                version=version)
    else:
        close_, items, cursor, full = await listing.results_changed(session, scheme_id, period, scope, page,
                                                                    version=version, updated_after=updated_after)
    await name_rows(request.app.state.neighbours, await loaded_scheme(session, scheme_id), close_.period,
                    scope.caller, items)
    close_read = await history.stale_one(session, stored.close_read(close_), request.app.state.neighbours)
    disclose("read", len(items), scheme_id=scheme_id, period=close_.period, version=close_.version)
    if updated_after is not None:
        return page.linked(ResultChanges, items, page.next_url(cursor, "updated_after") if full else None,
                           updated_after=cursor, close=close_read)
    return page.page(ResultPage, items, last, close=close_read, total=total)


@router.get("/schemes/{scheme_id}/periods/{period}/people/{person_id}/explanation", response_model=Explanation,
            summary="Every part of a person's score and grade: components, weights, contributions, caps, rules")
async def explanation(scheme_id: uuid.UUID, period: PeriodDep, person_id: uuid.UUID, session: SessionDep,
                      scope: ScopeDep, request: Request, version: VersionQuery = None) -> Explanation:
    """Every part of a person's score and grade in a result version (计分说明): components, weights, contributions,
    items, caps and the rules applied, so that it can be checked by hand. 404 `result_not_found` or a person
    the caller may not see.
    """
    explained = await explanations.explain(session, scheme_id, period, person_id, scope, version=version)
    await name_rows(request.app.state.neighbours, await loaded_scheme(session, scheme_id), explained.period,
                    scope.caller, [explained])
    if not scope.caller.is_person(person_id):  # one's own explanation is not an audited read
        disclose("read", 1, scheme_id=scheme_id, period=explained.period, person_id=person_id)
    return explained


@router.get("/results/{close_id}/compare/{other_id}", response_model=CloseRead,
            summary="Person by person, what changed from one version to another")
async def compare(close_id: uuid.UUID, other_id: uuid.UUID, session: SessionDep, scope: ScopeDep,
                  request: Request) -> CloseRead:
    """Person by person, what changed in score and grade from one result version of a scheme's period to
    another. Returns the first version with its changes. 404 `result_not_found` for either version.
    """
    compared = await history_of.compare(session, request.app.state.neighbours, close_id, other_id, scope)
    await name_rows(request.app.state.neighbours, await loaded_scheme(session, compared.scheme_id), compared.period,
                    scope.caller, compared.changes or [])
    disclose("read", len(compared.changes or []), scheme_id=compared.scheme_id, period=compared.period)
    return compared


@router.post("/results/{close_id}/publish", response_model=CloseRead,
             summary="Publish a version: one wins, a second or an older one is a 409",
             responses={409: {"description": "this version, or a newer one, is already published"}})
async def publish_results(close_id: uuid.UUID, session: SessionDep, scope: ScopeDep, request: Request) -> CloseRead:
    """Publishes a result version: people and their units see their grades from now on. The first publication
    wins; publishing a second or an older version is a 409 `already_published`. Returns the version as
    published. 404 `result_not_found`.
    """
    return await publishing.publish(session, request.app.state.neighbours, close_id, scope)


@router.post("/results/{close_id}/objections", response_model=ObjectionRead, status_code=201,
             summary="Object to one's own published result, within the scheme's window (under a procedure: to the "
                     "draft, during its publicity)")
async def object_to(close_id: uuid.UUID, body: ObjectionCreate, session: SessionDep,
                    scope: ScopeDep, today: TodayDep, request: Request) -> ObjectionRead:
    """A person objects (申诉) to their own published result within the scheme's objection window; under a
    procedure, to the draft during its publicity (公示). Returns the objection. 404 `result_not_found` for a
    result not the caller's own; 409 `objection_closed` when the window has closed or a newer version was
    published.
    """
    return (await named_objections(session, request, scope,
                                   [await objections.object_to(session, close_id, body, scope, today=today)]))[0]


@router.get("/objections", response_model=ObjectionPage,
            summary="Objections: all of the schemes one manages, or one's own")
async def list_objections(session: ReadSessionDep, scope: ScopeDep, request: Request, page: PageDep,
                          scheme_id: uuid.UUID | None = None,
                          status: Literal["pending", "accepted", "rejected"] | None = None) -> ObjectionPage:
    """Each with the name of the person whose result it is about (one records call)."""
    found, last = await objections.list_objections(session, scope, page, scheme_id=scheme_id, status=status)
    return page.page(ObjectionPage, await named_objections(session, request, scope, found), last)


@router.get("/objections/{objection_id}", response_model=ObjectionRead, summary="One objection and its review")
async def read_objection(objection_id: uuid.UUID, session: SessionDep, scope: ScopeDep,
                         request: Request) -> ObjectionRead:
    """One objection (申诉) to a published result, with its review when decided. 404 `objection_not_found` for
    one the caller may not see.
    """
    objection, _, _ = await objection_or_404(session, objection_id, scope)
    return (await named_objections(session, request, scope, [objection]))[0]


@router.post("/objections/{objection_id}/review", response_model=ObjectionRead,
             summary="Accept (recompute and publish a new version) or reject, with a reason")
async def review(objection_id: uuid.UUID, body: ReviewIn, session: SessionDep, scope: ScopeDep,
                 request: Request) -> ObjectionRead:
    """Decides an objection: accepted, the period is recomputed and a new version published; rejected, with the
    reason given to the person. Returns the objection as decided. 404 `objection_not_found`; 409
    `objection_closed` when already decided.
    """
    reviewed = await objections.review(session, request.app.state.neighbours, objection_id, body, scope,
                                    tuning=request.app.state.close_tuning)
    return (await named_objections(session, request, scope, [reviewed]))[0]


@router.post("/schemes/{scheme_id}/years/{year}/bonus", response_model=BonusRead,
             summary="Pay out a unit's bonus by the published annual results: pooled share, withholding, exclusions")
async def bonus(scheme_id: uuid.UUID, year: Annotated[int, Path(ge=2000, le=2100)], body: BonusIn,
                session: SessionDep, scope: ScopeDep, request: Request) -> BonusRead:
    """Pays out a unit's annual bonus (年度奖金) by the published annual results: a pooled share, coefficients per
    grade, withholding and exclusions; nothing is stored. Returns each person's share and the totals, with
    any residue of rounding. 404 `scheme_not_found`; 409 `not_published` before the year's result is
    published.
    """
    scheme = await scheme_or_404(session, scheme_id, scope)
    payout = await pay_bonus(session, scheme, year, total=body.total, pool_share=body.pool_share,
                             coefficients=body.coefficients, withholding=body.withholding)
    people = [BonusShareRead(person_id=uuid.UUID(s.person_id), base=decimal_str(s.base), pool=decimal_str(s.pool),
                             withheld=decimal_str(s.withheld), amount=s.amount, reasons=list(s.reasons))
              for s in payout.shares]
    await name_rows(request.app.state.neighbours, scheme, str(year), scope.caller, people)
    return BonusRead(
        scheme_id=scheme_id, year=year, total=decimal_str(payout.total), base_total=decimal_str(payout.base_total),
        pool_total=decimal_str(payout.pool_total), paid_count=payout.paid_count, paid_total=payout.paid_total,
        excluded_count=payout.excluded_count, withheld_total=decimal_str(payout.withheld_total),
        undistributed=decimal_str(payout.undistributed), rounding_residue=decimal_str(payout.rounding_residue),
        gap=payout.gap, notes=list(payout.notes), people=people)


@router.get("/schemes/{scheme_id}/periods/{period}/results.xlsx", response_class=Response,
            responses=exports.DOWNLOAD_RESPONSES,
            summary="The results as XLSX: rank, staff number, name, unit, score, grade (and a quarter's parts)")
async def results_xlsx(scheme_id: uuid.UUID, period: PeriodDep, session: ReadSessionDep, scope: ScopeDep,
                       request: Request, version: VersionQuery = None) -> Response:
    """A unit's quarter, or a region's year (an evaluation-group scheme's year): the rows the JSON
    results show the caller, all of them, with the version and its publication in the title row. Of
    `SCORING_EXPORT_JOB_ROWS` rows or more it is written by a job: this download when done within a second,
    else 202 with the job's `Location`, whose `result_location` is the file once it is made."""
    return await exports.results_xlsx(request, session, scheme_id, period, scope, version=version)

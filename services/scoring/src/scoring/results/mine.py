"""A person's own results, in one answer: every published period of the schemes that evaluate
them, with its explanation (masked as for anyone: rater anonymity), their objections and their
state, and the schemes themselves (indicators, weights, rules: 公开透明).

A rank is shown where the scheme publishes ranks (``publish_ranks``, the default); where it does
not, the person sees their score and grade without the rank, in the explanation too.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime
from typing import Any, ClassVar

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from scoring.clients import Neighbours
from scoring.errors import ResultNotFound
from scoring.evaluated import schemes_evaluating
from scoring.models import Close, Objection, Result, Scheme
from scoring.results import ranks
from scoring.results.explanations import explanation_of
from scoring.results.names import name_rows
from scoring.results.schemas import Explanation, ObjectionRead
from scoring.schemes import review
from scoring.schemes.schemas import SchemeRead
from scoring.schemes.service import latest_version, read_for_person
from scoring.scope import ScopeDep
from shared.db import SessionDep
from shared.labels import label_of
from shared.openapi import examples_of
from shared.periods import parse_period
from shared.service_auth import Caller

router = APIRouter(prefix="/api/v1/scoring", tags=["results"])


class MyResult(BaseModel):
    scheme_id: uuid.UUID
    scheme_name: str
    period: str
    close_id: uuid.UUID = Field(description="the published version (object to it by this id)")
    version: int
    published_at: datetime | None
    score: str | None
    rank: int | None = Field(description="within the person's group; null where the scheme does not publish ranks")
    grade: str | None
    grade_label: ClassVar[Any] = label_of("grade", "grade")
    explanation: Explanation
    objections: list[ObjectionRead] = Field(description="the person's objections to any version of this period")


# an objection in the person's own results
_OBJECTION = {**examples_of(ObjectionRead)[0], "status": "pending", "decision": "upheld"}


class MyResults(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"person_id": "aa19ade6-519f-5bc6-ba1e-ee473ee5f0ee",
         "schemes": [{"id": "498b5b19-83b1-5f5d-b4dd-95a6acdcfa46",
                      "region_id": "46634a0c-c4ca-5e54-b5b1-be81442f2839",
                      "unit_id": "eac565fd-f2ae-5153-9e88-7b7cb5e97050",
                      "group": "leadership",
                      "lead_unit_id": "5cdc51ff-4a62-5cfd-91e4-442409a9bf85",
                      "staff_category": "staff",
                      "name": "夏村镇",
                      "created_at": "2025-07-01T09:30:00Z",
                      "created_by": "admin",
                      "version": 1,
                      "version_created_at": "2025-07-01T09:30:00Z",
                      "definition": {},
                      "state": "approved",
                      "state_at": "2025-07-01T09:30:00Z"}],
         "results": [{"scheme_id": "55070116-7a0a-5e5f-83b9-72778a55e596",
                      "scheme_name": "夏村镇机关干部",
                      "period": "2025Q2",
                      "close_id": "c6bca1f9-5b9f-5d7c-a861-f65ce9c1dc82",
                      "version": 1,
                      "published_at": "2025-07-01T09:30:00Z",
                      "score": "86.50",
                      "rank": 1,
                      "grade": "good",
                      "explanation": examples_of(Explanation)[0],
                      "objections": [_OBJECTION]}],
         "other_objections": [_OBJECTION]}]})
    person_id: uuid.UUID
    schemes: list[SchemeRead] = Field(description="the schemes that evaluate the person, as they stand")
    results: list[MyResult] = Field(description="the latest published version of each period, newest period first")
    other_objections: list[ObjectionRead] = Field(
        description="objections to periods not listed above (e.g. to a draft during its publicity)")


async def my_results(session: AsyncSession, neighbours: Neighbours, caller: Caller) -> MyResults:
    assert caller.person_id is not None
    person_id, pid = caller.person_id, uuid.UUID(caller.person_id)
    schemes = await schemes_evaluating(session, neighbours, person_id)
    by_id: dict[uuid.UUID, Scheme] = {s.id: s for s in schemes}
    versions = {s.id: await latest_version(session, s.id) for s in schemes}
    closes = list(await session.scalars(
        select(Close).where(Close.scheme_id.in_(list(by_id)), Close.published_at.is_not(None))
        .order_by(Close.scheme_id, Close.period, Close.version.desc()).ext(distinct_on(Close.scheme_id, Close.period))))
    rows = {r.close_id: r for r in await session.scalars(
        select(Result).where(Result.close_id.in_([c.id for c in closes]), Result.person_id == pid))}
    objected: dict[tuple[uuid.UUID, str], list[ObjectionRead]] = defaultdict(list)
    for objection, scheme_id, period in await session.execute(
            select(Objection, Close.scheme_id, Close.period).join(Close, Close.id == Objection.close_id)
            .where(Objection.person_id == pid).order_by(Objection.created_at, Objection.id)):
        objected[(scheme_id, period)].append(ObjectionRead.model_validate(objection))
    results = []
    for close in sorted(closes, key=lambda c: (parse_period(c.period).end, parse_period(c.period).start),
                        reverse=True):
        row = rows.get(close.id)
        if row is None:
            continue
        explanation = await explanation_of(session, close, row, ranks=ranks.published(
            versions[close.scheme_id].definition))
        scheme = by_id[close.scheme_id]
        results.append(MyResult(
            scheme_id=scheme.id, scheme_name=scheme.name, period=close.period, close_id=close.id,
            version=close.version, published_at=close.published_at, score=explanation.score, rank=explanation.rank,
            grade=explanation.grade, explanation=explanation,
            objections=objected.pop((close.scheme_id, close.period), [])))
    others = [o for found in objected.values() for o in found]
    if results:  # the person named once, as of the newest period (their results and objections)
        await name_rows(neighbours, by_id[results[0].scheme_id], results[0].period, caller,
                        [*(r.explanation for r in results), *(o for r in results for o in r.objections), *others])
    read = [read_for_person(s, versions[s.id], await review.state_of(session, versions[s.id])) for s in schemes]
    return MyResults(person_id=pid, schemes=read,
                     results=results, other_objections=others)


@router.get("/me/results", response_model=MyResults,
            summary="My results of every published period, explained, with my objections, and my schemes",
            responses={404: {"description": "the caller is not a person of the roster"}})
async def me_results(session: SessionDep, scope: ScopeDep, request: Request) -> MyResults:
    """For the calling person only (the gateway's ``GET /api/v1/me/mine``)."""
    person = scope.caller.person_id
    if person is None:
        raise ResultNotFound("you are not a person of the roster: you have no results of your own")
    return await my_results(session, request.app.state.neighbours, scope.caller)

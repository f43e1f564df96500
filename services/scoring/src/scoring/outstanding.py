"""What a unit still has to do in scoring, for its administrator and leaders: the raters who have not
rated everyone in each open rating round of a scheme covering the unit, and where each such scheme's
procedure of the period stands; and the items of the rectification notices issued to the unit
still to be answered or redone (see ``scoring.supervision.notices``).

The schemes covering a unit are its own, those it leads, and those of its evaluation group in its
region, as far as the caller sees them. The raters missing in every round are counted in one
statement and named from the cards scoring keeps (``scoring.cards``; records is asked, as the
system, only for a rater without a card or with an old one: the caller sees the round, so whom it
names); the procedure is read per scheme (a unit has a handful).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import and_, bindparam, false, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from scoring.cards import cards
from scoring.clients import Neighbours
from scoring.clock import NowDep
from scoring.models import RatingCode, RatingRound, Scheme
from scoring.procedure import service as procedure
from scoring.procedure.clock import TodayDep
from scoring.procedure.schemas import WindowRead
from scoring.scope import Scope, ScopeDep, unit_seen_by
from scoring.supervision.notices import items_due
from scoring.supervision.schemas import ItemDue
from shared.db import SessionDep
from shared.errors import Forbidden, NotFound, Unprocessable
from shared.periods import PERIOD_SCHEMA, Period, of_kind, parse_period
from shared.service_auth import SYSTEM_CALLER

router = APIRouter(prefix="/api/v1/scoring", tags=["procedure"])
LEADING = frozenset({"province_admin", "region_admin", "unit_admin", "leader"})


class UnitNotFound(NotFound):
    code = "unit_not_found"
    title = "No such unit"


class RaterMissing(BaseModel):
    rater_id: uuid.UUID
    name: str | None = Field(default=None, description="as records has it (none if records knows no such person)")
    staff_no: str | None = None
    unit_name: str | None = None
    section_name: str | None = None
    group: str
    done: int = Field(description="people rated")
    due: int = Field(description="people to rate (the round's people but the rater)")


class RoundOutstanding(BaseModel):
    round_id: uuid.UUID
    scheme_id: uuid.UUID
    scheme_name: str
    period: str
    closes_at: datetime | None
    raters_missing: list[RaterMissing] = Field(description="raters with someone still to rate, by group and id")
    codes_unused: int = Field(description="one-time codes of outside raters not used yet")


class StageNow(BaseModel):
    index: int
    code: str
    name: str
    opens: date | None
    closes: date | None


class ProcedureProgress(BaseModel):
    scheme_id: uuid.UUID
    scheme_name: str
    period: str
    stages: int = Field(description="how many stages the procedure has (0: the scheme has none)")
    started: bool
    finished: bool
    current: StageNow | None
    next: StageNow | None
    window: WindowRead | None = Field(description="the publicity window, once opened")


class UnitScoringOutstanding(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"unit_id": "eac565fd-f2ae-5153-9e88-7b7cb5e97050",
         "period": "2025Q2",
         "today": "2025-06-30",
         "rounds": [{"round_id": "229e0312-cf0e-5027-99f9-8d2baa6dab14",
                     "scheme_id": "55070116-7a0a-5e5f-83b9-72778a55e596",
                     "scheme_name": "夏村镇机关干部",
                     "period": "2025Q2",
                     "closes_at": "2025-07-01T09:30:00Z",
                     "raters_missing": [{"rater_id": "cdc6644b-0d10-5cde-a55c-d9122d566239",
                                         "name": "王芳",
                                         "staff_no": "X-001",
                                         "unit_name": "夏村镇",
                                         "section_name": "党政办",
                                         "group": "leadership",
                                         "done": 1,
                                         "due": 1}],
                     "codes_unused": 1}],
         "procedures": [{"scheme_id": "55070116-7a0a-5e5f-83b9-72778a55e596",
                         "scheme_name": "夏村镇机关干部",
                         "period": "2025Q2",
                         "stages": 1,
                         "started": False,
                         "finished": False,
                         "current": {"index": 1,
                                     "code": "de",
                                     "name": "夏村镇",
                                     "opens": "2025-06-30",
                                     "closes": "2025-06-30"},
                         "next": {"index": 1,
                                  "code": "de",
                                  "name": "夏村镇",
                                  "opens": "2025-06-30",
                                  "closes": "2025-06-30"},
                         "window": {"opened_on": "2025-06-30",
                                    "starts_on": "2025-06-30",
                                    "ends_on": "2025-06-30",
                                    "working_days": 1,
                                    "open": False,
                                    "fallback_years": [1]}}],
         "rectifications": [{"notice_id": "b109557a-606c-57e6-8ff7-6e90b70380e7",
                             "notice_title": "关于第二季度考核工作的督办通知",
                             "item_id": "f8ff86e1-8a9c-55f8-bc0b-c494d739fbd6",
                             "position": 1,
                             "text": "夏村镇2025年第二季度考核结果",
                             "deadline": "2025-06-30",
                             "state": "open",
                             "overdue": False}]}]})
    unit_id: uuid.UUID
    period: str
    today: date
    rounds: list[RoundOutstanding]
    procedures: list[ProcedureProgress]
    rectifications: list[ItemDue] = Field(description="the unit's rectification items open or returned, the "
                                                      "earliest deadline first")


def _period(value: str | None, today: date) -> Period:
    if value is None:
        return of_kind("quarter", today.year, (today.month - 1) // 3 + 1)
    try:
        return parse_period(value)
    except ValueError as exc:
        raise Unprocessable(str(exc), code="invalid_period",
                            errors=[{"field": "query.period", "message": str(exc)}]) from exc


async def schemes_covering(session: AsyncSession, scope: Scope, unit: dict[str, Any]) -> list[Scheme]:
    unit_id, region_id = uuid.UUID(str(unit["id"])), uuid.UUID(str(unit["region_id"]))
    group = unit.get("evaluation_group")
    covers = or_(Scheme.unit_id == unit_id, Scheme.lead_unit_id == unit_id,
                 and_(Scheme.group_name == group, Scheme.region_id == region_id) if group else false())
    return list(await session.scalars(select(Scheme).where(Scheme.region_id == region_id, covers, scope.schemes())
                                      .order_by(Scheme.name, Scheme.id)))


# A rater's ballots are their ratings (a voided one is moved out of ``ratings``, and nobody rates
# themself), so what is left to rate is the round's people, less the rater if rated, less the ratings.
MISSING = text(
    "WITH people AS (SELECT round_id, count(*) AS n FROM scoring.round_people WHERE round_id = ANY(:ids) "
    "GROUP BY round_id), "
    "done AS (SELECT round_id, rater_id, count(*) AS n FROM scoring.ratings WHERE round_id = ANY(:ids) "
    "GROUP BY round_id, rater_id) "
    "SELECT * FROM (SELECT r.round_id, r.rater_id, r.rater_group, coalesce(d.n, 0) AS done, "
    "p.n - (EXISTS (SELECT 1 FROM scoring.round_people q WHERE q.round_id = r.round_id "
    "AND q.person_id = r.rater_id))::int AS due "
    "FROM scoring.round_raters r JOIN people p ON p.round_id = r.round_id "
    "LEFT JOIN done d ON d.round_id = r.round_id AND d.rater_id = r.rater_id "
    "WHERE r.round_id = ANY(:ids) AND NOT r.anonymous) AS raters WHERE done < due ORDER BY rater_group, rater_id")


# built once, executed per request (building them was a tenth of this route's time)
_OPEN_ROUNDS = (select(RatingRound).where(RatingRound.scheme_id.in_(bindparam("schemes", expanding=True)),
                                          RatingRound.status == "open")
                .order_by(RatingRound.period, RatingRound.id))
_CODES_UNUSED = (select(RatingCode.round_id, func.count())
                 .where(RatingCode.round_id.in_(bindparam("ids", expanding=True)), RatingCode.used.is_(False))
                 .group_by(RatingCode.round_id))


async def open_rounds(session: AsyncSession, neighbours: Neighbours, scope: Scope, schemes: list[Scheme],
                      period: str, today: date,
                      now: datetime) -> tuple[list[RoundOutstanding], list[ProcedureProgress]]:
    """The open rounds of the schemes, each with its raters still to rate, named (from scoring's cards),
    and each scheme's procedure of the period."""
    titles = {s.id: s.name for s in schemes}
    rounds = list(await session.scalars(_OPEN_ROUNDS, {"schemes": list(titles)}))
    ids = [r.id for r in rounds]
    rows = (await session.execute(MISSING, {"ids": ids})).all() if ids else []
    codes = dict((await session.execute(_CODES_UNUSED, {"ids": ids})).all()) if ids else {}

    # the raters of a round the caller sees are theirs to know by name: from the cards taken when the
    # round opened (records asked, as the system, only for a rater without one or with an old one)
    names = await cards(session, neighbours, sorted({str(row[1]) for row in rows}), caller=SYSTEM_CALLER, now=now)
    missing: dict[uuid.UUID, list[RaterMissing]] = {}
    for round_id, rater_id, rater_group, done, due in rows:
        person = names.get(str(rater_id), {})
        # the database's own values: built as they are, not validated one by one
        missing.setdefault(round_id, []).append(RaterMissing.model_construct(
            rater_id=rater_id, group=rater_group, done=done, due=due, name=person.get("name"),
            staff_no=person.get("staff_no"), unit_name=person.get("unit_name"),
            section_name=person.get("section_name")))
    return [RoundOutstanding(round_id=r.id, scheme_id=r.scheme_id, scheme_name=titles[r.scheme_id], period=r.period,
                             closes_at=r.closes_at, raters_missing=missing.get(r.id, []),
                             codes_unused=codes.get(r.id, 0)) for r in rounds], \
        [await progress(session, scope, s, period, today) for s in schemes]


async def unit_of(neighbours: Neighbours, scope: Scope, unit_id: uuid.UUID) -> dict[str, Any] | None:
    """The unit with its region and group: the caller's own was looked up for their scope already."""
    key = str(unit_id)
    if key in scope.unit_regions:
        return {"id": key, "region_id": scope.unit_regions[key], "evaluation_group": scope.unit_groups.get(key)}
    return await unit_seen_by(neighbours, scope, unit_id)


async def progress(session: AsyncSession, scope: Scope, scheme: Scheme, period: str,
                   today: date) -> ProcedureProgress:
    view = await procedure.view(session, scheme, period, scope, today)
    stages = [StageNow(index=s.index, code=s.code, name=s.name, opens=s.opens, closes=s.closes) for s in view.stages]
    at = next((s.index for s in view.stages if s.state == "current"), None)
    return ProcedureProgress(
        scheme_id=scheme.id, scheme_name=scheme.name, period=period, stages=len(stages), started=view.started,
        finished=view.finished, current=None if at is None else stages[at],
        next=(stages[0] if stages else None) if at is None and not view.started
        else (stages[at + 1] if at is not None and at + 1 < len(stages) else None),
        window=view.window)


@router.get("/units/{unit_id}/outstanding", response_model=UnitScoringOutstanding,
            summary="What a unit still has to do in scoring: raters who have not rated in each open round of its "
                    "schemes, and where each scheme's procedure of the period stands",
            responses={403: {"description": "a member: this is for the unit's administrator and leaders"},
                       404: {"description": "a unit the caller may not see"},
                       422: {"description": "`period` is not a period"}})
async def unit_ratings_outstanding(unit_id: uuid.UUID, session: SessionDep, scope: ScopeDep, today: TodayDep,
                                   request: Request, now: NowDep,
                           period: Annotated[str | None, Query(max_length=7, json_schema_extra=PERIOD_SCHEMA,
                                                               description=(
                               "the period whose procedure is shown; the current quarter if left out"),
                               examples=["2025Q1"])] = None) -> Response:
    """What a unit still has to do in scoring: the raters who have not rated in each open round of its schemes,
    named, where each scheme's procedure of the period stands, and the rectification items it owes. 403 for
    a member; 404 `unit_not_found`; 422 `invalid_period`.
    """
    chosen = _period(period, today)
    neighbours: Neighbours = request.app.state.neighbours
    unit = await unit_of(neighbours, scope, unit_id)
    if unit is None:
        raise UnitNotFound(f"no unit {unit_id}")
    if scope.caller.roles and not LEADING & set(scope.caller.roles):
        raise Forbidden("what a unit owes is for its administrator and leaders")
    schemes = await schemes_covering(session, scope, unit)
    rounds, procedures = await open_rounds(session, neighbours, scope, schemes, chosen.code, today, now)
    # written out by the model's own serializer: not validated again, nor walked by FastAPI's encoder
    return Response(UnitScoringOutstanding(
        unit_id=unit_id, period=chosen.code, today=today, rounds=rounds, procedures=procedures,
        rectifications=await items_due(session, unit_id, today)).model_dump_json(), media_type="application/json")

"""The caller's own to-do in scoring: the open rating rounds they rate in, with the people still to
rate by name; the objections awaiting their decision (a scheme's managers review them); and the
record deadlines of their own scheme, which the gateway applies to records' missing weeks and
months (``/api/v1/me/todo``).

A fixed number of calls whatever the caller has to do: two statements for the rounds and their
people, two for the objections (a page and its count), one for the scheme's deadlines, and one for
every name at once, read from the cards scoring keeps (``scoring.cards``): records is asked only
for people without a card or with an old one, with the caller's identity widened to the regions of
the rounds they rate in (they were just found to be a rater there, and a rater is shown who they
rate).
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from typing import Any

import orjson
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from scoring.cards import cards as cards_of
from scoring.clients import Neighbours
from scoring.clock import NowDep
from scoring.definitions import DeadlinesIn
from scoring.examples import PERSON_ID, UNIT_ID
from scoring.models import Close, Objection, RatingRound, RatingRow, RoundPerson, RoundRater, Scheme, SchemeVersion
from scoring.scope import Scope, ScopeDep
from shared.db import SessionDep

router = APIRouter(prefix="/api/v1/scoring", tags=["to-do"])

#: most pending objections listed (the oldest first); ``objections_total`` counts them all
MAX_OBJECTIONS = 100


SHOWN = ("name", "staff_no", "unit_id", "unit_name", "section_name", "post")


class PersonShown(BaseModel):
    """A person by name (null where records did not name them: left the caller's sight since)."""

    person_id: uuid.UUID
    name: str | None = None
    staff_no: str | None = None
    unit_id: uuid.UUID | None = None
    unit_name: str | None = None
    section_name: str | None = None
    post: str | None = None


class RoundToRate(BaseModel):
    round_id: uuid.UUID
    scheme_id: uuid.UUID
    scheme_name: str
    period: str
    closes_at: datetime | None = Field(description="no ballot after it; null: open until an administrator closes it")
    done: int = Field(description="people the caller has rated")
    total: int = Field(description="people the caller is to rate (everyone rated in the round but themself)")
    to_rate: list[PersonShown] = Field(description="those not rated yet, by staff number")


class ObjectionToReview(BaseModel):
    objection_id: uuid.UUID
    close_id: uuid.UUID
    scheme_id: uuid.UUID
    scheme_name: str
    period: str
    person: PersonShown
    filed_at: datetime


class MyDeadlines(BaseModel):
    scheme_id: uuid.UUID | None = Field(description="the caller's scheme whose deadlines these are; null: none "
                                                     "found, the defaults")
    log_deadline_days: int
    report_deadline_day: int


#: A person as a to-do names them (one to rate, or whose objection waits).
TO_RATE: dict[str, Any] = {"person_id": PERSON_ID, "name": "王芳", "staff_no": "X-001", "unit_id": UNIT_ID,
                           "unit_name": "夏村镇", "section_name": "党政办", "post": "科员"}


class ScoringTodo(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"rounds": [{"round_id": "229e0312-cf0e-5027-99f9-8d2baa6dab14",
                     "scheme_id": "55070116-7a0a-5e5f-83b9-72778a55e596",
                     "scheme_name": "夏村镇机关干部",
                     "period": "2025Q2",
                     "closes_at": "2025-07-01T09:30:00Z",
                     "done": 1,
                     "total": 1,
                     "to_rate": [TO_RATE]}],
         "objections": [{"objection_id": "c97689ba-b8a8-5bc7-a88f-1342f68712b9",
                         "close_id": "c6bca1f9-5b9f-5d7c-a861-f65ce9c1dc82",
                         "scheme_id": "55070116-7a0a-5e5f-83b9-72778a55e596",
                         "scheme_name": "夏村镇机关干部",
                         "period": "2025Q2",
                         "person": TO_RATE,
                         "filed_at": "2025-07-01T09:30:00Z"}],
         "objections_total": 1,
         "deadlines": {"scheme_id": "55070116-7a0a-5e5f-83b9-72778a55e596",
                       "log_deadline_days": 1,
                       "report_deadline_day": 1}}]})
    rounds: list[RoundToRate]
    objections: list[ObjectionToReview] = Field(description=f"pending, oldest first (at most {MAX_OBJECTIONS})")
    objections_total: int
    deadlines: MyDeadlines


# The statements are built once, with bound parameters, and only executed per request: building
# them anew each time was a fifth of the service's time on this route.

#: the open rounds (before their deadlines) the person (``rater``) rates in, soonest deadline first
ROUNDS = (select(RatingRound.id, RatingRound.scheme_id, Scheme.name, Scheme.region_id, RatingRound.period,
                 RatingRound.closes_at)
          .select_from(RoundRater)
          .join(RatingRound, RatingRound.id == RoundRater.round_id)
          .join(Scheme, Scheme.id == RatingRound.scheme_id)
          .where(RoundRater.rater_id == bindparam("rater"), ~RoundRater.anonymous, RatingRound.status == "open",
                 or_(RatingRound.closes_at.is_(None), RatingRound.closes_at > bindparam("now")))
          .order_by(RatingRound.closes_at.asc().nulls_last(), RatingRound.id))

#: Everyone the rater rates in these rounds (``rounds``) but themself, and whether they have rated them.
#: Its own statement, given the rounds' ids: the planner then sees how many people each round has (a
#: join from the rater's rounds is planned for an average round, a province's, and scans them all).
#: The rating is looked up by its key for each person, as a scalar subquery (an EXISTS is hashed over
#: every rating of the rater's).
PEOPLE = (select(RoundPerson.round_id, RoundPerson.person_id,
                 select(RatingRow.mark).where(RatingRow.round_id == RoundPerson.round_id,
                                              RatingRow.person_id == RoundPerson.person_id,
                                              RatingRow.rater_id == bindparam("rater"))
                 .scalar_subquery().is_not(None))
          .where(RoundPerson.round_id.in_(bindparam("rounds", expanding=True)),
                 RoundPerson.person_id != bindparam("rater")))

#: the deadlines of a person's scheme: of their unit (one for their staff category first), else of
#: their unit's evaluation group (``group``, null: none) in their region; the latest version's
_LATEST_DEADLINES = (select(SchemeVersion.definition["deadlines"]).where(SchemeVersion.scheme_id == Scheme.id)
                     .order_by(SchemeVersion.version.desc()).limit(1).scalar_subquery())
DEADLINES = (select(Scheme.id, _LATEST_DEADLINES)
             .where(Scheme.region_id == bindparam("region"),
                    or_(Scheme.unit_id == bindparam("unit"),
                        and_(Scheme.group_name == bindparam("group"), Scheme.unit_id.is_(None))),
                    or_(Scheme.staff_category.is_(None), Scheme.staff_category == bindparam("category")))
             .order_by(Scheme.unit_id.is_(None), Scheme.staff_category.is_(None), Scheme.created_at.desc())
             .limit(1))


def _reviews(scope: Scope) -> bool:
    caller = scope.caller
    return caller.is_province_wide or bool(caller.region_ids) or "unit_admin" in caller.roles


async def _objections(session: AsyncSession, scope: Scope) -> tuple[list[Any], int]:
    if not _reviews(scope):
        return [], 0
    pending = (select(Objection.id, Objection.close_id, Objection.person_id, Objection.created_at, Close.period,
                      Scheme.id, Scheme.name)
               .join(Close, Close.id == Objection.close_id).join(Scheme, Scheme.id == Close.scheme_id)
               .where(Objection.status == "pending", scope.schemes(manage=True)))
    rows = list(await session.execute(pending.order_by(Objection.created_at, Objection.id).limit(MAX_OBJECTIONS)))
    total = len(rows) if len(rows) < MAX_OBJECTIONS else await session.scalar(
        select(func.count()).select_from(pending.subquery())) or 0
    return rows, total


async def _deadlines(session: AsyncSession, me: dict[str, Any] | None) -> dict[str, Any]:
    """The deadlines of the caller's scheme (``DEADLINES``); the defaults if none."""
    default = {"scheme_id": None, **DeadlinesIn().model_dump()}
    if me is None or me.get("unit_id") is None or me.get("region_id") is None:
        return default
    found = (await session.execute(DEADLINES, {
        "region": uuid.UUID(str(me["region_id"])), "unit": uuid.UUID(str(me["unit_id"])),
        "group": me.get("evaluation_group") or None, "category": me.get("staff_category")})).first()
    if found is None:
        return default
    return {"scheme_id": found[0], **DeadlinesIn.model_validate(found[1] or {}).model_dump()}


def _shown(person_id: uuid.UUID, cards: dict[str, dict[str, Any]]) -> dict[str, Any]:
    card = cards.get(str(person_id), {})
    return {"person_id": person_id, **{k: card.get(k) for k in SHOWN}}


async def todo(session: AsyncSession, neighbours: Neighbours, scope: Scope, now: datetime) -> dict[str, Any]:
    """The to-do as ``ScoringTodo`` has it, in plain values (written out as they are)."""
    caller = scope.caller
    me = uuid.UUID(caller.person_id) if caller.person_id else None
    rated_in = list(await session.execute(ROUNDS, {"rater": me, "now": now})) if me is not None else []
    rows = (list(await session.execute(PEOPLE, {"rater": me, "rounds": [r[0] for r in rated_in]}))
            if rated_in and me else [])
    objections, objections_total = await _objections(session, scope)
    ids = dict.fromkeys([str(me)] if me else [])
    ids.update(dict.fromkeys(str(person) for _, person, rated in rows if not rated))
    ids.update(dict.fromkeys(str(o[2]) for o in objections))
    regions = dict.fromkeys((*caller.region_ids, *(str(r[3]) for r in rated_in)))
    cards = await cards_of(session, neighbours, ids, caller=replace(caller, region_ids=tuple(regions)), now=now)
    rounds: dict[uuid.UUID, dict[str, Any]] = {
        r[0]: {"round_id": r[0], "scheme_id": r[1], "scheme_name": r[2], "period": r[4], "closes_at": r[5],
               "done": 0, "total": 0, "to_rate": []} for r in rated_in}
    for round_id, person_id, rated in rows:
        entry = rounds[round_id]
        entry["total"] += 1
        if rated:
            entry["done"] += 1
        else:
            entry["to_rate"].append(_shown(person_id, cards))
    for entry in rounds.values():
        entry["to_rate"].sort(key=lambda p: (p["staff_no"] or "", str(p["person_id"])))
    return {
        "rounds": list(rounds.values()),
        "objections": [{"objection_id": o, "close_id": c, "scheme_id": s, "scheme_name": name, "period": period,
                        "person": _shown(p, cards), "filed_at": at} for o, c, p, at, period, s, name in objections],
        "objections_total": objections_total,
        "deadlines": await _deadlines(session, cards.get(str(me)) if me else None)}


@router.get("/todo", response_model=ScoringTodo,
            summary="The caller's own to-do: open rounds they rate in (who is left to rate), objections awaiting "
                    "their decision, their scheme's record deadlines")
async def scoring_todo(session: SessionDep, scope: ScopeDep, request: Request, now: NowDep) -> Response:
    """The caller's own scoring to-do: the open rounds they rate in and who is left to rate, the objections
    awaiting their decision, and their schemes' record deadlines.
    """
    # built from the rows in plain values and written out as they are: not validated again field by field
    # (the database's own UUID values are written as text)
    return Response(orjson.dumps(await todo(session, request.app.state.neighbours, scope, now), default=str,
                                 option=orjson.OPT_UTC_Z), media_type="application/json")

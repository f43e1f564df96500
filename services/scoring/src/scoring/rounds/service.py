"""Rating rounds (民主测评): who rates in which group, who is rated, and the marks.

A rater rates each person once per round and may revise until the round closes; never themself.
The rated person never learns who rated them: results show each group's mean and count only.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from scoring.clients import Neighbours
from scoring.errors import AlreadyExists, InputInvalid, RoundClosed, RoundNotFound
from scoring.models import RatingRound, RatingRow, RoundPerson, RoundRater, Scheme
from scoring.rounds.schemas import RatingsPut, RoundCreate, RoundRead
from scoring.schemes.service import get_scheme, manages, rules_of
from shared.periods import Period
from shared.service_auth import Caller


def _bad(message: str, field: str) -> InputInvalid:
    return InputInvalid(message, errors=[{"field": field, "message": message}])


async def scope_people(neighbours: Neighbours, scheme: Scheme, period: Period, caller: Caller, *,
                       fields: Sequence[str] = ()) -> list[dict[str, Any]]:
    """The scheme's people in the period, from the records summary (one call), filtered by staff
    category: their unit and section (and category, for a scheme of one), and the summary's
    ``fields``."""
    category = () if scheme.staff_category is None else ("staff_category",)
    people = await neighbours.summary(region_id=scheme.region_id, unit_id=scheme.unit_id, group=scheme.group_name,
                                      period=period.code, caller=caller,
                                      fields=("unit_id", "section_id", *category, *fields))
    if scheme.staff_category is not None:
        people = [p for p in people if p["staff_category"] == scheme.staff_category]
    return people


async def open_round(session: AsyncSession, neighbours: Neighbours, scheme_id: uuid.UUID, period: Period,
                     body: RoundCreate, caller: Caller) -> RoundRead:
    scheme = await get_scheme(session, scheme_id, caller)
    _, rules = await rules_of(session, scheme_id)
    if not rules.rater_weights:
        raise _bad("the scheme has no rater groups", "path.scheme_id")
    raters: dict[uuid.UUID, str] = {}
    for index, rater in enumerate(body.raters):
        if rater.group not in rules.rater_weights:
            raise _bad(f"{rater.group!r} is not a rater group of the scheme ({', '.join(rules.rater_weights)})",
                       f"body.raters.{index}.group")
        if rater.rater_id in raters:
            raise _bad("a rater is listed twice", f"body.raters.{index}.rater_id")
        raters[rater.rater_id] = rater.group
    people = await scope_people(neighbours, scheme, period, caller)
    round_ = RatingRound(id=uuid.uuid4(), scheme_id=scheme_id, period=period.code, opened_by=caller.subject)
    try:
        async with session.begin_nested():
            session.add(round_)
            await session.flush()
    except IntegrityError as exc:
        raise AlreadyExists(f"scheme {scheme_id} already has a rating round for {period.code}") from exc
    if raters:
        await session.execute(insert(RoundRater), [{"round_id": round_.id, "rater_id": r, "rater_group": g}
                                                   for r, g in raters.items()])
    if people:
        await session.execute(insert(RoundPerson), [{"round_id": round_.id, "person_id": uuid.UUID(str(p["person_id"]))}
                                                    for p in people])
    return await read_round(session, round_.id, caller)


async def get_round(session: AsyncSession, round_id: uuid.UUID, caller: Caller) -> tuple[RatingRound, Scheme]:
    round_ = await session.get(RatingRound, round_id)
    if round_ is None:
        raise RoundNotFound(f"no rating round {round_id}")
    scheme = await session.get(Scheme, round_.scheme_id)
    assert scheme is not None
    rater = None
    if caller.person_id is not None:
        rater = await session.get(RoundRater, (round_id, uuid.UUID(caller.person_id)))
    if not (manages(caller, scheme) or rater is not None):
        raise RoundNotFound(f"no rating round {round_id}")
    return round_, scheme


async def read_round(session: AsyncSession, round_id: uuid.UUID, caller: Caller) -> RoundRead:
    round_, _ = await get_round(session, round_id, caller)
    raters = dict(list(await session.execute(
        select(RoundRater.rater_group, func.count()).where(RoundRater.round_id == round_id)
        .group_by(RoundRater.rater_group))))
    people = await session.scalar(select(func.count()).select_from(RoundPerson)
                                  .where(RoundPerson.round_id == round_id)) or 0
    ratings = await session.scalar(select(func.count()).select_from(RatingRow)
                                   .where(RatingRow.round_id == round_id)) or 0
    return RoundRead(id=round_.id, scheme_id=round_.scheme_id, period=round_.period, status=round_.status,
                     opened_at=round_.opened_at, closed_at=round_.closed_at, raters_by_group=raters, people=people,
                     ratings=ratings)


async def put_ratings(session: AsyncSession, round_id: uuid.UUID, body: RatingsPut, caller: Caller) -> int:
    """A rater's marks (revising earlier ones). An administrator may enter a paper ballot for a rater."""
    round_, scheme = await get_round(session, round_id, caller)
    if body.rater_id is not None and body.rater_id != (uuid.UUID(caller.person_id) if caller.person_id else None):
        if not manages(caller, scheme):
            raise _bad("only an administrator enters ballots for another rater", "body.rater_id")
        rater_id = body.rater_id
    elif caller.person_id is not None:
        rater_id = uuid.UUID(caller.person_id)
    else:
        raise _bad("give rater_id: the caller is not a person", "body.rater_id")
    # Lock the round: a rating racing the close either lands before it or is refused after it.
    status = await session.scalar(select(RatingRound.status).where(RatingRound.id == round_id).with_for_update())
    if status != "open":
        raise RoundClosed(f"rating round {round_id} closed at {round_.closed_at}; no more ratings")
    rater = await session.get(RoundRater, (round_id, rater_id))
    if rater is None:
        raise _bad(f"{rater_id} is not a rater of this round", "body.rater_id")
    _, rules = await rules_of(session, scheme.id)
    ids = [r.person_id for r in body.ratings]
    known = set(await session.scalars(select(RoundPerson.person_id).where(RoundPerson.round_id == round_id,
                                                                          RoundPerson.person_id.in_(ids))))
    seen = set()
    for index, rating in enumerate(body.ratings):
        if rating.person_id == rater_id:
            raise _bad("a rater never rates themself", f"body.ratings.{index}.person_id")
        if rating.person_id not in known:
            raise _bad(f"{rating.person_id} is not rated in this round (not in the scheme's people)",
                       f"body.ratings.{index}.person_id")
        if Fraction(rating.mark) > rules.mark_max:
            raise _bad(f"mark {rating.mark} is above the scheme's maximum of {rules.mark_max}",
                       f"body.ratings.{index}.mark")
        if rating.person_id in seen:
            raise _bad("the same person twice in one ballot", f"body.ratings.{index}.person_id")
        seen.add(rating.person_id)
    statement = insert(RatingRow)
    await session.execute(statement.on_conflict_do_update(
        index_elements=["round_id", "person_id", "rater_id"],
        set_={"mark": statement.excluded.mark, "updated_at": func.now()}),
        [{"round_id": round_id, "rater_id": rater_id, "rater_group": rater.rater_group, "person_id": r.person_id,
          "mark": r.mark} for r in body.ratings])
    return len(body.ratings)


async def my_ratings(session: AsyncSession, round_id: uuid.UUID, caller: Caller) -> list[tuple[uuid.UUID, Any]]:
    await get_round(session, round_id, caller)
    if caller.person_id is None:
        return []
    return [(p, m) for p, m in await session.execute(
        select(RatingRow.person_id, RatingRow.mark)
        .where(RatingRow.round_id == round_id, RatingRow.rater_id == uuid.UUID(caller.person_id))
        .order_by(RatingRow.person_id))]


async def close_round(session: AsyncSession, round_id: uuid.UUID, caller: Caller) -> RoundRead:
    round_, scheme = await get_round(session, round_id, caller)
    if not manages(caller, scheme):
        raise RoundNotFound(f"no rating round {round_id}")
    changed = await session.execute(update(RatingRound).where(RatingRound.id == round_id,
                                                               RatingRound.status == "open")
                                    .values(status="closed", closed_at=func.now()))
    if changed.rowcount == 0:  # type: ignore[attr-defined]
        raise RoundClosed(f"rating round {round_id} is already closed")
    await session.refresh(round_)
    return await read_round(session, round_id, caller)

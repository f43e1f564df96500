"""Rating rounds (民主测评): who rates in which group, who is rated, and the marks.

A rater rates each person once per round and may revise until the round closes; never themself.
The rated person never learns who rated them: results show each group's mean and count only.
Under a scheme with rating dimensions a ballot gives a mark per dimension for each person, kept
beside their weighted sum, which is the rating. An outside group's raters have no account and
rate with the round's one-time codes (``rounds.codes``). A round may have a deadline; while it
runs it is corrected, and once closed reopened, in ``rounds.corrections``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from scoring import cards, events
from scoring.clients import Neighbours
from scoring.corrections import history
from scoring.definitions import Rules
from scoring.domain import raters as rating_rules
from scoring.errors import AlreadyExists, DeadlinePassed, InputInvalid, RoundClosed
from scoring.models import RatingCode, RatingRound, RatingRow, RoundPerson, RoundRater, Scheme
from scoring.rounds.schemas import RaterIn, RatingIn, RatingsPut, RoundCreate, RoundRead, Stored
from scoring.schemes.review import require_approved
from scoring.schemes.service import rules_of
from scoring.scope import Scope, check_raters, people_of, round_or_404, scheme_or_404
from shared.errors import Forbidden
from shared.periods import Period
from shared.service_auth import Caller


def _bad(message: str, field: str) -> InputInvalid:
    return InputInvalid(message, errors=[{"field": field, "message": message}])


async def scope_people(neighbours: Neighbours, scheme: Scheme, period: Period, caller: Caller, *,
                       fields: Sequence[str] = (), deadlines: Mapping[str, int] | None = None) -> list[dict[str, Any]]:
    """The scheme's people in the period (see ``scoring.scope.people_of``)."""
    return await people_of(neighbours, scheme, period, caller, fields=fields, deadlines=deadlines)


def checked_raters(rules: Rules, raters: Sequence[RaterIn]) -> dict[uuid.UUID, str]:
    """Each rater → their group: a rater group of the scheme with accounts (not an outside one),
    nobody twice; else a 422 naming the row."""
    checked: dict[uuid.UUID, str] = {}
    for index, rater in enumerate(raters):
        if rater.group not in rules.rater_weights:
            raise _bad(f"{rater.group!r} is not a rater group of the scheme ({', '.join(rules.rater_weights)})",
                       f"body.raters.{index}.group")
        if rater.group in rules.rater_settings.outside:
            raise _bad(f"{rater.group!r} is an outside group: its raters have no account and rate with the "
                       "round's one-time codes", f"body.raters.{index}.group")
        if rater.rater_id in checked:
            raise _bad("a rater is listed twice", f"body.raters.{index}.rater_id")
        checked[rater.rater_id] = rater.group
    return checked


def checked_deadline(closes_at: datetime | None, now: datetime, field: str) -> datetime | None:
    """A deadline given, in UTC: in the future, else a 422 naming ``field``."""
    if closes_at is None:
        return None
    if closes_at <= now:
        raise _bad(f"the deadline {closes_at.isoformat()} is not in the future", field)
    try:
        return closes_at.astimezone(UTC)
    except OverflowError as exc:  # past the year 9999 in UTC
        raise _bad("the deadline is out of range", field) from exc


async def lock_open(session: AsyncSession, round_id: uuid.UUID, now: datetime) -> None:
    """Lock the round and refuse a ballot unless it is open and before its deadline: a rating
    racing the close (or a move of the deadline) either lands before it or is refused after it."""
    status, closes_at, closed_at = (await session.execute(
        select(RatingRound.status, RatingRound.closes_at, RatingRound.closed_at)
        .where(RatingRound.id == round_id).with_for_update())).one()
    if status != "open":
        raise RoundClosed(f"rating round {round_id} closed at {closed_at}; no more ratings")
    if closes_at is not None and now >= closes_at:
        raise DeadlinePassed(f"rating round {round_id} took ballots until {closes_at.isoformat()}")


async def open_round(session: AsyncSession, neighbours: Neighbours, scheme_id: uuid.UUID, period: Period,
                     body: RoundCreate, scope: Scope, now: datetime) -> RoundRead:
    """The raters must be people records knows in the scheme's region; the rated are the scheme's
    people in the period."""
    caller = scope.caller
    scheme = await scheme_or_404(session, scheme_id, scope)
    version, rules = await rules_of(session, scheme_id)
    await require_approved(session, scheme, version)
    if not rules.rater_weights:
        raise _bad("the scheme has no rater groups", "path.scheme_id")
    if not body.raters and not rules.rater_settings.outside:
        raise _bad("name at least one rater: the scheme has no outside group to issue codes to", "body.raters")
    raters = checked_raters(rules, body.raters)
    closes_at = checked_deadline(body.closes_at, now, "body.closes_at")
    people = await scope_people(neighbours, scheme, period, caller)
    await check_raters(neighbours, scheme,
                       [(f"body.raters.{i}.rater_id", r.rater_id) for i, r in enumerate(body.raters)],
                       (str(p["person_id"]) for p in people))
    round_ = RatingRound(id=uuid.uuid4(), scheme_id=scheme_id, period=period.code, opened_by=caller.subject,
                         closes_at=closes_at)
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
    # Ballots are cast only while the round is open, and a close waits until it is closed: the
    # period's inputs change when the round opens and when it closes.
    await history.touch_inputs(session, scheme_id, period.code)
    await events.round_opened(session, round_, scheme, raters)
    # who rates whom is fixed now: their cards taken at once, the raters' to-dos then name them from scoring
    await cards.take(session, neighbours, [*raters, *(p["person_id"] for p in people)], now)
    return await read_round(session, round_.id, scope)


async def read_round(session: AsyncSession, round_id: uuid.UUID, scope: Scope) -> RoundRead:
    """The round's state and turnout. Its managers also see how many of each group's raters have
    voted (who voted, never what anyone gave: no mark of a rater is shown to anyone but the rater)."""
    round_, scheme = await round_or_404(session, round_id, scope)
    raters = dict(list(await session.execute(
        select(RoundRater.rater_group, func.count()).where(RoundRater.round_id == round_id, ~RoundRater.anonymous)
        .group_by(RoundRater.rater_group))))
    for group, issued in await session.execute(  # an outside group's raters: the codes issued to it
            select(RatingCode.rater_group, func.count()).where(RatingCode.round_id == round_id)
            .group_by(RatingCode.rater_group)):
        raters[group] = raters.get(group, 0) + issued
    people = await session.scalar(select(func.count()).select_from(RoundPerson)
                                  .where(RoundPerson.round_id == round_id)) or 0
    ratings = await session.scalar(select(func.count()).select_from(RatingRow)
                                   .where(RatingRow.round_id == round_id)) or 0
    voted = None
    if scope.manages(scheme):
        voted = dict(list(await session.execute(
            select(RatingRow.rater_group, func.count(func.distinct(RatingRow.rater_id)))
            .where(RatingRow.round_id == round_id).group_by(RatingRow.rater_group))))
    return RoundRead(id=round_.id, scheme_id=round_.scheme_id, period=round_.period, status=round_.status,
                     opened_at=round_.opened_at, closed_at=round_.closed_at, closes_at=round_.closes_at,
                     raters_by_group=raters, people=people,
                     ratings=ratings, voted_by_group=voted)


async def put_ratings(session: AsyncSession, round_id: uuid.UUID, body: RatingsPut, scope: Scope,
                      now: datetime) -> Stored:
    """A rater's own ballot (revising their earlier marks). Nobody writes another rater's ballot,
    except that the round's scheme managers may key in a rater's paper ballot on their behalf,
    saying so (``on_behalf``); the ballot then records who keyed it (``keyed_by``), and the answer
    names the rater, so the gateway's audit event of the write is attributable."""
    caller = scope.caller
    _, scheme = await round_or_404(session, round_id, scope)
    own = uuid.UUID(caller.person_id) if caller.person_id else None
    keyed_by: str | None = None
    if body.on_behalf:
        if not scope.manages(scheme):
            raise Forbidden("only the scheme's administrators key in a ballot on a rater's behalf")
        if body.rater_id is None:
            raise _bad("name the rater whose paper ballot this is", "body.rater_id")
        rater_id = body.rater_id
        keyed_by = caller.subject
    elif body.rater_id is not None and body.rater_id != own:
        raise Forbidden("a ballot is written only by its rater; an administrator keying in a paper ballot "
                        "says so with on_behalf")
    elif own is not None:
        rater_id = own
    else:
        raise _bad("give rater_id and on_behalf: the caller is not a person", "body.rater_id")
    await lock_open(session, round_id, now)
    rater = await session.get(RoundRater, (round_id, rater_id))
    if rater is None or rater.anonymous:
        raise _bad(f"{rater_id} is not a rater of this round", "body.rater_id")
    _, rules = await rules_of(session, scheme.id)
    rows = await ballot_rows(session, round_id, rules, body.ratings, rater_id=rater_id)
    statement = insert(RatingRow)
    await session.execute(statement.on_conflict_do_update(
        index_elements=["round_id", "person_id", "rater_id"],
        set_={"mark": statement.excluded.mark, "dimensions": statement.excluded.dimensions,
              "keyed_by": statement.excluded.keyed_by, "updated_at": func.now()}),
        [{**row, "round_id": round_id, "rater_id": rater_id, "rater_group": rater.rater_group, "keyed_by": keyed_by}
         for row in rows])
    return Stored(stored=len(body.ratings), rater_id=rater_id, on_behalf=keyed_by is not None)


async def ballot_rows(session: AsyncSession, round_id: uuid.UUID, rules: Rules, ratings: Sequence[RatingIn], *,
                      rater_id: uuid.UUID | None) -> list[dict[str, Any]]:
    """A ballot's rows (person, mark and marks per dimension), every rule checked naming the row:
    the person is rated in the round, not the rater, not twice; each mark within the scheme's
    maximum; under a scheme with dimensions, a mark for each dimension and no other (the rating is
    their weighted sum), else a single mark."""
    ids = [r.person_id for r in ratings]
    known = set(await session.scalars(select(RoundPerson.person_id).where(RoundPerson.round_id == round_id,
                                                                          RoundPerson.person_id.in_(ids))))
    dimensions = rules.rater_settings.dimensions
    seen = set()
    rows = []
    for index, rating in enumerate(ratings):
        at = f"body.ratings.{index}"
        if rating.person_id == rater_id:
            raise _bad("a rater never rates themself", f"{at}.person_id")
        if rating.person_id not in known:
            raise _bad(f"{rating.person_id} is not rated in this round (not in the scheme's people)",
                       f"{at}.person_id")
        if rating.person_id in seen:
            raise _bad("the same person twice in one ballot", f"{at}.person_id")
        seen.add(rating.person_id)
        given = rating.dimensions
        if not dimensions:
            if given is not None:
                raise _bad("the scheme rates with one mark per person, not by dimension", f"{at}.dimensions")
            assert rating.mark is not None
            if Fraction(rating.mark) > rules.mark_max:
                raise _bad(f"mark {rating.mark} is above the scheme's maximum of {rules.mark_max}", f"{at}.mark")
            rows.append({"person_id": rating.person_id, "mark": rating.mark, "dimensions": None})
            continue
        codes = [d.code for d in dimensions]
        if given is None:
            raise _bad(f"the scheme rates by dimension: give a mark for each of {', '.join(codes)}",
                       f"{at}.dimensions")
        for code, mark in given.items():
            if code not in codes:
                raise _bad(f"{code!r} is not a rating dimension of the scheme ({', '.join(codes)})",
                           f"{at}.dimensions.{code}")
            if Fraction(mark) > rules.mark_max:
                raise _bad(f"mark {mark} is above the scheme's maximum of {rules.mark_max}",
                           f"{at}.dimensions.{code}")
        for code in codes:
            if code not in given:
                raise _bad(f"no mark for the dimension {code!r}", f"{at}.dimensions.{code}")
        weighted = rating_rules.weighted_mark({c: Fraction(m) for c, m in given.items()}, dimensions)
        rows.append({"person_id": rating.person_id,
                     "mark": Decimal(int(weighted * 100)).scaleb(-2),
                     "dimensions": {c: str(given[c]) for c in codes}})
    return rows


async def my_ratings(session: AsyncSession, round_id: uuid.UUID,
                     scope: Scope) -> list[tuple[uuid.UUID, Any, dict[str, str] | None]]:
    """The caller's own marks only, whoever the caller is (an administrator sees turnout in the
    round, never a rater's marks)."""
    await round_or_404(session, round_id, scope)
    if scope.caller.person_id is None:
        return []
    return [(p, m, d) for p, m, d in await session.execute(
        select(RatingRow.person_id, RatingRow.mark, RatingRow.dimensions)
        .where(RatingRow.round_id == round_id, RatingRow.rater_id == uuid.UUID(scope.caller.person_id))
        .order_by(RatingRow.person_id))]


async def close_round(session: AsyncSession, round_id: uuid.UUID, scope: Scope) -> RoundRead:
    round_, scheme = await round_or_404(session, round_id, scope)
    if not scope.manages(scheme):
        raise Forbidden("only the scheme's administrators close a round")
    changed = await session.execute(update(RatingRound).where(RatingRound.id == round_id,
                                                               RatingRound.status == "open")
                                    .values(status="closed", closed_at=func.now()))
    if changed.rowcount == 0:  # type: ignore[attr-defined]
        raise RoundClosed(f"rating round {round_id} is already closed")
    await history.touch_inputs(session, round_.scheme_id, round_.period)
    await session.refresh(round_)
    return await read_round(session, round_id, scope)

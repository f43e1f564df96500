"""Correcting a rating round (a wrong rater, a person left out, more time), and reopening one.

While a round is open its scheme's administrators may move its deadline, add raters to a group,
remove a rater, replace a mistaken rater by another (who rates afresh in the same group), and add
or remove rated people; a closed round may be reopened until the period's result is published.
Every correction names its reason and leaves a row in ``round_changes`` (what, who, when, the old
and the new value). A ballot a correction voids — the removed or replaced rater's, the marks of a
person no longer rated — is moved out of ``ratings`` whole into ``voided_ratings``, with why, by
whom and when: kept, and never counted by a close, which reads ``ratings`` only.

An id in the path that is not (or no longer) in the round is a 404, or a 409 where the round's
history shows it was removed already (a correction sent twice); an id in a body is checked with
records like the ids the round was opened with: a 422 naming the row.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from scoring import events
from scoring.clients import Neighbours
from scoring.errors import RoundChanged, RoundClosed
from scoring.models import Close, RatingRound, RatingRow, RoundChange, RoundPerson, RoundRater, Scheme, VoidedRating
from scoring.rounds.schemas import DeadlineMove, PeopleAdd, RaterReplace, RatersAdd, Reopen, RoundChangeRead, RoundRead
from scoring.rounds.service import checked_deadline, checked_raters, read_round
from scoring.schemes.service import rules_of
from scoring.scope import Scope, bad_rows, check_people, check_raters, round_or_404
from shared.errors import Conflict, Forbidden, NotFound
from shared.periods import parse_period


class NotInRound(NotFound):
    code = "not_in_round"
    title = "No such rater or rated person in the round"


class PeriodPublished(Conflict):
    code = "period_published"
    title = "The period's result is published: its rating round is final"


async def _managed(session: AsyncSession, round_id: uuid.UUID, scope: Scope, *,
                   open_: bool = True, lock: bool = True) -> tuple[RatingRound, Scheme]:
    """The round, locked, for its scheme's administrators (a rater of it: 403); open unless told."""
    round_, scheme = await round_or_404(session, round_id, scope)
    if not scope.manages(scheme):
        raise Forbidden("only the scheme's administrators correct a rating round and read its history")
    if lock:
        await session.refresh(round_, with_for_update=True)
    if open_ and round_.status != "open":
        raise RoundClosed(f"rating round {round_id} is closed: reopen it first")
    return round_, scheme


async def _record(session: AsyncSession, round_id: uuid.UUID, scope: Scope, what: str, reason: str,
                  old: dict[str, Any] | None, new: dict[str, Any] | None) -> int:
    change_id: int | None = await session.scalar(insert(RoundChange).values(
        round_id=round_id, what=what, reason=reason, old=old, new=new, changed_by=scope.caller.subject)
        .returning(RoundChange.id))
    assert change_id is not None
    return change_id


async def _void(session: AsyncSession, round_id: uuid.UUID, scope: Scope, *, what: str, reason: str,
                old: dict[str, Any], new: dict[str, Any] | None, rater_id: uuid.UUID | None = None,
                person_id: uuid.UUID | None = None) -> None:
    """Move the rater's (or the person's) ratings out of ``ratings`` into ``voided_ratings``,
    recording the change with how many were voided."""
    where = [RatingRow.round_id == round_id]
    if rater_id is not None:
        where.append(RatingRow.rater_id == rater_id)
    if person_id is not None:
        where.append(RatingRow.person_id == person_id)
    moved = (await session.execute(delete(RatingRow).where(*where).returning(
        RatingRow.person_id, RatingRow.rater_id, RatingRow.rater_group, RatingRow.mark, RatingRow.keyed_by,
        RatingRow.dimensions, RatingRow.updated_at))).all()
    change_id = await _record(session, round_id, scope, what, reason, {**old, "ratings_voided": len(moved)}, new)
    if moved:
        await session.execute(insert(VoidedRating), [
            {"change_id": change_id, "round_id": round_id, "person_id": p, "rater_id": r, "rater_group": g,
             "mark": m, "keyed_by": k, "dimensions": d, "rated_at": at, "void_reason": reason,
             "voided_by": scope.caller.subject} for p, r, g, m, k, d, at in moved])


async def _gone(session: AsyncSession, round_id: uuid.UUID, whats: Sequence[str], key: str, value: uuid.UUID,
                missing: str) -> NotFound | Conflict:
    """The error for a path id not in the round: a 409 if a correction took it out, else a 404."""
    removed = await session.scalar(select(exists().where(
        RoundChange.round_id == round_id, RoundChange.what.in_(whats), RoundChange.old[key].astext == str(value))))
    if removed:
        return RoundChanged(f"{value} was taken out of rating round {round_id} already (see its history)")
    return NotInRound(missing)


async def _named_rater(session: AsyncSession, round_id: uuid.UUID, rater_id: uuid.UUID) -> RoundRater:
    rater = await session.get(RoundRater, (round_id, rater_id))
    if rater is None or rater.anonymous:  # an outside rater's ballot is tied to no one: not removable by id
        raise await _gone(session, round_id, ("rater_removed", "rater_replaced"), "rater_id", rater_id,
                          f"{rater_id} is not a rater of rating round {round_id}")
    return rater


async def _raters_in(session: AsyncSession, round_id: uuid.UUID, ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    return set(await session.scalars(select(RoundRater.rater_id).where(RoundRater.round_id == round_id,
                                                                        RoundRater.rater_id.in_(ids))))


async def _rated(session: AsyncSession, round_id: uuid.UUID) -> list[str]:
    return [str(p) for p in await session.scalars(select(RoundPerson.person_id)
                                                  .where(RoundPerson.round_id == round_id))]


def _already(message: str, locs: Sequence[str]) -> RoundChanged:
    return RoundChanged(message, errors=[{"field": loc, "message": message} for loc in locs])


async def move_deadline(session: AsyncSession, round_id: uuid.UUID, body: DeadlineMove, scope: Scope,
                        now: datetime) -> RoundRead:
    """A new deadline, in the future (ballots taken until it); or none."""
    round_, _ = await _managed(session, round_id, scope)
    closes_at = checked_deadline(body.closes_at, now, "body.closes_at")
    old = round_.closes_at
    round_.closes_at = closes_at
    await _record(session, round_id, scope, "deadline_moved", body.reason,
                  {"closes_at": None if old is None else old.isoformat()},
                  {"closes_at": None if closes_at is None else closes_at.isoformat()})
    await session.flush()
    return await read_round(session, round_id, scope)


async def add_raters(session: AsyncSession, neighbours: Neighbours, round_id: uuid.UUID, body: RatersAdd,
                     scope: Scope) -> RoundRead:
    """More raters, each in a rater group of the scheme, checked with records as at opening."""
    round_, scheme = await _managed(session, round_id, scope)
    _, rules = await rules_of(session, scheme.id)
    raters = checked_raters(rules, body.raters)
    await check_raters(neighbours, scheme,
                       [(f"body.raters.{i}.rater_id", r.rater_id) for i, r in enumerate(body.raters)],
                       await _rated(session, round_id))
    present = await _raters_in(session, round_id, list(raters))
    if present:
        raise _already("already a rater of the round", [f"body.raters.{i}.rater_id" for i, r in
                                                        enumerate(body.raters) if r.rater_id in present])
    await session.execute(insert(RoundRater), [{"round_id": round_id, "rater_id": r, "rater_group": g}
                                               for r, g in raters.items()])
    for rater_id, group in raters.items():
        await _record(session, round_id, scope, "rater_added", body.reason, None,
                      {"rater_id": str(rater_id), "group": group})
    await events.round_opened(session, round_, scheme, raters)
    return await read_round(session, round_id, scope)


async def remove_rater(session: AsyncSession, round_id: uuid.UUID, rater_id: uuid.UUID, reason: str,
                       scope: Scope) -> RoundRead:
    """The rater leaves the round; their ballot is voided (kept, not counted)."""
    await _managed(session, round_id, scope)
    rater = await _named_rater(session, round_id, rater_id)
    await _void(session, round_id, scope, what="rater_removed", reason=reason, rater_id=rater_id,
                old={"rater_id": str(rater_id), "group": rater.rater_group}, new=None)
    await session.delete(rater)
    await session.flush()
    return await read_round(session, round_id, scope)


async def replace_rater(session: AsyncSession, neighbours: Neighbours, round_id: uuid.UUID, rater_id: uuid.UUID,
                        body: RaterReplace, scope: Scope) -> RoundRead:
    """A mistaken rater replaced by another in the same group: the old ballot voided, the new
    rater rates afresh."""
    round_, scheme = await _managed(session, round_id, scope)
    rater = await _named_rater(session, round_id, rater_id)
    if body.rater_id == rater_id:
        raise bad_rows("the rater would replace themself", ["body.rater_id"])
    await check_raters(neighbours, scheme, [("body.rater_id", body.rater_id)], await _rated(session, round_id))
    if await _raters_in(session, round_id, [body.rater_id]):
        raise _already("already a rater of the round", ["body.rater_id"])
    group = rater.rater_group
    await _void(session, round_id, scope, what="rater_replaced", reason=body.reason, rater_id=rater_id,
                old={"rater_id": str(rater_id), "group": group}, new={"rater_id": str(body.rater_id), "group": group})
    await session.delete(rater)
    await session.flush()
    session.add(RoundRater(round_id=round_id, rater_id=body.rater_id, rater_group=group))
    await session.flush()
    await events.round_opened(session, round_, scheme, [body.rater_id])
    return await read_round(session, round_id, scope)


async def add_people(session: AsyncSession, neighbours: Neighbours, round_id: uuid.UUID, body: PeopleAdd,
                     scope: Scope) -> RoundRead:
    """More people rated: each one of the scheme's people in the period, as records shows the caller."""
    round_, scheme = await _managed(session, round_id, scope)
    seen: set[uuid.UUID] = set()
    for index, person_id in enumerate(body.people):
        if person_id in seen:
            raise bad_rows("the same person twice", [f"body.people.{index}"])
        seen.add(person_id)
    await check_people(neighbours, scheme, parse_period(round_.period), scope,
                       [(f"body.people.{i}", p) for i, p in enumerate(body.people)])
    present = set(await session.scalars(select(RoundPerson.person_id).where(RoundPerson.round_id == round_id,
                                                                             RoundPerson.person_id.in_(seen))))
    if present:
        raise _already("already rated in the round", [f"body.people.{i}" for i, p in enumerate(body.people)
                                                      if p in present])
    await session.execute(insert(RoundPerson), [{"round_id": round_id, "person_id": p} for p in body.people])
    for person_id in body.people:
        await _record(session, round_id, scope, "person_added", body.reason, None, {"person_id": str(person_id)})
    return await read_round(session, round_id, scope)


async def remove_person(session: AsyncSession, round_id: uuid.UUID, person_id: uuid.UUID, reason: str,
                        scope: Scope) -> RoundRead:
    """The person is no longer rated in the round; the marks they were given are voided."""
    await _managed(session, round_id, scope)
    rated = await session.get(RoundPerson, (round_id, person_id))
    if rated is None:
        raise await _gone(session, round_id, ("person_removed",), "person_id", person_id,
                          f"{person_id} is not rated in rating round {round_id}")
    await _void(session, round_id, scope, what="person_removed", reason=reason, person_id=person_id,
                old={"person_id": str(person_id)}, new=None)
    await session.delete(rated)
    await session.flush()
    return await read_round(session, round_id, scope)


async def reopen(session: AsyncSession, round_id: uuid.UUID, body: Reopen, scope: Scope, now: datetime) -> RoundRead:
    """A closed round takes ballots again, until the period's result is published: once a result
    version of the scheme's period is published the round is final (a 409)."""
    round_, scheme = await _managed(session, round_id, scope, open_=False)
    if round_.status == "open":
        raise RoundChanged(f"rating round {round_id} is open")
    published = await session.scalar(select(exists().where(
        Close.scheme_id == scheme.id, Close.period == round_.period, Close.published_at.is_not(None))))
    if published:
        raise PeriodPublished(f"the result of {round_.period} is published: rating round {round_id} is final")
    closes_at = checked_deadline(body.closes_at, now, "body.closes_at")
    old = {"status": "closed", "closed_at": None if round_.closed_at is None else round_.closed_at.isoformat(),
           "closes_at": None if round_.closes_at is None else round_.closes_at.isoformat()}
    round_.status, round_.closed_at = "open", None
    if closes_at is not None:
        round_.closes_at = closes_at
    await _record(session, round_id, scope, "reopened", body.reason, old,
                  {"status": "open", "closes_at": None if round_.closes_at is None else round_.closes_at.isoformat()})
    await session.flush()
    return await read_round(session, round_id, scope)


async def history(session: AsyncSession, round_id: uuid.UUID, scope: Scope) -> list[RoundChangeRead]:
    """Every correction of the round, oldest first (for its scheme's administrators)."""
    await _managed(session, round_id, scope, open_=False, lock=False)
    return [RoundChangeRead(id=c.id, what=c.what, reason=c.reason, old=c.old, new=c.new, changed_at=c.changed_at,
                            changed_by=c.changed_by)
            for c in await session.scalars(select(RoundChange).where(RoundChange.round_id == round_id)
                                           .order_by(RoundChange.id))]

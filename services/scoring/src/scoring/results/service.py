"""Closing a period, its result versions, explanations, publication and objections.

A close gathers the period's inputs — the records summary of the scheme's people (one call), the
rating sums per person and rater group (one SQL aggregate), marks, bonus and deduction items,
negative-list events — computes every result and stores them as a new immutable version. If the
inputs are those of the latest version, nothing new is made and that version is returned, so a
re-close gives byte-identical results. Publishing stamps a version; a newer published version
supersedes an older one (an accepted objection publishes one).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import orjson
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from scoring.clients import Neighbours
from scoring.definitions import Rules
from scoring.errors import (
    AlreadyPublished,
    InputInvalid,
    ObjectionClosed,
    ObjectionNotFound,
    ResultNotFound,
    RoundOpen,
)
from scoring.models import AdjustmentRow, Close, Mark, NegativeEvent, Objection, RatingRound, RatingRow, Result, Scheme
from scoring.results.compute import AdjustmentInput, PersonInputs, PersonResult, compute, digest, metrics_from_summary
from scoring.results.schemas import CloseRead, Explanation, ObjectionCreate, PersonChange, ResultRead, ReviewIn
from scoring.rounds.service import scope_people
from scoring.schemes.service import get_scheme, manages, rules_of
from shared.numbers import decimal_str
from shared.periods import Period, parse_period
from shared.service_auth import Caller


def score_str(value: Decimal | None) -> str | None:
    return None if value is None else decimal_str(Fraction(value))


def close_read(close: Close, **extra: Any) -> CloseRead:
    return CloseRead(id=close.id, scheme_id=close.scheme_id, period=close.period, version=close.version,
                     scheme_version=close.scheme_version, input_digest=close.input_digest,
                     result_digest=close.result_digest, people=close.people, summary=close.summary,
                     reason=close.reason, created_at=close.created_at, created_by=close.created_by,
                     published_at=close.published_at, published_by=close.published_by, **extra)


async def _latest(session: AsyncSession, scheme_id: uuid.UUID, period: str, *,
                  published: bool = False) -> Close | None:
    query = select(Close).where(Close.scheme_id == scheme_id, Close.period == period)
    if published:
        query = query.where(Close.published_at.is_not(None))
    result: Close | None = await session.scalar(query.order_by(Close.version.desc()).limit(1))
    return result


async def gather(session: AsyncSession, neighbours: Neighbours, scheme: Scheme, period: Period,
                 caller: Caller) -> list[PersonInputs]:
    """Every input of the period for the scheme's people, in person order."""
    round_ = await session.scalar(select(RatingRound).where(RatingRound.scheme_id == scheme.id,
                                                            RatingRound.period == period.code))
    if round_ is not None and round_.status == "open":
        raise RoundOpen(f"close the rating round {round_.id} of {period.code} first")
    people = await scope_people(neighbours, scheme, period, caller)
    ratings: dict[str, dict[str, tuple[Fraction, int]]] = defaultdict(dict)
    if round_ is not None:
        rows = await session.execute(
            select(RatingRow.person_id, RatingRow.rater_group, func.sum(RatingRow.mark), func.count())
            .where(RatingRow.round_id == round_.id).group_by(RatingRow.person_id, RatingRow.rater_group))
        for person_id, group, total, count in rows:
            ratings[str(person_id)][group] = (Fraction(total), count)
    marks: dict[str, dict[str, Fraction]] = defaultdict(dict)
    for person_id, indicator, mark in await session.execute(
            select(Mark.person_id, Mark.indicator, Mark.mark)
            .where(Mark.scheme_id == scheme.id, Mark.period == period.code)):
        marks[str(person_id)][indicator] = Fraction(mark)
    adjustments: dict[str, list[AdjustmentInput]] = defaultdict(list)
    for row in await session.scalars(select(AdjustmentRow).where(AdjustmentRow.scheme_id == scheme.id,
                                                                 AdjustmentRow.period == period.code)):
        adjustments[str(row.person_id)].append(AdjustmentInput(row.item, Fraction(row.points), row.evidence,
                                                               row.approved_by))
    negatives: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for person_id, item, note in await session.execute(
            select(NegativeEvent.person_id, NegativeEvent.item, NegativeEvent.note)
            .where(NegativeEvent.scheme_id == scheme.id, NegativeEvent.period == period.code)):
        negatives[str(person_id)].append((item, note))
    out = []
    for person in sorted(people, key=lambda p: str(p["person_id"])):
        pid = str(person["person_id"])
        out.append(PersonInputs(
            person_id=pid, unit_id=str(person["unit_id"]) if person.get("unit_id") else None,
            section_id=str(person["section_id"]) if person.get("section_id") else None,
            metrics=metrics_from_summary(person), marks=marks.get(pid, {}), ratings=ratings.get(pid, {}),
            adjustments=sorted(adjustments.get(pid, []), key=lambda a: (a.item, a.points, a.evidence)),
            negatives=sorted(negatives.get(pid, []))))
    return out


def input_digest(definition: dict[str, Any], people: list[PersonInputs]) -> str:
    return digest({"definition": definition, "people": [
        [p.person_id, p.unit_id, p.section_id, sorted((k, str(v)) for k, v in p.metrics.items()),
         sorted((k, str(v)) for k, v in p.marks.items()),
         sorted((k, str(s), c) for k, (s, c) in p.ratings.items()),
         [(a.item, str(a.points), a.evidence, a.approved_by) for a in p.adjustments], list(p.negatives)]
        for p in people]})


def _summary(results: list[PersonResult], rules: Rules) -> dict[str, Any]:
    grades: dict[str, int] = {g: 0 for g in rules.rule.order}
    for r in results:
        key = r.grade or "not_graded"
        grades[key] = grades.get(key, 0) + 1
    return {"grades": grades, "rule": {"caps": {c.grade: decimal_str(c.max_share) for c in rules.rule.caps},
                                       "rounding": rules.rule.rounding, "tie_at_cap": rules.rule.tie_at_cap}}


async def store(session: AsyncSession, *, scheme_id: uuid.UUID, period: str, scheme_version: int,
                inputs_digest: str, results: list[PersonResult], summary: dict[str, Any], reason: str,
                caller: Caller) -> tuple[Close, bool]:
    """A new version unless the latest has the same inputs. Versions of one scheme and period are
    numbered under a row lock on the scheme."""
    await session.execute(select(Scheme.id).where(Scheme.id == scheme_id).with_for_update())
    latest = await _latest(session, scheme_id, period)
    result_rows = [(uuid.UUID(r.person_id), uuid.UUID(r.unit_id) if r.unit_id else None,
                    decimal_str(r.score), r.rank, r.grade, r.detail) for r in results]
    result_digest = digest([[str(p), str(u), s, k, g, d] for p, u, s, k, g, d in result_rows])
    if latest is not None and latest.input_digest == inputs_digest and latest.scheme_version == scheme_version:
        return latest, False
    close = Close(id=uuid.uuid4(), scheme_id=scheme_id, period=period, version=(latest.version + 1) if latest else 1,
                  scheme_version=scheme_version, input_digest=inputs_digest, result_digest=result_digest,
                  people=len(results), summary=summary, reason=reason, created_by=caller.subject)
    session.add(close)
    await session.flush()
    if result_rows:
        connection = await session.connection()
        driver = (await connection.get_raw_connection()).driver_connection
        assert driver is not None
        await driver.copy_records_to_table(
            "results", columns=("close_id", "person_id", "unit_id", "score", "rank", "grade", "detail"),
            records=[(close.id, p, u, None if s is None else Decimal(s), k, g, orjson.dumps(d).decode())
                     for p, u, s, k, g, d in result_rows])
    await session.refresh(close)
    return close, True


async def changes(session: AsyncSession, before: Close, after: Close) -> list[PersonChange]:
    old = {p: (s, g) for p, s, g in await session.execute(
        select(Result.person_id, Result.score, Result.grade).where(Result.close_id == before.id))}
    new = {p: (s, g) for p, s, g in await session.execute(
        select(Result.person_id, Result.score, Result.grade).where(Result.close_id == after.id))}
    out = []
    for person_id in sorted(old.keys() | new.keys(), key=str):
        b, a = old.get(person_id, (None, None)), new.get(person_id, (None, None))
        if b != a:
            out.append(PersonChange(person_id=person_id, score=[score_str(b[0]), score_str(a[0])],
                                    grade=[b[1], a[1]]))
    return out


async def close_quarter(session: AsyncSession, neighbours: Neighbours, scheme: Scheme, period: Period,
                        caller: Caller, *, reason: str = "close") -> CloseRead:
    version, rules = await rules_of(session, scheme.id)
    people = await gather(session, neighbours, scheme, period, caller)
    results = compute(people, rules)
    previous = await _latest(session, scheme.id, period.code)
    close, created = await store(session, scheme_id=scheme.id, period=period.code, scheme_version=version.version,
                                 inputs_digest=input_digest(version.definition, people), results=results,
                                 summary=_summary(results, rules), reason=reason, caller=caller)
    if not created:
        return close_read(close, unchanged=True)
    return close_read(close, changes=None if previous is None else await changes(session, previous, close))


async def get_close(session: AsyncSession, close_id: uuid.UUID, caller: Caller) -> tuple[Close, Scheme]:
    close = await session.get(Close, close_id)
    if close is None:
        raise ResultNotFound(f"no result version {close_id}")
    scheme = await get_scheme(session, close.scheme_id, caller, manage=False)
    return close, scheme


async def find_close(session: AsyncSession, scheme: Scheme, period: str, version: int | None, caller: Caller,
                     *, person_id: uuid.UUID | None = None) -> Close:
    """The version asked for; by default the latest, or for a person looking at themself the latest published."""
    own = person_id is not None and caller.is_person(person_id) and not manages(caller, scheme)
    if version is not None:
        close = await session.scalar(select(Close).where(Close.scheme_id == scheme.id, Close.period == period,
                                                         Close.version == version))
        if close is not None and own and close.published_at is None:
            close = None
    else:
        close = await _latest(session, scheme.id, period, published=own or not _staff(caller, scheme))
    if close is None:
        raise ResultNotFound(f"no {'published ' if own else ''}result of {period} under scheme {scheme.id}")
    return close


def _staff(caller: Caller, scheme: Scheme) -> bool:
    return manages(caller, scheme)


def visible_units(caller: Caller, scheme: Scheme) -> set[str] | None:
    """None: every row; else only rows of these units (a unit's administrator or leader in a group scheme)."""
    if manages(caller, scheme) and (scheme.unit_id is not None or caller.administers_region(scheme.region_id)):
        return None
    return set(caller.unit_ids)


async def results_page(session: AsyncSession, scheme_id: uuid.UUID, period: Period, caller: Caller, *,
                       version: int | None, limit: int, offset: int) -> tuple[Close, list[ResultRead], int]:
    scheme = await get_scheme(session, scheme_id, caller, manage=False)
    units = visible_units(caller, scheme)
    if not units and units is not None:
        raise ResultNotFound(f"no results of {period.code} under scheme {scheme_id} for you")
    close = await find_close(session, scheme, period.code, version, caller)
    where = [Result.close_id == close.id]
    if units is not None:
        where.append(Result.unit_id.in_([uuid.UUID(u) for u in units]))
    total = await session.scalar(select(func.count()).select_from(Result).where(*where)) or 0
    rows = await session.execute(select(Result.person_id, Result.unit_id, Result.score, Result.rank, Result.grade)
                                 .where(*where).order_by(Result.rank.nulls_last(), Result.person_id)
                                 .limit(limit).offset(offset))
    items = [ResultRead(person_id=p, unit_id=u, score=score_str(s), rank=k, grade=g) for p, u, s, k, g in rows]
    return close, items, total


async def explain(session: AsyncSession, scheme_id: uuid.UUID, period: Period, person_id: uuid.UUID,
                  caller: Caller, *, version: int | None) -> Explanation:
    scheme = await session.get(Scheme, scheme_id)
    if scheme is None:
        raise ResultNotFound(f"no scheme {scheme_id}")
    if not caller.is_person(person_id):
        scheme = await get_scheme(session, scheme_id, caller, manage=False)
    close = await find_close(session, scheme, period.code, version, caller, person_id=person_id)
    row = await session.get(Result, (close.id, person_id))
    units = None if caller.is_person(person_id) else visible_units(caller, scheme)
    if row is None or (units is not None and str(row.unit_id) not in units):
        raise ResultNotFound(f"{person_id} has no result of {period.code} under scheme {scheme_id}")
    return Explanation(scheme_id=scheme_id, period=close.period, version=close.version,
                       scheme_version=close.scheme_version, published=close.published_at is not None,
                       person_id=person_id, score=score_str(row.score), rank=row.rank, grade=row.grade,
                       detail=row.detail)


async def versions(session: AsyncSession, scheme_id: uuid.UUID, period: Period, caller: Caller) -> list[CloseRead]:
    scheme = await get_scheme(session, scheme_id, caller)
    return [close_read(c) for c in await session.scalars(
        select(Close).where(Close.scheme_id == scheme.id, Close.period == period.code).order_by(Close.version))]


async def compare(session: AsyncSession, close_id: uuid.UUID, other_id: uuid.UUID, caller: Caller) -> CloseRead:
    before, scheme = await get_close(session, close_id, caller)
    after, _ = await get_close(session, other_id, caller)
    if not manages(caller, scheme) or (before.scheme_id, before.period) != (after.scheme_id, after.period):
        raise ResultNotFound("compare two versions of one scheme and period")
    return close_read(after, changes=await changes(session, before, after))


async def publish(session: AsyncSession, close_id: uuid.UUID, caller: Caller) -> CloseRead:
    """One wins: under the scheme's row lock, a version already published, or older than a published
    one, is a 409."""
    close, scheme = await get_close(session, close_id, caller)
    if not manages(caller, scheme):
        raise ResultNotFound(f"no result version {close_id}")
    await session.execute(select(Scheme.id).where(Scheme.id == scheme.id).with_for_update())
    newest = await _latest(session, scheme.id, close.period, published=True)
    if newest is not None and newest.version >= close.version:
        raise AlreadyPublished(f"version {newest.version} of {close.period} is already published")
    await session.execute(update(Close).where(Close.id == close.id)
                          .values(published_at=func.now(), published_by=caller.subject))
    await session.refresh(close)
    return close_read(close)


# ------------------------------------------------------------------ objections


async def object_to(session: AsyncSession, close_id: uuid.UUID, body: ObjectionCreate, caller: Caller) -> Objection:
    """Only by the person, to their own result in the published version, within the scheme's window."""
    close = await session.get(Close, close_id)
    if close is None or caller.person_id is None:
        raise ResultNotFound(f"no result version {close_id}")
    person_id = uuid.UUID(caller.person_id)
    row = await session.get(Result, (close_id, person_id))
    if row is None or close.published_at is None:
        raise ResultNotFound(f"no published result of yours in {close_id}")
    newest = await _latest(session, close.scheme_id, close.period, published=True)
    if newest is None or newest.id != close.id:
        raise ObjectionClosed("a newer version of this result has been published; object to that one")
    _, rules = await rules_of(session, close.scheme_id)
    now = await session.scalar(select(func.now()))
    assert now is not None
    deadline = close.published_at + timedelta(days=rules.objection_days)
    if now > deadline:
        raise ObjectionClosed(f"the window to object closed at {deadline.isoformat()}")
    pending = await session.scalar(select(Objection.id).where(Objection.close_id == close_id,
                                                              Objection.person_id == person_id,
                                                              Objection.status == "pending"))
    if pending is not None:
        raise ObjectionClosed(f"your objection {pending} to this result is still pending")
    objection = Objection(id=uuid.uuid4(), close_id=close_id, person_id=person_id, reason=body.reason,
                          created_by=caller.subject)
    session.add(objection)
    await session.flush()
    await session.refresh(objection)
    return objection


async def get_objection(session: AsyncSession, objection_id: uuid.UUID, caller: Caller) -> tuple[Objection, Close,
                                                                                                  Scheme]:
    objection = await session.get(Objection, objection_id)
    if objection is None:
        raise ObjectionNotFound(f"no objection {objection_id}")
    close = await session.get(Close, objection.close_id)
    assert close is not None
    scheme = await session.get(Scheme, close.scheme_id)
    assert scheme is not None
    if not (caller.is_person(objection.person_id) or manages(caller, scheme)):
        raise ObjectionNotFound(f"no objection {objection_id}")
    return objection, close, scheme


async def list_objections(session: AsyncSession, caller: Caller, *, scheme_id: uuid.UUID | None,
                          status: str | None) -> list[Objection]:
    query = select(Objection, Scheme).join(Close, Close.id == Objection.close_id).join(
        Scheme, Scheme.id == Close.scheme_id).order_by(Objection.created_at, Objection.id)
    if scheme_id is not None:
        query = query.where(Scheme.id == scheme_id)
    if status is not None:
        query = query.where(Objection.status == status)
    return [o for o, s in await session.execute(query) if manages(caller, s) or caller.is_person(o.person_id)]


async def review(session: AsyncSession, neighbours: Neighbours, objection_id: uuid.UUID, body: ReviewIn,
                 caller: Caller) -> Objection:
    """Reject with a reason; or accept, which recloses the period from the (corrected) inputs and
    publishes the new version. Accepting when nothing changed is refused: correct the inputs first."""
    objection, close, scheme = await get_objection(session, objection_id, caller)
    if not manages(caller, scheme):
        raise ObjectionNotFound(f"no objection {objection_id}")
    locked = await session.scalar(select(Objection.status).where(Objection.id == objection_id).with_for_update())
    if locked != "pending":
        raise ObjectionClosed(f"objection {objection_id} was already {locked}")
    values: dict[str, Any] = {"reviewed_at": func.now(), "reviewed_by": caller.subject, "decision": body.reason}
    if body.decision == "reject":
        values["status"] = "rejected"
    else:
        period = parse_period(close.period)
        reclosed = await close_period(session, neighbours, scheme, period, caller,
                                      reason=f"objection {objection_id} accepted")
        if reclosed.unchanged:
            raise InputInvalid("accepting recomputes the result, but its inputs are unchanged: correct the marks, "
                               "ratings or items the objection is about first",
                               errors=[{"field": "body.decision", "message": "nothing to recompute"}])
        await publish(session, reclosed.id, caller)
        values.update(status="accepted", new_close_id=reclosed.id)
    await session.execute(update(Objection).where(Objection.id == objection_id).values(**values))
    await session.refresh(objection)
    return objection


async def close_period(session: AsyncSession, neighbours: Neighbours, scheme: Scheme, period: Period,
                       caller: Caller, *, reason: str = "close") -> CloseRead:
    if "Q" in period.code:
        return await close_quarter(session, neighbours, scheme, period, caller, reason=reason)
    from scoring.results.year import close_year

    return await close_year(session, neighbours, scheme, period, caller, reason=reason)

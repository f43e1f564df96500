"""What must hold to leave a period's current stage, as of the day the move takes effect.

The conditions on dates (a closing date passed, the publicity over, the next stage open) are
judged on that day, which is today or, for a move recorded afterwards, the day it took effect;
the others (the round closed, the ballots in, a close made, no objection undecided) on the state
now. A rating stage without a closing date of its own takes its rating round's deadline
(``closes_at``): once the last day of ballots has passed, the stage may move on with the ballots
missing recorded, so a ballot that will never come does not hold the procedure up.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from scoring.models import Close, Objection, ProcedureRun, RatingCode, RatingRound, Scheme
from scoring.procedure import calendar as days
from scoring.procedure.definition import StageIn
from scoring.schemes.service import rules_of
from shared.business_time import business_day


@dataclass(frozen=True)
class Check:
    code: str
    holds: bool
    detail: str


def stages_of(run: ProcedureRun) -> tuple[StageIn, ...]:
    return tuple(StageIn.model_validate(s) for s in run.stages)


async def latest(session: AsyncSession, scheme_id: uuid.UUID, period: str) -> Close | None:
    close: Close | None = await session.scalar(select(Close).where(Close.scheme_id == scheme_id, Close.period == period)
                                               .order_by(Close.version.desc()).limit(1))
    return close


async def missing_ballots(session: AsyncSession, round_: RatingRound) -> int:
    """Rater and person pairs of the round without a rating (a rater does not rate themself), and each
    unused one-time code counted as a ballot for every rated person."""
    connection = await session.connection()
    pairs = (await connection.execute(text(
        "SELECT count(*) FROM scoring.round_raters r JOIN scoring.round_people p ON p.round_id = r.round_id "
        "WHERE r.round_id = :id AND NOT r.anonymous AND r.rater_id <> p.person_id AND NOT EXISTS ("
        "SELECT 1 FROM scoring.ratings x WHERE x.round_id = r.round_id AND x.rater_id = r.rater_id "
        "AND x.person_id = p.person_id)"), {"id": round_.id})).scalar_one()
    people = (await connection.execute(text("SELECT count(*) FROM scoring.round_people WHERE round_id = :id"),
                                       {"id": round_.id})).scalar_one()
    codes = await session.scalar(select(func.count()).select_from(RatingCode).where(
        RatingCode.round_id == round_.id, RatingCode.used.is_(False))) or 0
    return int(pairs) + int(codes) * int(people)


def deadline_of(stage: StageIn, opened_on: date | None, calendar: days.Calendar) -> date | None:
    if stage.closes is not None:
        return stage.closes
    if stage.working_days is not None and opened_on is not None:
        return calendar.add(opened_on, stage.working_days)
    return None


def last_ballot_day(round_: RatingRound) -> date | None:
    """The last day (China's) on which the round takes ballots, if it has a deadline."""
    if round_.closes_at is None:
        return None
    return business_day(round_.closes_at - timedelta(microseconds=1))


async def checks(session: AsyncSession, scheme: Scheme, run: ProcedureRun, day: date,
                 calendar: days.Calendar, opened_on: date | None) -> list[Check]:
    """What must hold to leave the current stage (and enter the next) on ``day``."""
    stages = stages_of(run)
    stage = stages[run.stage]
    out: list[Check] = []
    if run.stage == len(stages) - 1:
        return [Check("procedure_finished", False, "the final result is published: nothing follows")]
    deadline = deadline_of(stage, opened_on, calendar)
    rule = stage.rule
    if rule == "deadline":
        out.append(Check("deadline_not_passed", deadline is not None and day > deadline,
                         f"the stage closes on {deadline}" if deadline else "the stage has no closing date"))
    if rule in ("all_ballots", "round_closed"):
        out.append(await _ballots_check(session, scheme, run, rule, day, deadline))
    if stage.produces == "draft":
        close = await latest(session, scheme.id, run.period)
        out.append(Check("draft_missing", close is not None,
                         f"version {close.version} of {run.period}" if close else f"close {run.period} first"))
    if stage.produces == "publicity" and run.window_ends_on is not None:
        out.append(Check("publicity_not_over", day > run.window_ends_on,
                         f"the publicity runs from {run.window_starts_on} to {run.window_ends_on} (working days)"))
    following = stages[run.stage + 1]
    if following.opens is not None:
        out.append(Check("stage_not_open", day >= following.opens, f"{following.code} opens on {following.opens}"))
    if following.produces == "final":
        close = await latest(session, scheme.id, run.period)
        if stage.produces != "draft":
            out.append(Check("draft_missing", close is not None, "a close of the period to publish"
                             if close is None else f"version {close.version} is published"))
        pending = await session.scalar(select(func.count()).select_from(Objection).join(
            Close, Close.id == Objection.close_id).where(Close.scheme_id == scheme.id, Close.period == run.period,
                                                          Objection.status == "pending")) or 0
        out.append(Check("objections_pending", pending == 0, f"{pending} objection(s) undecided"))
        if run.window_ends_on is not None:
            out.append(Check("publicity_not_over", day > run.window_ends_on,
                             f"the publicity runs until {run.window_ends_on}"))
    return out


async def _ballots_check(session: AsyncSession, scheme: Scheme, run: ProcedureRun, rule: str, day: date,
                         deadline: date | None) -> Check:
    _, rules = await rules_of(session, scheme.id)
    if not rules.rater_weights:
        return Check("ballots_missing", True, "the scheme has no rater groups: nothing to rate")
    round_ = await session.scalar(select(RatingRound).where(RatingRound.scheme_id == scheme.id,
                                                            RatingRound.period == run.period))
    if round_ is None:
        return Check("rating_round_missing", False, f"open the rating round of {run.period} first")
    own = deadline is not None
    if deadline is None and rule == "all_ballots":
        deadline = last_ballot_day(round_)
    passed = deadline is not None and day > deadline
    closing = (f"its closing date {deadline}" if own else f"the round's last day of ballots {deadline}")
    if round_.status == "open":
        if rule == "all_ballots" and passed:
            return Check("rating_round_open", True, f"{closing} passed: moving on closes the round and records "
                                                    "the ballots missing")
        later = (f" or wait until {closing} has passed" if deadline else
                 " or give it a deadline (closes_at): once it has passed, the stage moves on with the ballots "
                 "missing recorded" if rule == "all_ballots" else "")
        return Check("rating_round_open", False, f"close the rating round {round_.id}{later}")
    missing = await missing_ballots(session, round_)
    holds = rule == "round_closed" or missing == 0 or passed
    return Check("ballots_missing", holds, f"{missing} ballot(s) missing" + (
        "" if holds else f"; the stage may be left once {closing} has passed" if deadline
        else "; every ballot is needed, or reopen the round with a deadline and move on once it has passed"))

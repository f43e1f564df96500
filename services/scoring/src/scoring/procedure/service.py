"""Running a period through its scheme's procedure: reading its state, moving it on, moving it back.

The first move on starts the run: it keeps the scheme's stages as they are then (a later change of
the scheme does not shift a running period) and opens the first stage. Each later move leaves the
current stage only when its conditions hold (a 409 names the first that does not), closes its
history row and opens the next: entering the publicity opens its window, entering the final stage
publishes the latest close. Every move is one call, so the gateway's audit log has each.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from scoring.models import Close, Objection, ProcedureRun, ProcedureStage, RatingCode, RatingRound, Scheme
from scoring.procedure import calendar as days
from scoring.procedure.days import calendar_of
from scoring.procedure.definition import StageIn
from scoring.procedure.schemas import ConditionRead, HistoryRead, ProcedureRead, StageRead, WindowRead
from scoring.schemes.service import rules_of
from scoring.scope import Scope
from shared.errors import Conflict, Forbidden
from shared.touched import touch

ROLE_NAMES = {"unit_admin": "the scheme's administrators", "region_admin": "the region's administrators",
              "province_admin": "the province's administrators"}


@dataclass(frozen=True)
class Check:
    code: str
    holds: bool
    detail: str


def stages_of(run: ProcedureRun) -> tuple[StageIn, ...]:
    return tuple(StageIn.model_validate(s) for s in run.stages)


async def run_of(session: AsyncSession, scheme_id: uuid.UUID, period: str, *,
                 lock: bool = False) -> ProcedureRun | None:
    query = select(ProcedureRun).where(ProcedureRun.scheme_id == scheme_id, ProcedureRun.period == period)
    if lock:
        query = query.with_for_update()
    run: ProcedureRun | None = await session.scalar(query)
    return run


async def governed(session: AsyncSession, scheme_id: uuid.UUID, period: str) -> bool:
    """The period is run by a procedure: it has a run, or its scheme now has a procedure and the
    period was not published before it took it up (a period published the old way stays so: its
    objections are taken within the scheme's days after publication, as they were)."""
    if await run_of(session, scheme_id, period) is not None:
        return True
    _, rules = await rules_of(session, scheme_id)
    if rules.procedure is None:
        return False
    published = await session.scalar(select(Close.id).where(Close.scheme_id == scheme_id, Close.period == period,
                                                            Close.published_at.is_not(None)).limit(1))
    return published is None


def may_act(scope: Scope, scheme: Scheme, actor: str) -> bool:
    """The stage's actor, or a role above it (of the scheme's region)."""
    caller = scope.caller
    if actor == "province_admin":
        return caller.is_province_wide
    if actor == "region_admin":
        return caller.administers_region(scheme.region_id)
    return scope.manages(scheme)


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


async def checks(session: AsyncSession, scheme: Scheme, run: ProcedureRun, today: date,
                 calendar: days.Calendar, opened_on: date | None) -> list[Check]:
    """What must hold to leave the current stage (and enter the next)."""
    stages = stages_of(run)
    stage = stages[run.stage]
    out: list[Check] = []
    if run.stage == len(stages) - 1:
        return [Check("procedure_finished", False, "the final result is published: nothing follows")]
    deadline = deadline_of(stage, opened_on, calendar)
    passed = deadline is not None and today > deadline
    rule = stage.rule
    if rule == "deadline":
        out.append(Check("deadline_not_passed", passed, f"the stage closes on {deadline}" if deadline
                         else "the stage has no closing date"))
    if rule in ("all_ballots", "round_closed"):
        out.append(await _ballots_check(session, scheme, run, rule, passed, deadline))
    if stage.produces == "draft":
        close = await latest(session, scheme.id, run.period)
        out.append(Check("draft_missing", close is not None,
                         f"version {close.version} of {run.period}" if close else f"close {run.period} first"))
    if stage.produces == "publicity" and run.window_ends_on is not None:
        out.append(Check("publicity_not_over", today > run.window_ends_on,
                         f"the publicity runs from {run.window_starts_on} to {run.window_ends_on} (working days)"))
    following = stages[run.stage + 1]
    if following.opens is not None:
        out.append(Check("stage_not_open", today >= following.opens, f"{following.code} opens on {following.opens}"))
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
            out.append(Check("publicity_not_over", today > run.window_ends_on,
                             f"the publicity runs until {run.window_ends_on}"))
    return out


async def _ballots_check(session: AsyncSession, scheme: Scheme, run: ProcedureRun, rule: str, passed: bool,
                         deadline: date | None) -> Check:
    _, rules = await rules_of(session, scheme.id)
    if not rules.rater_weights:
        return Check("ballots_missing", True, "the scheme has no rater groups: nothing to rate")
    round_ = await session.scalar(select(RatingRound).where(RatingRound.scheme_id == scheme.id,
                                                            RatingRound.period == run.period))
    if round_ is None:
        return Check("rating_round_missing", False, f"open the rating round of {run.period} first")
    if round_.status == "open":
        if rule == "all_ballots" and passed:
            return Check("rating_round_open", True, f"the closing date {deadline} passed: moving on closes the "
                                                    "round and records the ballots missing")
        return Check("rating_round_open", False, f"close the rating round {round_.id}"
                     + (f" or wait until its closing date {deadline} has passed" if deadline else ""))
    missing = await missing_ballots(session, round_)
    holds = rule == "round_closed" or missing == 0 or passed
    return Check("ballots_missing", holds, f"{missing} ballot(s) missing" + (
        "" if holds else f"; the stage may be left once its closing date {deadline} has passed" if deadline
        else "; every ballot is needed"))


async def history_of(session: AsyncSession, run: ProcedureRun) -> list[ProcedureStage]:
    return list(await session.scalars(select(ProcedureStage).where(ProcedureStage.run_id == run.id)
                                      .order_by(ProcedureStage.opened_at, ProcedureStage.stage)))


def window_read(run: ProcedureRun, today: date, calendar: days.Calendar,
                stages: tuple[StageIn, ...]) -> WindowRead | None:
    if run.window_opened_on is None or run.window_starts_on is None or run.window_ends_on is None:
        return None
    length = next((s.working_days or 0 for s in stages if s.produces == "publicity"), 0)
    finished = stages[run.stage].produces == "final"
    return WindowRead(opened_on=run.window_opened_on, starts_on=run.window_starts_on, ends_on=run.window_ends_on,
                      working_days=length,
                      open=not finished and run.window_starts_on <= today <= run.window_ends_on,
                      fallback_years=calendar.fallback_years(run.window_starts_on, run.window_ends_on))


async def view(session: AsyncSession, scheme: Scheme, period: str, scope: Scope, today: date) -> ProcedureRead:
    run = await run_of(session, scheme.id, period)
    calendar = await calendar_of(session)
    if run is None:
        _, rules = await rules_of(session, scheme.id)
        stages = rules.procedure or ()
        return ProcedureRead(
            scheme_id=scheme.id, period=period, today=today, started=False, finished=False, current=None,
            stages=[StageRead(index=i, code=s.code, name=s.name, produces=s.produces, actor=s.actor, state="pending",
                              opens=s.opens, closes=s.closes, working_days=s.working_days,
                              may_act=i == 0 and may_act(scope, scheme, s.actor)) for i, s in enumerate(stages)],
            window=None, draft_close_id=None, final_close_id=None, history=[])
    stages = stages_of(run)
    history = await history_of(session, run)
    opened: dict[int, date] = {h.stage: h.opened_on for h in history}
    current_checks = await checks(session, scheme, run, today, calendar, opened.get(run.stage))
    out = []
    for index, stage in enumerate(stages):
        state = "done" if index < run.stage else "current" if index == run.stage else "pending"
        out.append(StageRead(
            index=index, code=stage.code, name=stage.name, produces=stage.produces, actor=stage.actor, state=state,
            opens=stage.opens, closes=deadline_of(stage, opened.get(index) if index <= run.stage else None, calendar),
            working_days=stage.working_days, may_act=state == "current" and may_act(scope, scheme, stage.actor),
            conditions=[ConditionRead(code=c.code, holds=c.holds, detail=c.detail) for c in current_checks]
            if state == "current" else []))
    return ProcedureRead(
        scheme_id=scheme.id, period=period, today=today, started=True,
        finished=stages[run.stage].produces == "final", current=stages[run.stage].code, stages=out,
        window=window_read(run, today, calendar, stages), draft_close_id=run.draft_close_id,
        final_close_id=run.final_close_id, history=[HistoryRead.model_validate(h) for h in history])


def _no_procedure(scheme: Scheme) -> Conflict:
    return Conflict(f"scheme {scheme.id} has no procedure: close and publish its periods directly",
                    code="no_procedure")


async def advance(session: AsyncSession, scheme: Scheme, period: str, scope: Scope, today: date) -> ProcedureRead:
    """Start the run (opening its first stage), or leave the current stage for the next."""
    caller = scope.caller
    await session.execute(select(Scheme.id).where(Scheme.id == scheme.id).with_for_update())
    run = await run_of(session, scheme.id, period, lock=True)
    if run is None:
        _, rules = await rules_of(session, scheme.id)
        if rules.procedure is None:
            raise _no_procedure(scheme)
        first = rules.procedure[0]
        if not may_act(scope, scheme, first.actor):
            raise Forbidden(f"only {ROLE_NAMES[first.actor]} start this procedure")
        if first.opens is not None and today < first.opens:
            raise Conflict(f"{first.code} opens on {first.opens}", code="stage_not_open")
        run = ProcedureRun(id=uuid.uuid4(), scheme_id=scheme.id, period=period, stage=0, created_by=caller.subject,
                           stages=[s.model_dump(mode="json", exclude_none=True) for s in rules.procedure])
        session.add(run)
        await session.flush()
        session.add(ProcedureStage(run_id=run.id, stage=0, code=first.code, opened_on=today, opened_by=caller.subject))
        await session.flush()
        return await view(session, scheme, period, scope, today)
    stages = stages_of(run)
    at = run.stage  # the update below changes run.stage in the session
    stage = stages[at]
    if not may_act(scope, scheme, stage.actor):
        raise Forbidden(f"only {ROLE_NAMES[stage.actor]} move {stage.code} on")
    if stage.produces == "final":
        raise Conflict("the final result is published: nothing follows", code="procedure_finished")
    calendar = await calendar_of(session)
    history = await history_of(session, run)
    open_row = next(h for h in reversed(history) if h.stage == at and h.closed_at is None)
    for check in await checks(session, scheme, run, today, calendar, open_row.opened_on):
        if not check.holds:
            raise Conflict(f"{stage.code} cannot be left yet: {check.detail}", code=check.code,
                           extra={"stage": stage.code})
    missing: int | None = None
    if stage.rule in ("all_ballots", "round_closed"):
        missing = await _close_round(session, scheme, period)
    await session.execute(update(ProcedureStage).where(ProcedureStage.id == open_row.id).values(
        closed_at=func.now(), closed_on=today, closed_by=caller.subject, missing_ballots=missing))
    following = stages[at + 1]
    values: dict[str, Any] = {"stage": at + 1}
    if following.produces == "publicity":
        window = days.window(calendar, today, following.working_days or 0)
        draft = await latest(session, scheme.id, period)
        values.update(window_opened_on=today, window_starts_on=window.starts_on, window_ends_on=window.ends_on,
                      draft_close_id=None if draft is None else draft.id)
    if following.produces == "final":
        close = await latest(session, scheme.id, period)
        assert close is not None  # checked: draft_missing
        await session.execute(update(Close).where(Close.id == close.id, Close.published_at.is_(None))
                              .values(published_at=func.now(), published_by=caller.subject))
        values["final_close_id"] = close.id
    await session.execute(update(ProcedureRun).where(ProcedureRun.id == run.id).values(**values))
    session.add(ProcedureStage(run_id=run.id, stage=at + 1, code=following.code, opened_on=today,
                               opened_by=caller.subject,
                               closed_at=func.now() if following.produces == "final" else None,
                               closed_on=today if following.produces == "final" else None,
                               closed_by=caller.subject if following.produces == "final" else None))
    await session.flush()
    await session.refresh(run)
    return await view(session, scheme, period, scope, today)


async def _close_round(session: AsyncSession, scheme: Scheme, period: str) -> int | None:
    """Close the period's round if it is still open (its closing date passed); the ballots missing."""
    round_ = await session.scalar(select(RatingRound).where(RatingRound.scheme_id == scheme.id,
                                                            RatingRound.period == period).with_for_update())
    if round_ is None:
        return None
    if round_.status == "open":
        await session.execute(update(RatingRound).where(RatingRound.id == round_.id)
                              .values(status="closed", closed_at=func.now()))
    return await missing_ballots(session, round_)


async def back(session: AsyncSession, scheme: Scheme, period: str, scope: Scope, today: date,
               reason: str) -> ProcedureRead:
    """Back to the previous stage, with a reason; never from the first, nor once final. Leaving the
    publicity backwards closes its window: entering it again opens a new one."""
    caller = scope.caller
    await session.execute(select(Scheme.id).where(Scheme.id == scheme.id).with_for_update())
    run = await run_of(session, scheme.id, period, lock=True)
    if run is None:
        if (await rules_of(session, scheme.id))[1].procedure is None:
            raise _no_procedure(scheme)
        raise Conflict(f"the procedure of {period} has not started", code="procedure_not_started")
    stages = stages_of(run)
    at = run.stage
    stage = stages[at]
    if not may_act(scope, scheme, stage.actor):
        raise Forbidden(f"only {ROLE_NAMES[stage.actor]} move {stage.code} back")
    if stage.produces == "final":
        raise Conflict("the final result is published: the procedure does not go back", code="procedure_finished")
    if at == 0:
        raise Conflict(f"{stage.code} is the first stage", code="first_stage")
    history = await history_of(session, run)
    open_row = next(h for h in reversed(history) if h.stage == at and h.closed_at is None)
    await session.execute(update(ProcedureStage).where(ProcedureStage.id == open_row.id).values(
        closed_at=func.now(), closed_on=today, closed_by=caller.subject, moved_back=True, reason=reason))
    values: dict[str, Any] = {"stage": at - 1}
    if stage.produces == "publicity":
        values.update(window_opened_on=None, window_starts_on=None, window_ends_on=None)
    elif stages[at - 1].produces == "publicity":  # back into it: a new window from today
        window = days.window(await calendar_of(session), today, stages[at - 1].working_days or 0)
        values.update(window_opened_on=today, window_starts_on=window.starts_on, window_ends_on=window.ends_on)
    await session.execute(update(ProcedureRun).where(ProcedureRun.id == run.id).values(**values))
    previous = stages[at - 1]
    session.add(ProcedureStage(run_id=run.id, stage=at - 1, code=previous.code, opened_on=today,
                               opened_by=caller.subject))
    await session.flush()
    await session.refresh(run)
    return await view(session, scheme, period, scope, today)



async def scheme_any(session: AsyncSession, scheme_id: uuid.UUID) -> Scheme | None:
    """A scheme whoever asks for its publicity (the publicity decides who may read it), noted for the audit trail."""
    scheme = await session.get(Scheme, scheme_id)
    if scheme is not None:
        touch(region_id=scheme.region_id, unit_id=scheme.unit_id if scheme.unit_id is not None
              else scheme.lead_unit_id)
    return scheme

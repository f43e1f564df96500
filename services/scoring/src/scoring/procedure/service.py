"""Running a period through its scheme's procedure: reading its state, moving it on, moving it back.

The first move on starts the run: it keeps the scheme's stages as they are then (a later change of
the scheme does not shift a running period) and opens the first stage. Each later move leaves the
current stage only when its conditions hold (a 409 names the first that does not), closes its
history row and opens the next: entering the publicity opens its window, entering the final stage
publishes the latest close. Every move is one call, so the gateway's audit log has each.

A move takes effect today, or on an earlier day given with it (a stage run on paper, a publicity on
the notice board, recorded afterwards, with a reason): the history keeps both days, the window of a
publicity so entered counts from that day, and the conditions on dates are judged on it.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from scoring.errors import bad_field
from scoring.models import Close, ProcedureRun, ProcedureStage, RatingRound, Scheme
from scoring.procedure import calendar as days
from scoring.procedure.conditions import checks, deadline_of, latest, missing_ballots, stages_of
from scoring.procedure.days import calendar_of
from scoring.procedure.definition import StageIn
from scoring.procedure.schemas import BackIn, ConditionRead, HistoryRead, MoveIn, ProcedureRead, StageRead, WindowRead
from scoring.schemes.service import rules_of
from scoring.scope import Scope
from shared.errors import Conflict, Forbidden
from shared.touched import touch

ROLE_NAMES = {"unit_admin": "the scheme's administrators", "region_admin": "the region's administrators",
              "province_admin": "the province's administrators"}


# built once, executed per request
_RUN = select(ProcedureRun).where(ProcedureRun.scheme_id == bindparam("scheme_id"),
                                  ProcedureRun.period == bindparam("period"))
_HISTORY = (select(ProcedureStage).where(ProcedureStage.run_id == bindparam("run_id"))
            .order_by(ProcedureStage.opened_at, ProcedureStage.stage))


async def run_of(session: AsyncSession, scheme_id: uuid.UUID, period: str, *,
                 lock: bool = False) -> ProcedureRun | None:
    run: ProcedureRun | None = await session.scalar(_RUN.with_for_update() if lock else _RUN,
                                                     {"scheme_id": scheme_id, "period": period})
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


async def history_of(session: AsyncSession, run: ProcedureRun) -> list[ProcedureStage]:
    return list(await session.scalars(_HISTORY, {"run_id": run.id}))


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


def day_of(move: MoveIn | BackIn, today: date, previous: date | None) -> date:
    """The day a move takes effect: today, or the day given (``on``) for a move recorded afterwards,
    with a reason; never in the future, nor before the previous move."""
    if move.on is None:
        return today
    if move.reason is None:
        raise bad_field(f"a move recorded as of {move.on} needs a reason (why it is recorded afterwards)",
                        "body.reason")
    if move.on > today:
        raise bad_field(f"{move.on} is in the future (today is {today}): a move is recorded once it took effect",
                   "body.on")
    if previous is not None and move.on < previous:
        raise bad_field(f"{move.on} is before the previous move of the procedure, on {previous}", "body.on")
    return move.on


async def _locked_run(session: AsyncSession, scheme: Scheme, period: str) -> ProcedureRun | None:
    await session.execute(select(Scheme.id).where(Scheme.id == scheme.id).with_for_update())
    return await run_of(session, scheme.id, period, lock=True)


def _opened(run: ProcedureRun, index: int, stage: StageIn, move: MoveIn | BackIn, day: date, today: date,
            subject: str) -> ProcedureStage:
    """The history row of a stage entered on ``day`` (recorded today); the final stage is closed as it opens."""
    final = stage.produces == "final"
    # the clock's time, not the transaction's: the history keeps the order of moves made in one transaction too
    return ProcedureStage(run_id=run.id, stage=index, code=stage.code, opened_at=func.clock_timestamp(),
                          opened_on=day, opened_recorded_on=today, opened_by=subject,
                          late_reason=move.reason if move.on is not None else None,
                          closed_at=func.now() if final else None, closed_on=day if final else None,
                          closed_recorded_on=today if final else None, closed_by=subject if final else None)


async def advance(session: AsyncSession, scheme: Scheme, period: str, scope: Scope, today: date,
                  move: MoveIn) -> ProcedureRead:
    """Start the run (opening its first stage), or leave the current stage for the next, as of today
    or of the day the move took effect (``move.on``), the conditions on dates judged on that day."""
    caller = scope.caller
    if move.on is None and move.reason is not None:
        raise bad_field("a reason goes with on: the day the move took effect, when it is recorded afterwards",
                   "body.reason")
    run = await _locked_run(session, scheme, period)
    if run is None:
        _, rules = await rules_of(session, scheme.id)
        if rules.procedure is None:
            raise _no_procedure(scheme)
        first = rules.procedure[0]
        if not may_act(scope, scheme, first.actor):
            raise Forbidden(f"only {ROLE_NAMES[first.actor]} start this procedure")
        day = day_of(move, today, None)
        if first.opens is not None and day < first.opens:
            raise Conflict(f"{first.code} opens on {first.opens}", code="stage_not_open")
        run = ProcedureRun(id=uuid.uuid4(), scheme_id=scheme.id, period=period, stage=0, created_by=caller.subject,
                           stages=[s.model_dump(mode="json", exclude_none=True) for s in rules.procedure])
        session.add(run)
        await session.flush()
        session.add(_opened(run, 0, first, move, day, today, caller.subject))
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
    day = day_of(move, today, open_row.opened_on)
    for check in await checks(session, scheme, run, day, calendar, open_row.opened_on):
        if not check.holds:
            raise Conflict(f"{stage.code} cannot be left{'' if day == today else f' as of {day}'}: {check.detail}",
                           code=check.code, extra={"stage": stage.code})
    missing: int | None = None
    if stage.rule in ("all_ballots", "round_closed"):
        missing = await _close_round(session, scheme, period)
    await session.execute(update(ProcedureStage).where(ProcedureStage.id == open_row.id).values(
        closed_at=func.now(), closed_on=day, closed_recorded_on=today, closed_by=caller.subject,
        missing_ballots=missing))
    following = stages[at + 1]
    values: dict[str, Any] = {"stage": at + 1}
    if following.produces == "publicity":
        window = days.window(calendar, day, following.working_days or 0)
        draft = await latest(session, scheme.id, period)
        values.update(window_opened_on=day, window_starts_on=window.starts_on, window_ends_on=window.ends_on,
                      draft_close_id=None if draft is None else draft.id)
    if following.produces == "final":
        close = await latest(session, scheme.id, period)
        assert close is not None  # checked: draft_missing
        await session.execute(update(Close).where(Close.id == close.id, Close.published_at.is_(None))
                              .values(published_at=func.now(), published_by=caller.subject))
        values["final_close_id"] = close.id
    await session.execute(update(ProcedureRun).where(ProcedureRun.id == run.id).values(**values))
    session.add(_opened(run, at + 1, following, move, day, today, caller.subject))
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
               move: BackIn) -> ProcedureRead:
    """Back to the previous stage, with a reason, as of today or of the day it took effect
    (``move.on``); never from the first, nor once final. Leaving the publicity backwards closes its
    window: entering it again opens a new one, from that day."""
    caller = scope.caller
    run = await _locked_run(session, scheme, period)
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
    day = day_of(move, today, open_row.opened_on)
    await session.execute(update(ProcedureStage).where(ProcedureStage.id == open_row.id).values(
        closed_at=func.now(), closed_on=day, closed_recorded_on=today, closed_by=caller.subject, moved_back=True,
        reason=move.reason))
    values: dict[str, Any] = {"stage": at - 1}
    if stage.produces == "publicity":
        values.update(window_opened_on=None, window_starts_on=None, window_ends_on=None)
    elif stages[at - 1].produces == "publicity":  # back into it: a new window from that day
        window = days.window(await calendar_of(session), day, stages[at - 1].working_days or 0)
        values.update(window_opened_on=day, window_starts_on=window.starts_on, window_ends_on=window.ends_on)
    await session.execute(update(ProcedureRun).where(ProcedureRun.id == run.id).values(**values))
    session.add(_opened(run, at - 1, stages[at - 1], move, day, today, caller.subject))
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

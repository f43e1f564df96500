"""A close as a job, run by the service's workers (``shared.jobs``).

``scoring.close`` begins the close and gathers its inputs. A longer period, or a quarter of one
part, is closed there and then. A quarter of several parts has its input digest taken there (the
same as the latest version's: that version is the answer, at once); else it is staged (``staging``)
and fanned out: one ``scoring.close_part`` per part, taken by any free worker, while the worker that
gathered the inputs computes parts as well, from the inputs it still holds, and once none is left
grades everyone, stores the version and ends the job with the body the synchronous call answers.
A part task computes any part left (the one it was queued for first), and waits for one another
worker holds until that worker commits it or dies. Should the gathering worker die, the part tasks
compute what it left and their finishing task, ``scoring.close_finish``, stores the version; of it and
the gathering worker, whichever takes the run's lock first stores it, and the other finds it gone.
Nothing of a version is seen before the step that stores it commits. A cancel is heeded between
parts; a close that ends without its version (cancelled, failed) drops its run as it ends.
"""

from __future__ import annotations

import dataclasses
import functools
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from scoring.clients import Neighbours
from scoring.config import DEFAULT_TUNING, CloseTuning
from scoring.errors import CloseInterrupted
from scoring.models import Scheme, SchemeVersion
from scoring.results import close as closing
from scoring.results import parts as partition
from scoring.results import staging
from scoring.results.compute import collector_paused
from scoring.results.inputs import Phases
from scoring.results.names import name_rows
from scoring.results.schemas import CloseRead
from scoring.results.stored import driver
from scoring.schemes.service import rules_at
from shared.jobs import JobContext, on_finished, store, task
from shared.periods import parse_period
from shared.service_auth import Caller

CLOSE, PART, FINISH = "scoring.close", "scoring.close_part", "scoring.close_finish"


async def _drop_run_of_ended_close(session: AsyncSession, job: Row[Any]) -> None:
    """A close that ends without storing its version (cancelled, failed) leaves nothing of its run behind:
    its staged parts go with the job's end, in the same transaction. (A run's id is its close job's.)"""
    if job.kind == CLOSE and job.state != "succeeded":
        await staging.drop(session, job.id)


on_finished("scoring", _drop_run_of_ended_close)


def caller_params(caller: Caller) -> dict[str, Any]:
    return dataclasses.asdict(caller)


def caller_of(params: dict[str, Any]) -> Caller:
    values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in params.items()}
    return Caller(**values)


def close_params(scheme: Scheme, period: str, caller: Caller, reason: str = "close") -> dict[str, Any]:
    """What a close job is started with."""
    return {"scheme_id": str(scheme.id), "period": period, "caller": caller_params(caller), "reason": reason}


async def _answer(ctx: JobContext, session: AsyncSession, neighbours: Neighbours, scheme: Scheme,
                  closed: CloseRead, caller: Caller) -> None:
    """The job ends with the synchronous call's body: 201 with a new version, 200 unchanged."""
    await name_rows(neighbours, scheme, closed.period, caller, closed.changes or [])
    await ctx.commit(session, closed.model_dump(mode="json"), status=200 if closed.unchanged else 201)


def collector_paused_job(job: Callable[[JobContext], Awaitable[None]]) -> Callable[[JobContext], Awaitable[None]]:
    """The job run with the cyclic garbage collector paused from its start to its end.

    A close's steps make millions of small, acyclic containers (a province's inputs, their compact
    form and JSON, each part's results, the stored rows) and hold them until the version is stored:
    with the collector running, its full collections walk them all again and again (grading 100,000
    people took 0.93 s with it running, 0.42 s paused). Paused only around each step, every resumption
    walked everything made since, still held (0.65 s of a 200,000-person close, bench/close.py). At
    100,000 people in five parts, decoding the parts' inputs took 2.4 s with it running and 1.0 s
    paused, decoding what they gave 3.2 s and 0.5 s. Paused for the whole job, it resumes once the
    job's objects are freed, on leaving ``job``'s frame: what is left to walk then is the worker's own.
    """
    @functools.wraps(job)
    async def paused(ctx: JobContext) -> None:
        with collector_paused():
            await job(ctx)
    return paused


@task(CLOSE, status=201)
@collector_paused_job
async def close_job(ctx: JobContext) -> None:
    neighbours: Neighbours = ctx.resources["neighbours"]
    tuning: CloseTuning = ctx.resources.get("close_tuning", DEFAULT_TUNING)
    params = ctx.params
    caller, period = caller_of(params["caller"]), parse_period(params["period"])
    async with ctx.session() as session:
        scheme = await session.get(Scheme, uuid.UUID(params["scheme_id"]))
        assert scheme is not None  # the route found it; schemes are not deleted
        begun = await closing.begin(session, scheme, period)
        if begun.build is not None:
            closed = await closing.close_period(session, neighbours, scheme, period, caller, reason=params["reason"],
                                                tuning=tuning)
            return await _answer(ctx, session, neighbours, scheme, closed, caller)
        await ctx.progress(phase="gather")
        gathered = await closing.gather_quarter(session, neighbours, scheme, period, caller, tuning=tuning)
        if len(gathered.given) == 1:
            parts = closing.computed_here(gathered)
            closed = await closing.finish(session, scheme, period, caller, gathered.version, gathered.rules,
                                          gathered.shared, parts, reason=params["reason"], phases=gathered.phases)
            closed = await closing.end(session, closed, begun.seen, begun.checked_at)
            return await _answer(ctx, session, neighbours, scheme, closed, caller)
        given, compacts, digest = closing.staged(gathered)
        same = await closing.unchanged(session, scheme, period, gathered.version, digest, gathered.phases)
        if same is not None:
            closed = await closing.end(session, same, begun.seen, begun.checked_at)
            return await _answer(ctx, session, neighbours, scheme, closed, caller)
        await staging.drop(session, ctx.job_id)  # a run begun before under this job (its worker died) starts again
        with gathered.phases.timing("stage_write"):
            run = await staging.stage(session, ctx.job_id, scheme_id=scheme.id, period=period.code,
                                      scheme_version=gathered.version.version, shared=gathered.shared, given=given)
            await session.commit()  # the parts' inputs, for any worker; nothing else was written
    closing.log_staged(scheme, period, run.people, run.parts, gathered.phases)
    await ctx.progress(0, run.people, "parts")
    finishing = {**params, "run_id": str(run.id), "seen": begun.seen, "checked_at": begun.checked_at.isoformat(),
                 "input_digest": digest}
    await ctx.fan_out([(PART, {"run_id": str(run.id), "part": part.number}) for part in given],
                      then=(FINISH, finishing))
    if not tuning.gatherer_computes:
        return None
    # This worker computes parts as well, from the inputs it holds (nothing to read back), the last first
    # while the part tasks take the first, and stores the version once none is left: what its parts gave
    # is not written. Should it die, the part tasks compute what it left and their finishing task computes
    # its parts again and stores the version.
    # While it waits for the last parts others hold, it reads back those they have finished.
    rules, shared, known = gathered.rules, gathered.shared, dict(enumerate(given))
    elsewhere = staging.FinishedElsewhere(ctx.sessionmaker, run.id, known)
    with gathered.phases.timing("parts"):
        here = await staging.compute_parts(
            ctx.sessionmaker, run.id, lambda number, _: partition.compute_known(given[number], compacts[number],
                                                                               rules, shared),
            inputs=False, last_first=True, keep=False, computed=lambda people: _computed(ctx, people),
            meanwhile=elsewhere.read)
    await _store_run(ctx, finishing, known=known, here={**elsewhere.parts, **here}, phases=gathered.phases)
    return None


@task(PART)
@collector_paused_job
async def close_part_job(ctx: JobContext) -> None:
    """Parts of a close computed, until none is left (``staging.compute_parts``): the one this task was
    queued for, unless another worker has it, and any other left."""
    run_id = uuid.UUID(ctx.params["run_id"])
    async with ctx.session() as session:
        run = await staging.run_of(session, run_id)
        if run is None:
            return  # finished, or given up
        rules = await rules_at(session, run.scheme_id, run.scheme_version)
    shared = run.shared
    await staging.compute_parts(
        ctx.sessionmaker, run_id,
        lambda _, inputs: partition.compute_staged(partition.staged_from(inputs or b""), rules, shared),
        computed=lambda people: _computed(ctx, people))


async def _computed(ctx: JobContext, people: int) -> None:
    """A part's people counted done; a close cancelled (or failed by another part) stops here, between parts."""
    await ctx.advance(people, "parts")
    await ctx.check_cancelled()


@task(FINISH, status=201)
@collector_paused_job
async def close_finish_job(ctx: JobContext) -> None:
    """The close's parts put together, when the worker that gathered its inputs did not (it died, or
    leaves every part to the queue): everyone graded, the version stored, the run gone, in one commit."""
    await _store_run(ctx, ctx.params)


async def _store_run(ctx: JobContext, params: dict[str, Any], *, known: dict[int, partition.Staged] | None = None,
                     here: dict[int, partition.Part] | None = None, phases: Phases | None = None) -> None:
    """Everyone of the run graded and its version stored, by whichever of the worker that gathered it and
    the finishing task takes the run's lock first; the other finds the run gone, and the job ended."""
    neighbours: Neighbours = ctx.resources["neighbours"]
    caller, period, run_id = caller_of(params["caller"]), parse_period(params["period"]), uuid.UUID(params["run_id"])
    await ctx.advance(0, "store")
    async with ctx.session() as session:
        run = await staging.run_of(session, run_id, lock=True)
        if run is None:
            job = await store.read_job(session, ctx.parent_id or ctx.job_id)
            if job is not None and job.state in ("queued", "running"):  # its unlogged run emptied by a crash
                raise CloseInterrupted("the close's work in progress is gone (the database restarted while it was "
                                       "under way); nothing of it was stored: close the period again")
            return  # stored, and the job ended, by the other
        scheme = await session.get(Scheme, run.scheme_id)
        version = await session.get(SchemeVersion, (run.scheme_id, run.scheme_version))
        assert scheme is not None and version is not None
        rules = await rules_at(session, run.scheme_id, run.scheme_version)
        phases = phases or Phases()
        with phases.timing("read_parts"):  # and those the gathering worker computed, if it died since
            parts = await staging.outputs(session, run_id, known, here,
                                          lambda staged: partition.compute_staged(staged, rules, run.shared))
        closed = await closing.finish(session, scheme, period, caller, version, rules, run.shared, parts,
                                      reason=params["reason"], phases=phases, digest_=params.get("input_digest"))
        await staging.drop(session, run_id)
        closed = await closing.end(session, closed, int(params["seen"]), datetime.fromisoformat(params["checked_at"]))
        await _answer(ctx, session, neighbours, scheme, closed, caller)


async def expected_people(session: AsyncSession, scheme: Scheme, period: str) -> int:
    """About how many people a close of the period will have: the scheme's latest version's, or
    the people marked for the period, whichever is more."""
    db = await driver(session)
    found = await db.fetchval(
        "SELECT greatest((SELECT people FROM closes WHERE scheme_id = $1 ORDER BY created_at DESC LIMIT 1), "
        "(SELECT count(DISTINCT person_id) FROM marks WHERE scheme_id = $1 AND period = $2))", scheme.id, period)
    return int(found or 0)



